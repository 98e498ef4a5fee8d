"""speech_recognition: transcribe the speech in an audio file to text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from audiogpt.observation import Observation
from audiogpt.slots import LANGUAGES
from audiogpt.tools.base import AudioFile, Tool, ToolInput


class SpeechRecognitionInput(ToolInput):
    audio: AudioFile
    language: str | None = Field(
        None, max_length=8, description="ISO 639-1 code of the spoken language such as 'en'; omit to detect"
    )


def describe(r: Observation) -> dict[str, Any]:
    """{language}: " (French)" when the request named the spoken language."""
    code = r.args.get("language")
    return {"language": next((f" ({n.title()})" for n, c in LANGUAGES.items() if c == code), "")}


TOOL = Tool(
    name="speech_recognition",
    category="understanding",
    description="Transcribe the speech in an audio file to text. Use for 'transcribe', 'what does he say', "
    "'write down the words'.",
    input_model=SpeechRecognitionInput,
    output="text",
    reply="Transcript of {input}{language}: “{text}”",  # {input} {text} {language}
    reply_empty="I heard no words in {input}.",
    capability="audiogpt.evaluation.capability:speech_recognition",
    examples_path=Path(__file__).with_suffix(".yaml"),
    slots={"language": "language"},
    describe=describe,
)
