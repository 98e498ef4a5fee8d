"""sound_event_detection: tag the sounds in a recording and when they occur."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from audiogpt.observation import Observation, spans_text
from audiogpt.tools.base import AudioFile, Tool, ToolInput


class SoundEventDetectionInput(ToolInput):
    audio: AudioFile
    top_k: int = Field(5, ge=1, le=20, description="how many clip-level labels to report")


def describe(r: Observation) -> dict[str, Any]:
    """{labels} {timeline}: the top sounds with their scores, and when the first three occur."""
    labels = r.labels or _labels_from_events(r.events)
    when = []
    for lb, _ in labels[:3]:
        hits = sorted((e for e in r.events if e.get("label") == lb), key=lambda e: float(e["start_s"]))
        if hits:
            when.append(f"{lb} at {spans_text(hits, 3)}")
    return {
        "labels": ", ".join(f"{lb} {sc:.0%}" for lb, sc in labels[:5]),
        "timeline": (" " + "; ".join(when) + ".") if when else "",
    }


def _labels_from_events(events: list[dict[str, Any]]) -> list[tuple[str, float]]:
    best: dict[str, float] = {}
    for e in events:
        best[e["label"]] = max(best.get(e["label"], 0.0), float(e.get("score") or 0.0))
    return sorted(best.items(), key=lambda kv: -kv[1])


TOOL = Tool(
    name="sound_event_detection",
    category="understanding",
    description="Tag the sounds in an audio file (dog bark, rain, music, speech… 521 AudioSet classes) and "
    "give a timeline of when each occurs.",
    input_model=SoundEventDetectionInput,
    output="events",
    reply="Sounds in {input}: {labels}.{timeline}",  # {input} {labels} {timeline}
    reply_empty="I could not recognise any sound in {input}.",
    capability="audiogpt.evaluation.capability:sound_event_detection",
    examples_path=Path(__file__).with_suffix(".yaml"),
    slots={"top_k": "count"},
    describe=describe,
)
