"""change_pitch: shift the pitch by semitones without changing the duration."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, model_validator

from audiogpt.tools.base import AudioFile, Tool, ToolInput


class ChangePitchInput(ToolInput):
    audio: AudioFile
    semitones: float = Field(ge=-24, le=24, description="+12 = one octave up, -12 = one octave down")

    @model_validator(mode="after")
    def _check_shift(self) -> Self:
        if self.semitones == 0:
            raise ValueError("semitones is 0, which changes nothing; give a shift such as 2 or -3")
        return self


TOOL = Tool(
    name="change_pitch",
    category="editing",
    description="Shift the pitch up or down by semitones without changing the duration.",
    input_model=ChangePitchInput,
    output="audio",
    reply="Shifted the pitch of {input} {detail}: {output}{facts}",
    hint='Say how far to shift, e.g. "up 3 semitones" or "an octave lower".',
    capability="audiogpt.evaluation.properties:change_pitch",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
