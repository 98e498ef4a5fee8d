"""change_pitch: shift the pitch by semitones without changing the duration."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Self

from pydantic import Field, model_validator

from audiogpt.observation import Observation
from audiogpt.slots import NUM, has, number
from audiogpt.tools.base import AudioFile, Tool, ToolInput


class ChangePitchInput(ToolInput):
    audio: AudioFile
    semitones: float = Field(ge=-24, le=24, description="+12 = one octave up, -12 = one octave down")

    @model_validator(mode="after")
    def _check_shift(self) -> Self:
        if self.semitones == 0:
            raise ValueError("semitones is 0, which changes nothing; give a shift such as 2 or -3")
        return self


_INTERVALS = {"semitone": 1, "half step": 1, "half-step": 1, "halfstep": 1, "half tone": 1, "half-tone": 1,
              "step": 1, "key": 1, "tone": 2, "whole tone": 2, "whole step": 2, "octave": 12, "fifth": 7,
              "fourth": 5, "major third": 4, "minor third": 3, "third": 4, "cent": 0.01, "st": 1}  # fmt: skip
_INTERVAL_RE = re.compile(
    rf"([+\-−]?\s?(?:\d+(?:\.\d+)?|{NUM}))?\s*-?\s*"
    r"(?<![a-z'])(whole[- ]tones?|whole[- ]steps?|half[- ]?(?:steps?|tones?)|semi-?tones?|octaves?|major thirds?|"
    r"minor thirds?|thirds?|fourths?|fifths?|cents?|steps?|tones?|st)\b",
    re.I,
)


def pitch_args(text: str) -> dict[str, Any]:
    """semitones from "up 3 semitones", "an octave lower", "two steps down", "deeper voice"."""
    t = text.lower()
    down = has(r"\b(?:down|lower\w*|deeper|deepen|drop\w*|decreas\w*|flat\w*|reduc\w*|minus|monster|giant|"
                  r"darth|demon)\b|[-−]\s?\d", t)  # fmt: skip
    up = has(r"\b(?:up|higher|raise\w*|increas\w*|sharp\w*|chipmunk|child|helium|less\s+deep)\b|\+\s?\d", t)
    sign = -1 if down and not (up and has(r"less\s+deep", t)) else 1
    m = _INTERVAL_RE.search(t)
    value: float | None = None
    if m and not (m.group(2).startswith(("step", "tone")) and not m.group(1)):
        unit = re.sub(r"s$", "", m.group(2).replace("-", " ").replace("semi tone", "semitone"))
        amount = m.group(1) or "1"
        n = number(amount.replace("+", "").replace("−", "").replace("-", "").strip())
        value = n * _INTERVALS.get(unit, _INTERVALS.get(unit.replace(" ", ""), 1))
        if amount.strip().startswith(("-", "−")):
            sign = -1
    elif m2 := re.search(r"(?:pitch|shift|transpose|key)\w*\s+(?:\w+\s+){0,3}?(?:by\s+)?([+\-−]?\s?\d+(?:\.\d+)?)", t):
        value = abs(float(m2.group(1).replace(" ", "").replace("−", "-")))
        sign = -1 if m2.group(1).strip().startswith(("-", "−")) or (down and not up) else sign
    elif has(r"chipmunk|helium", t) or has(r"monster|giant|demon|darth", t):
        value = 7.0
    elif down or up:
        value = 1.0 if has(r"\bbit\b|\blittle\b|\bslight", t) else 5.0 if has(r"\bmuch\b|\ba lot\b", t) else (
            3.0 if has(r"deep", t) and sign < 0 else 2.0)  # fmt: skip
    return {"semitones": sign * value} if value else {}


def describe(r: Observation) -> dict[str, Any]:
    """{detail}: the direction and size of the shift."""
    n = float(r.args.get("semitones", 0))
    return {"detail": f"{'up' if n > 0 else 'down'} by {abs(n):g} semitone{'' if abs(n) == 1 else 's'}"}


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
    describe=describe,
    arguments=lambda text, _: pitch_args(text),
    traits=frozenset({"changes_recording"}),
)
