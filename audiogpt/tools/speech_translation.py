"""speech_translation: translate the speech in an audio file into English text."""

from __future__ import annotations

from pathlib import Path

from audiogpt.tools.base import AudioFile, Tool, ToolInput


class SpeechTranslationInput(ToolInput):
    audio: AudioFile


TOOL = Tool(
    name="speech_translation",
    category="understanding",
    description="Translate the speech in an audio file from any language into English text.",
    input_model=SpeechTranslationInput,
    output="text",
    reply="English translation of {input}: “{text}”",  # {input} {text}
    reply_empty="I found no speech to translate in {input}.",
    capability="audiogpt.evaluation.capability:speech_translation",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
