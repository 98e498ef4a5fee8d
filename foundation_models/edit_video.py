"""extract_audio_from_video: decode a video's audio stream with PyAV (which ships FFmpeg's libraries)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audiogpt.audio import decode_av
from foundation_models.base import ModelOutput
from foundation_models.edit_base import EditingTool


class PyAVExtractAudio(EditingTool):
    task = "extract_audio_from_video"
    default_model = "dsp:pyav"
    libraries = ("av",)

    def run(self, **inputs: Any) -> ModelOutput:
        path: Path = inputs["video"]
        index = int(inputs.get("audio_stream", 0))
        found = decode_av(path, index, float(inputs["max_output_s"]))
        rate = found.audio.sample_rate
        notes = [
            f"Decoded audio stream {index} ({found.codec}, {rate} Hz, {found.streams} audio stream(s) in the video)."
        ]
        if found.source_channels > 2:
            notes.append(f"Its {found.source_channels} channels were downmixed to stereo.")
        return ModelOutput(audio=[found.audio], notes=notes)
