"""text_to_speech: speak the given text aloud as a new audio file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from audiogpt.tools.base import Tool, ToolInput


class TextToSpeechInput(ToolInput):
    text: str = Field(min_length=1, max_length=5000, description="the exact words to speak")
    speed: float = Field(1.0, ge=0.25, le=4.0, description="speaking rate: 1.0 normal, 0.8 slower, 1.3 faster")


TOOL = Tool(
    name="text_to_speech",
    category="generation",
    description="Speak the given text aloud and return a new audio file of the voice.",
    input_model=TextToSpeechInput,
    output="audio",
    reply="I spoke “{text}”{duration}: {output}",  # {text} {duration} {output}
    capability="audiogpt.evaluation.capability:text_to_speech",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
