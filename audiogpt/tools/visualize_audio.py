"""visualize_audio: a labelled picture of a recording (waveform, spectrogram, mel spectrogram)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, model_validator

from audiogpt.observation import Observation
from audiogpt.slots import FIRST_RE, LAST_RE, NEEDS_DURATION, has, hz, span_s, time_range
from audiogpt.tools.base import AudioFile, Tool, ToolInput


class VisualizeAudioInput(ToolInput):
    audio: AudioFile
    kind: Literal["waveform", "spectrogram", "mel_spectrogram"] = "spectrogram"
    frequency_scale: Literal["linear", "log"] = Field("linear", description="frequency axis of a spectrogram")
    start_s: float | None = Field(None, ge=0, le=36_000, description="draw from here (seconds)")
    end_s: float | None = Field(None, ge=0, le=36_000, description="draw until here (seconds)")
    max_frequency_hz: float | None = Field(None, gt=0, le=96_000, description="top of the frequency axis")

    @model_validator(mode="after")
    def _check_span(self) -> Self:
        if self.start_s is not None and self.end_s is not None and self.start_s >= self.end_s:
            raise ValueError(f"start_s ({self.start_s:g} s) must be before end_s ({self.end_s:g} s)")
        return self


def visualize_args(text: str, duration: float | None = None) -> dict[str, Any]:
    """kind / frequency_scale / start_s / end_s / max_frequency_hz from "mel spectrogram up to 8 kHz"."""
    args: dict[str, Any] = {}
    if has(r"\bmel\b", text):
        args["kind"] = "mel_spectrogram"
    elif has(r"wave\s?form|\bamplitude\b|\benvelope\b|\bwave\b|\bloudness over time", text):
        args["kind"] = "waveform"
    else:
        args["kind"] = "spectrogram"
    if has(r"\blog\w*\b", text):
        args["frequency_scale"] = "log"
    span = time_range(text)
    if span:
        args.update(start_s=span[0], end_s=span[1])
    elif (m := FIRST_RE.search(text)) and m.group(1):
        args["end_s"] = span_s(m)
    elif (m := LAST_RE.search(text)) and m.group(1):
        if duration is None:
            return {**args, NEEDS_DURATION: True}
        args["start_s"] = max(0.0, duration - span_s(m))
    below = r"\b(?:up\s+to|below|under|max(?:imum)?|to|until|limit(?:ed)?\s+(?:at|to))\s+(\d+(?:\.\d+)?\s*k?hz)"
    top = re.search(below, text, re.I) or re.search(r"\b0\s*(?:-|–|to)\s*(\d+(?:\.\d+)?\s*k?hz)", text, re.I)
    if top:
        args["max_frequency_hz"] = hz(top.group(1))
    return args


def describe(r: Observation) -> dict[str, Any]:
    """{detail}: the kind of picture and its range."""
    a = r.args
    extra = ["log frequency axis"] if a.get("frequency_scale") == "log" else []
    if a.get("start_s") is not None or a.get("end_s") is not None:
        extra.append(f"{a.get('start_s') or 0:g}–{a['end_s']:g} s" if a.get("end_s") else f"from {a['start_s']:g} s")
    extra += [f"up to {a['max_frequency_hz']:g} Hz"] if a.get("max_frequency_hz") else []
    kind = str(a.get("kind") or "spectrogram").replace("_", " ")
    return {"detail": kind + (f" ({', '.join(extra)})" if extra else "")}


TOOL = Tool(
    name="visualize_audio",
    category="editing",
    description="Draw a labelled picture of an audio file on request: waveform, spectrogram or mel spectrogram, "
    "with an optional time range, log frequency axis and frequency limit.",
    input_model=VisualizeAudioInput,
    output="image",
    reply="Here is the {detail} of {input}: {output}",
    capability="audiogpt.evaluation.properties:visualize_audio",
    examples_path=Path(__file__).with_suffix(".yaml"),
    describe=describe,
    arguments=visualize_args,
    traits=frozenset({"needs_duration"}),
)
