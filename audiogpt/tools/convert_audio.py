"""convert_audio: another format, sample rate, channel count or bit depth."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self, get_args

from pydantic import Field, model_validator

from audiogpt.tools.base import AudioFile, Tool, ToolInput

OutputFormat = Literal["wav", "flac", "mp3", "ogg", "opus"]
OUTPUT_FORMATS: tuple[str, ...] = get_args(OutputFormat)


class ConvertAudioInput(ToolInput):
    audio: AudioFile
    format: OutputFormat | None = Field(None, description="output file format")
    sample_rate: int | None = Field(None, ge=8000, le=192_000, description="output sample rate in Hz")
    channels: Literal[1, 2] | None = Field(None, description="1 = mono (average), 2 = stereo")
    bit_depth: Literal[16, 24, 32] | None = Field(None, description="wav/flac sample size; 32 = float (wav only)")

    @model_validator(mode="after")
    def _check_target(self) -> Self:
        if self.format is None and self.sample_rate is None and self.channels is None and self.bit_depth is None:
            raise ValueError("say what to convert to: format, sample_rate, channels or bit_depth")
        if self.bit_depth is not None and (self.format or "wav") not in ("wav", "flac"):
            raise ValueError(f"bit_depth applies to wav and flac, not {self.format}")
        if self.bit_depth == 32 and self.format == "flac":
            raise ValueError("flac stores at most 24 bits; use wav for 32-bit float")
        return self


TOOL = Tool(
    name="convert_audio",
    category="editing",
    description="Convert audio to another format (wav, flac, mp3, ogg, opus), sample rate (high-quality "
    "resampling), channel count (mono/stereo) or bit depth.",
    input_model=ConvertAudioInput,
    output="audio",
    reply="Converted {input} {detail}: {output}{facts}",
    hint='Say what to convert to: a format (wav, flac, mp3, ogg, opus), a sample rate ("16 kHz"), mono/stereo '
    'or a bit depth ("24-bit").',
    capability="audiogpt.evaluation.properties:convert_audio",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
