"""sound_event_detection: tag the sounds in a recording and when they occur."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from audiogpt.tools.base import AudioFile, Tool, ToolInput


class SoundEventDetectionInput(ToolInput):
    audio: AudioFile
    top_k: int = Field(5, ge=1, le=20, description="how many clip-level labels to report")


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
)
