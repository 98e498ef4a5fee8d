"""trim_audio: cut audio by time (keep or remove a span) and/or strip leading/trailing silence."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, model_validator

from audiogpt.observation import Observation
from audiogpt.slots import (
    _AFTER_RE,
    _BEFORE_RE,
    FIRST_RE,
    LAST_RE,
    NEEDS_DURATION,
    has,
    seconds,
    span_s,
    time_range,
    unit_first,
)
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


_KEEP_RE = re.compile(r"\b(?:keep|isolate|excerpt|extract|preserve|retain|give me|save|leave only)\b|"
                      r"\b(?:cut|trim|crop|shorten|clip)\s+(?:\w+\s+){0,2}?(?:down\s+)?to\b", re.I)  # fmt: skip
_REMOVE_RE = re.compile(r"\b(?:cut|trim|remove|delete|drop|chop|skip|lose|strip|shave|lop|snip|erase|get rid of|"
                        r"take\s+off|clip\s+off|without|except|exclude)\w*", re.I)  # fmt: skip
_SPAN_REMOVE_RE = re.compile(r"\b(?:remove|delete|cut\s+away|get rid of|drop|skip|exclude|erase|lose|excise|without|"
                             r"except)\b|\b(?:cut|take|chop|snip|strip)\b.{0,40}?\bout\b", re.I)  # fmt: skip
_NO_SPEECH = (r"\bnon-?speech\b|\bno(?:body| one) (?:speaks|talks)\b|\bwithout (?:speech|talking)"
              r"|\b(?:is|are)(?:\s*n[o']?t| not)\s+(?:speech|talking|speaking)\b")  # fmt: skip
# nothing to hear at the ends: "long pauses at the start and end", "a stretch of nothing at the end"
_SILENCE_RE = re.compile(rf"\bsilen\w*|\bdead air\b|\bquiet (?:bits|parts|sections|gaps|ends)\b|{_NO_SPEECH}"
                         r"|\bpauses?\b|\b(?:stretch|bit|minutes?|seconds?)\s+of\s+nothing\b", re.I)  # fmt: skip
# "cut 0:30 to 0:45, the rest I keep": what is kept is the rest, so the span goes
_KEEP_REST = r"\b(?:the\s+)?rest\b.{0,20}\bkeep|\bkeep\b.{0,20}\bthe\s+rest\b"
_VAD_RE = re.compile(rf"{_NO_SPEECH}|\bvad\b", re.I)


def trim_args(text: str, duration: float | None = None) -> dict[str, Any]:
    """start_s / end_s / mode / remove_silence from "cut the first 3 s", "keep 0:05 to 0:12", "trim the silence"."""
    args: dict[str, Any] = {}
    text = unit_first(text)
    if _SILENCE_RE.search(text):
        args["remove_silence"] = True
        if _VAD_RE.search(text):
            args["silence_method"] = "vad"
        level = re.search(r"(-\d+(?:\.\d+)?)\s*dbf?s?\b", text, re.I)
        if level:
            args["silence_threshold_db"] = float(level.group(1))
    keep = bool(_KEEP_RE.search(text)) or (not _REMOVE_RE.search(text))
    span = time_range(text, bare_ok=True)
    first, last = FIRST_RE.search(text), LAST_RE.search(text)
    if span:
        args.update(start_s=span[0], end_s=span[1])
        if has(_KEEP_REST, text) or (_SPAN_REMOVE_RE.search(text) and not has(r"\bkeep\b|\bonly\b", text)):
            args["mode"] = "remove"
    elif first or last or has(r"\b(?:first|second)\s+half\b", text):
        head = span_s(first) if first else None
        tail = span_s(last) if last else None
        if has(r"\bfirst\s+half\b", text) and head is None:
            head = duration / 2 if duration else None
        if has(r"\bsecond\s+half\b", text) and tail is None:
            tail = duration / 2 if duration else None
        if head is None and tail is None:
            return {**args, NEEDS_DURATION: True}
        if keep and not (head and tail):
            if head is not None:
                args["end_s"] = head
            elif duration is None:
                return {**args, NEEDS_DURATION: True}
            else:
                args["start_s"] = max(0.0, duration - (tail or 0.0))
        else:
            if head is not None:
                args["start_s"] = head
            if tail is not None:
                if duration is None:
                    return {**args, NEEDS_DURATION: True}
                args["end_s"] = max(0.0, duration - tail)
    elif (m := _AFTER_RE.search(text)) and not has(r"\b(?:until|till|before)\b", text[: m.start()]):
        cutting = has(r"\boff\b|\b(?:everything|anything|all)\s+after\b", text) or _REMOVE_RE.search(text)
        args["end_s" if cutting and not _KEEP_RE.search(text) else "start_s"] = seconds(m.group(1))
    elif m := _BEFORE_RE.search(text):
        removing = not keep or has(r"\b(?:everything|anything|all)\s+before\b", text)
        args["start_s" if removing and _REMOVE_RE.search(text) else "end_s"] = seconds(m.group(1))
    return args


def describe(r: Observation) -> dict[str, Any]:
    """{detail}: what was kept or cut."""
    a = r.args
    parts = ["leading and trailing silence removed"] if a.get("remove_silence") else []
    start, end = a.get("start_s"), a.get("end_s")
    if start is not None or end is not None:
        span = f"{start or 0:g}–{end:g} s" if end is not None else f"{start:g} s to the end"
        parts.insert(0, f"cut out {span}" if a.get("mode") == "remove" else f"kept {span}")
    return {"detail": ", ".join(parts) or "trimmed"}


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
    describe=describe,
    arguments=trim_args,
    traits=frozenset({"changes_recording", "needs_duration"}),
)
