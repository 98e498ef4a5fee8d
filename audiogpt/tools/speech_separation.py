"""speech_separation: split a recording of several people talking into one file per speaker."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field

from audiogpt.observation import Observation
from audiogpt.tools.base import AudioFile, Tool, ToolInput

_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "both": 2}


def speakers_argument(text: str, duration_s: float | None) -> dict[str, Any]:
    """The router's reader for ``num_speakers`` ("the three speakers", "4 voices")."""
    m = re.search(
        r"\b(\d+|two|three|four|five|both)\s+(?:\w+\s+)?(?:speakers?|voices|people|persons|talkers)\b", text, re.I
    )
    if not m:
        return {}
    word = m.group(1).lower()
    return {"num_speakers": int(word) if word.isdigit() else _COUNTS[word]}


def labelled_outputs(r: Observation) -> dict[str, Any]:
    """{outputs}: each audio file with its label ("speaker 1: audio/…wav"); {count}: how many."""
    files = [f for f in r.files if f.startswith("audio/")]
    labels = list(r.info.get("labels") or [])
    named = [f"{labels[i]}: {f}" if i < len(labels) else f for i, f in enumerate(files)]
    return {"outputs": ", ".join(named), "count": len(files)}


class SpeechSeparationInput(ToolInput):
    audio: AudioFile
    # Bounds are wide on purpose: the adapter explains a count its model cannot give in a sentence.
    num_speakers: int = Field(2, ge=1, le=10, description="how many people are talking (default 2)")


TOOL = Tool(
    name="speech_separation",
    outputs=lambda inputs: inputs.num_speakers,
    category="processing",
    description="Separate overlapping voices in a recording into one audio file per speaker, each as long as "
    "the input, with a before/after picture. Use before transcribing each speaker on their own.",
    input_model=SpeechSeparationInput,
    output="audio",
    reply="Separated {input} into {count} speakers: {outputs}",  # {input} {count} {outputs}
    arguments=speakers_argument,
    describe=labelled_outputs,
    hint="Upload a recording where two people talk over each other, then ask me to separate the speakers.",
    capability="audiogpt.evaluation.listening:speech_separation",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
