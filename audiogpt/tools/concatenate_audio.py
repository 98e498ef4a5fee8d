"""concatenate_audio: join audio files end to end, with an optional crossfade or gap."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Self

from pydantic import Field, model_validator

from audiogpt.observation import Observation
from audiogpt.slots import _near, has, seconds
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


def join_args(text: str) -> dict[str, Any]:
    """crossfade_s or gap_s from "with a 2 second crossfade", "half a second of silence between"."""
    xf = re.search(r"\bcross-?fad\w*|\bblend\w*\s+(?:between|into)\b|\bsmooth\w*\s+(?:transition|join)\w*", text, re.I)
    gap = re.search(r"\bgap\w*|\bpauses?\b|\bsilen\w*|\bbreaks?\b|\bspac(?:e|ing)\b", text, re.I)
    if gap and has(r"\bno\s+(?:gap|pause|silence|break)", text):
        gap = None
    for m, key, default in ((xf, "crossfade_s", 1.0), (gap, "gap_s", 1.0)):
        if m:
            after, before = _near(text, m.start(), m.end())
            value = seconds(m.group(0) + after) or seconds(before)
            return {key: value if value is not None else default}
    return {}


def describe(r: Observation) -> dict[str, Any]:
    """{detail}: the crossfade or gap at each join."""
    a = r.args
    if a.get("crossfade_s"):
        return {"detail": f" with a {a['crossfade_s']:g} s crossfade"}
    return {"detail": f" with {a['gap_s']:g} s of silence between" if a.get("gap_s") else ""}


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
    describe=describe,
    arguments=lambda text, _: join_args(text),
)
