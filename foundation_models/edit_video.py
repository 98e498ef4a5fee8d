"""extract_audio_from_video: decode a video's audio stream with PyAV (which ships FFmpeg's libraries)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from audiogpt.audio import Audio, check_samples
from audiogpt.errors import UserError
from foundation_models.base import ModelOutput
from foundation_models.edit_base import EditingTool, check_output_length


class PyAVExtractAudio(EditingTool):
    task = "extract_audio_from_video"
    default_model = "dsp:pyav"
    libraries = ("av",)

    def run(self, **inputs: Any) -> ModelOutput:
        import av

        path: Path = inputs["video"]
        index = int(inputs.get("audio_stream", 0))
        try:
            container = av.open(str(path))
        except (av.error.FFmpegError, OSError) as exc:
            raise UserError(f"{path.name} is not a readable video ({exc})") from exc
        with container:
            streams = list(container.streams.audio)
            if not streams:
                raise UserError(f"{path.name} has no audio stream; there is no sound to extract")
            if index >= len(streams):
                raise UserError(f"{path.name} has {len(streams)} audio stream(s); audio_stream {index} does not exist")
            stream = streams[index]
            if container.duration:
                check_output_length(container.duration / 1_000_000, float(inputs["max_output_s"]), "its sound track")
            rate = int(stream.codec_context.sample_rate or stream.rate or 0)
            source_channels = int(stream.codec_context.channels or 1)
            channels = min(source_channels, 2)
            layout = "mono" if channels == 1 else "stereo"
            resampler = av.AudioResampler(format="flt", layout=layout, rate=rate)  # packed float32
            chunks: list[np.ndarray] = []
            try:
                for frame in container.decode(stream):
                    chunks += [f.to_ndarray().reshape(-1, channels) for f in resampler.resample(frame)]
                chunks += [f.to_ndarray().reshape(-1, channels) for f in resampler.resample(None)]
            except av.error.FFmpegError as exc:
                raise UserError(f"the sound track of {path.name} could not be decoded ({exc})") from exc
            codec = stream.codec_context.name
        if not chunks:
            raise UserError(f"the audio stream of {path.name} contains no samples")
        audio = check_samples(Audio(np.concatenate(chunks), rate), f"the sound track of {path.name}")
        notes = [f"Decoded audio stream {index} ({codec}, {rate} Hz, {len(streams)} audio stream(s) in the video)."]
        if source_channels > 2:
            notes.append(f"Its {source_channels} channels were downmixed to stereo.")
        return ModelOutput(audio=[audio], notes=notes)
