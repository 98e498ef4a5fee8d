"""change_speed: make audio faster or slower, keeping the pitch (time-stretch) or not (resample)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field

from audiogpt.observation import Observation
from audiogpt.slots import NEEDS_DURATION, NUM, TIME, has, number, seconds
from audiogpt.tools.base import AudioFile, Tool, ToolInput


class ChangeSpeedInput(ToolInput):
    audio: AudioFile
    factor: float = Field(ge=0.25, le=4.0, description="1.25 = 25 % faster (shorter), 0.8 = slower (longer)")
    preserve_pitch: bool = Field(True, description="true: time-stretch, pitch unchanged; false: resample, both change")


_PITCH_TOO = re.compile(r"\btape\b|\bvinyl\b|\brecord(?:\s+player)?\b|\bchipmunk|\bnightcore\b|\bresampl\w*|"
                        r"\bvari-?speed\b|\bwith\s+the\s+pitch\b|\bpitch\s+(?:too|as\s+well|and\s+all|goes|going|will)|"
                        r"\band\s+(?:the\s+)?pitch\b|\bpitch\s+(?:\w+\s+){0,2}with\s+it\b|\bhigher\b|\bdeeper\b|"
                        r"\b(?:don't|do\s+not|without)\s+"
                        r"(?:keep|keeping|preserv\w*)\s+(?:the\s+)?pitch", re.I)  # fmt: skip
_KEEP_PITCH = re.compile(r"\b(?:keep|keeping|preserv\w*|maintain\w*|same)\s+(?:the\s+)?pitch|\bwithout\s+(?:chang|"
                         r"affect|alter)\w*\s+(?:the\s+)?pitch|\bpitch\s+(?:the\s+same|unchanged|intact)",
                         re.I)  # fmt: skip


# the order itself ("speed it up", "slow it down", "make it faster"), as against words that describe the recording
_SPEED_UP = r"(?:sp[ea]+d\w*|sped)\s+(?:\w+\s+){0,3}up\b|\b(?:faster|quicker)\b"
_SLOW_DOWN = r"\bslow\w*\s+(?:\w+\s+){0,3}down\b|\bslower\b"


def speed_args(text: str, duration: float | None = None) -> dict[str, Any]:
    """factor and preserve_pitch from "20 % faster", "half speed", "1.5x", "slow it down like a tape"."""
    t = text.lower()
    tempo = r"\s+(?:the\s+)?(?:\w+\s+)?(?:tempo|speed|rate|pace)"
    faster = has(
        rf"fast|quick|(?:sp[ea]+d\w*|sped)\s+(?:\w+\s+){{0,3}}up|hurry|shorter|(?:increas|rais|boost)\w*{tempo}", t
    )
    slower = has(rf"slow|longer|(?:decreas|reduc|lower)\w*{tempo}", t)
    if faster and slower:  # "I talk too slowly, speed it up by 15 %": the order says which way, not the complaint
        up, down = has(_SPEED_UP, t), has(_SLOW_DOWN, t)
        faster, slower = (faster, slower) if up == down else (up, down)
    factor: float | None = None
    if m := re.search(r"(\d+(?:\.\d+)?)\s*(?:%|percent)\s*(faster|quicker|slower|speed|tempo|of)?", t):
        p = float(m.group(1)) / 100
        kind = m.group(2) or ("faster" if faster and not slower else "slower" if slower else "")
        if not m.group(2) and re.search(r"\b(?:to|at)\s*$", t[: m.start()]):  # "down to 80 percent" = ×0.8
            kind = "of"
        elif not m.group(2) and not re.search(r"\bby\s*$", t[: m.start()]) and (p > 1 or (slower and p >= 0.5)):
            kind = "of"  # "a slowed-down 80% version", "a touch slower, like 95%", "110%": the new speed, not a change
        if kind in ("faster", "quicker"):
            factor = 1 + p
        elif kind == "slower":
            factor = 1 - p
        elif kind in ("speed", "tempo", "of") or not kind:
            factor = p if (not (faster or slower) or kind) else None
    elif m := re.search(rf"(\d+(?:\.\d+)?|{NUM})\s*(?:x|×|times)\s*(slower|as\s+slow)?|\b[x×]\s*(\d+(?:\.\d+)?)\b", t):
        factor = number(m.group(1) or m.group(3))
        factor = 1 / factor if factor > 1 and (m.group(2) or (slower and not faster)) else factor
    elif m := re.search(r"from\s+(\d+(?:\.\d+)?)\s*(?:bpm)?\s+to\s+(\d+(?:\.\d+)?)\s*bpm", t):
        factor = float(m.group(2)) / float(m.group(1))
    elif m := (
        re.search(
            r"\b(?:speed|factor|rate|tempo|time[_ -]?stretch\w*|stretch\w*)\s*(?:(?:it|this|that)\s+)?"
            r"(?:of|to|by|=|:|at)?\s*(\d+(?:\.\d+)?)\b(?!\s*%)",
            t,
        )
        or re.search(r"\b(?:at|to)\s+(\d*\.\d+)\b", t)
        or (re.search(r"\bby\s+(?:a\s+factor\s+of\s+)?(\d+(?:\.\d+)?)\b(?!\s*%)", t) if faster or slower else None)
    ):
        factor = float(m.group(1))
        factor = 1 / factor if slower and not faster and factor > 1 else factor
    elif has(r"\bhalf\b|\bhalve", t):
        factor = 0.5
    elif has(r"\bquarter\b", t):
        factor = 0.25
    elif has(r"\bdouble\b|\btwice\b", t):
        factor = 2.0
    elif (m := re.search(rf"\b(?:to|in|into|within|it|be)\s+({TIME})(?:\s+long)?", t)) and has(
        r"fit|long|fast|slow", t
    ):
        target = seconds(m.group(1))
        if duration is None:
            return {NEEDS_DURATION: True}
        factor = duration / target if target else None
    elif faster or slower:
        much, bit = has(r"\bmuch\b|\ba lot\b|\bway\b|\bvery\b", t), has(r"\bbit\b|\blittle\b|\bslight", t)
        factor = (1.5 if much else 1.1 if bit else 1.25) if faster and not slower else (
            0.6 if much else 0.9 if bit else 0.8)  # fmt: skip
    args: dict[str, Any] = {} if factor is None else {"factor": round(factor, 4)}
    if _PITCH_TOO.search(t) and not _KEEP_PITCH.search(t):
        args["preserve_pitch"] = False
    return args


def describe(r: Observation) -> dict[str, Any]:
    """{detail}: the factor and what happened to the pitch."""
    a = r.args
    pitch = "pitch kept" if a.get("preserve_pitch", True) else "pitch changed with it"
    return {"detail": f"×{a.get('factor', 1):g}, {pitch}"}


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
    describe=describe,
    arguments=speed_args,
    traits=frozenset({"changes_recording", "needs_duration"}),
)
