"""target_sound_detection: when does a described sound occur in a recording?"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from audiogpt.tools.base import AudioFile, Tool, ToolInput


class TargetSoundDetectionInput(ToolInput):
    audio: AudioFile
    # No length bounds here: the adapter answers an empty or essay-long description in a sentence.
    target: str = Field(max_length=20_000, description="the sound to find, in a few words, e.g. 'dog barking'")


TOOL = Tool(
    name="target_sound_detection",
    category="understanding",
    description="Find when a sound described in free text occurs in a recording (e.g. 'dog barking', 'glass "
    "breaking'): time spans with scores and a timeline. 'Not found' is a valid answer.",
    input_model=TargetSoundDetectionInput,
    output="events",
    reply="“{target}” in {input}: heard at {spans}.",  # {input} {target} {spans}
    reply_empty="I did not hear “{target}” in {input}.",
    hint="Tell me which sound to look for, e.g. 'when does the dog bark in the file?'.",
    capability="audiogpt.evaluation.listening:target_sound_detection",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
