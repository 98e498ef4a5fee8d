"""speech_separation: split a recording of several people talking into one file per speaker."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field

from audiogpt.observation import Observation
from audiogpt.slots import COUNT_WORDS
from audiogpt.tools.base import AudioFile, Tool, ToolInput

_COUNTS = {**{w: n for w, n in COUNT_WORDS.items() if 2 <= n <= 10 and w != "few"}, "both": 2}
# the people talking, by any name: "3 ppl", "three actors", "4 panellists", "two voice tracks"
_PEOPLE = (r"speakers?|voices|people|ppl|persons|talkers|folks|actors|actresses|guests|hosts|panel+ists|participants|"
           r"members|interviewees|callers|kids|children|men|women|guys|girls|boys|voice\s+tracks")  # fmt: skip
_SPEAKERS_RE = re.compile(rf"\b(\d+|{'|'.join(_COUNTS)})\s+(?:[\w-]+\s+)?(?:{_PEOPLE})\b", re.I)


def speakers_argument(text: str, duration_s: float | None) -> dict[str, Any]:
    """The router's reader for ``num_speakers`` ("the three speakers", "4 voices", "3 ppl")."""
    m = _SPEAKERS_RE.search(text)
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
