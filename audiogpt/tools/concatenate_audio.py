"""concatenate_audio: join audio files end to end, with an optional crossfade or gap."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, model_validator

from audiogpt.tools.base import AudioFiles, Tool, ToolInput


class ConcatenateAudioInput(ToolInput):
    audio_files: AudioFiles
    crossfade_s: float = Field(0.0, ge=0, le=30, description="overlap with an equal-power crossfade at each join")
    gap_s: float = Field(0.0, ge=0, le=600, description="silence inserted between files")

    @model_validator(mode="after")
    def _check_join(self) -> Self:
        if self.crossfade_s > 0 and self.gap_s > 0:
            raise ValueError("use either crossfade_s or gap_s, not both")
        return self


TOOL = Tool(
    name="concatenate_audio",
    category="editing",
    description="Join two or more audio files end to end in the given order, with an optional crossfade or "
    "gap; different sample rates and channel counts are converted to match.",
    input_model=ConcatenateAudioInput,
    output="audio",
    reply="Joined {inputs}{detail}: {output}{facts}",
    capability="audiogpt.evaluation.properties:concatenate_audio",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
