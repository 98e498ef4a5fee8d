"""extract_audio_from_video: decode a video's audio stream with PyAV (which ships FFmpeg's libraries)."""

from __future__ import annotations

from pathlib import Path

from audiogpt.audio import decode_av
from audiogpt.tools.extract_audio_from_video import ExtractAudioFromVideoInput
from foundation_models.base import ModelOutput, RunContext
from foundation_models.edit_base import EditingTool


class PyAVExtractAudio(EditingTool):
    task = "extract_audio_from_video"
    default_model = "dsp:pyav"
    libraries = ("av",)

    def run(self, inputs: ExtractAudioFromVideoInput, ctx: RunContext) -> ModelOutput:
        path = Path(inputs.video)
        index = inputs.audio_stream
        found = decode_av(path, index, ctx.max_output_s, limits=ctx.decode_limits)  # the configured limits
        rate = found.audio.sample_rate
        notes = [
            f"Decoded audio stream {index} ({found.codec}, {rate} Hz, {found.streams} audio stream(s) in the video)."
        ]
        if found.source_channels > 2:
            notes.append(f"Its {found.source_channels} channels were downmixed to stereo.")
        return ModelOutput(audio=[found.audio], notes=notes)
