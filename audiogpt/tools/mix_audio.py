"""mix_audio: overlay audio files (a voice over music) with gains, offsets and ducking."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, model_validator

from audiogpt.tools.base import AudioFiles, Seconds, Tool, ToolInput


class MixAudioInput(ToolInput):
    audio_files: AudioFiles
    gains_db: list[Annotated[float, Field(ge=-60, le=24)]] | None = Field(
        None, description="gain per file in dB, in the same order (omit = 0 dB each); e.g. [0, -12] = 2nd quieter"
    )
    offsets_s: list[Seconds] | None = Field(
        None, description="when each file starts in the mix, seconds (omit = all start at 0)"
    )
    duck_db: float = Field(
        0.0, ge=0, le=40, description="lower the other files by this many dB while the FIRST file is sounding"
    )

    @model_validator(mode="after")
    def _check_lengths(self) -> Self:
        n = len(self.audio_files)
        for name in ("gains_db", "offsets_s"):
            values = getattr(self, name)
            if values is not None and len(values) != n:
                raise ValueError(f"{name} has {len(values)} values for {n} files; give one per file")
        return self


TOOL = Tool(
    name="mix_audio",
    category="editing",
    description="Overlay (mix) two or more audio files, e.g. a voice over music, with a gain in dB and start "
    "offset per file and optional ducking of the others under the first; the mix never clips.",
    input_model=MixAudioInput,
    output="audio",
    reply="Mixed {inputs}{detail}: {output}{facts}",
    capability="audiogpt.evaluation.properties:mix_audio",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
