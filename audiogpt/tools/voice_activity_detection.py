"""voice_activity_detection: where people speak in a recording, as timed segments."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from audiogpt.tools.base import AudioFile, Tool, ToolInput


class VoiceActivityDetectionInput(ToolInput):
    audio: AudioFile
    threshold: float = Field(0.5, ge=0.05, le=0.95, description="speech probability needed to count as speech")


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
)
