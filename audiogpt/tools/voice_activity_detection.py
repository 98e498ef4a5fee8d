"""voice_activity_detection: where people speak in a recording, as timed segments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from audiogpt.observation import Observation, spans_text
from audiogpt.tools.base import AudioFile, Tool, ToolInput


class VoiceActivityDetectionInput(ToolInput):
    audio: AudioFile
    threshold: float = Field(0.5, ge=0.05, le=0.95, description="speech probability needed to count as speech")


def describe(r: Observation) -> dict[str, Any]:
    """{segments} {count} {plural} {total}: the speech segments found."""
    speech = sorted(r.events, key=lambda e: float(e["start_s"]))
    total = sum(float(e["end_s"]) - float(e["start_s"]) for e in speech)
    plural = "" if len(speech) == 1 else "s"
    return {"segments": spans_text(speech, 8), "count": len(speech), "plural": plural, "total": total}


TOOL = Tool(
    name="voice_activity_detection",
    category="understanding",
    description="Find where people speak in an audio file: returns speech segments with start/end seconds.",
    input_model=VoiceActivityDetectionInput,
    output="events",
    # {input} {segments} {count} {plural} {total}
    reply="Speech in {input}: {segments} ({count} segment{plural}, {total:.1f} s of speech)",
    reply_empty="I found no speech in {input}.",
    capability="audiogpt.evaluation.capability:voice_activity_detection",
    examples_path=Path(__file__).with_suffix(".yaml"),
    slots={"threshold": "probability"},
    describe=describe,
)
