"""sound_extraction: pull the sound described in text out of a recording, with the remainder."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from audiogpt.tools.base import AudioFile, Tool, ToolInput
from audiogpt.tools.speech_separation import labelled_outputs
from audiogpt.tools.target_sound_detection import target_argument


class SoundExtractionInput(ToolInput):
    audio: AudioFile
    target: str = Field(max_length=20_000, description="the sound to pull out, in a few words, e.g. 'birdsong'")


TOOL = Tool(
    name="sound_extraction",
    outputs=lambda inputs: 2,  # the sound, and everything else
    category="processing",
    description="Pull the sound described in text (e.g. 'birdsong', 'the siren') out of a recording into its own "
    "file, with everything else as a second file. It keeps the stretches of time where that sound is heard, so "
    "sounds at the same moment stay with it; for vocals or instruments in music use music_source_separation.",
    traits=frozenset({"reads_quotes"}),
    input_model=SoundExtractionInput,
    output="audio",
    reply="Pulled “{target}” out of {input}: {outputs}",  # {input} {target} {outputs}
    arguments=target_argument,
    describe=labelled_outputs,
    hint="Tell me which sound to pull out, e.g. 'extract the birdsong from the file'.",
    capability="audiogpt.evaluation.listening:sound_extraction",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
