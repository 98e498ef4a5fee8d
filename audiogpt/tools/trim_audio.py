"""trim_audio: cut audio by time (keep or remove a span) and/or strip leading/trailing silence."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator

from audiogpt.tools.base import AudioFile, Tool, ToolInput


class TrimAudioInput(ToolInput):
    audio: AudioFile
    start_s: float | None = Field(None, ge=0, le=36_000, description="start of the span in seconds (omit = 0)")
    end_s: float | None = Field(None, ge=0, le=36_000, description="end of the span in seconds (omit = the end)")
    mode: Literal["keep", "remove"] = Field(
        "keep", description="keep: keep only start_s–end_s; remove: cut start_s–end_s out and join the rest"
    )
    remove_silence: bool = Field(False, description="also cut leading and trailing silence")
    silence_threshold_db: float = Field(
        -40.0, ge=-100, le=-10, description="level (dBFS) below which audio counts as silence"
    )
    silence_method: Literal["level", "vad"] = Field(
        "level", description="level: below silence_threshold_db; vad: no speech per voice activity detection"
    )

    @model_validator(mode="after")
    def _check_span(self) -> Self:
        if self.start_s is not None and self.end_s is not None and self.start_s >= self.end_s:
            raise ValueError(f"start_s ({self.start_s:g} s) must be before end_s ({self.end_s:g} s)")
        if self.start_s is None and self.end_s is None and not self.remove_silence:
            raise ValueError("give start_s and/or end_s, or set remove_silence")
        return self


TOOL = Tool(
    name="trim_audio",
    category="editing",
    description="Cut audio by time: keep only start_s–end_s (mode keep), or cut that span out (mode remove); "
    "optionally remove leading/trailing silence. 'Cut the first 3 seconds' = start_s 3.",
    input_model=TrimAudioInput,
    output="audio",
    reply="Trimmed {input} ({detail}): {output}{facts}",
    hint='Tell me what to cut, e.g. "cut the first 3 seconds", "keep 0:05 to 0:12" or "trim the silence".',
    capability="audiogpt.evaluation.properties:trim_audio",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
