"""change_speed: make audio faster or slower, keeping the pitch (time-stretch) or not (resample)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from audiogpt.tools.base import AudioFile, Tool, ToolInput


class ChangeSpeedInput(ToolInput):
    audio: AudioFile
    factor: float = Field(ge=0.25, le=4.0, description="1.25 = 25 % faster (shorter), 0.8 = slower (longer)")
    preserve_pitch: bool = Field(True, description="true: time-stretch, pitch unchanged; false: resample, both change")


TOOL = Tool(
    name="change_speed",
    category="editing",
    description="Make audio faster or slower by a factor; by default the pitch stays the same (time-stretch), "
    "or set preserve_pitch false to resample like tape.",
    input_model=ChangeSpeedInput,
    output="audio",
    reply="Changed the speed of {input} ({detail}): {output}{facts}",
    hint='Say how much faster or slower, e.g. "20 % faster", "half speed" or "1.5x".',
    capability="audiogpt.evaluation.properties:change_speed",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
