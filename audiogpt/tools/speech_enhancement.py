"""speech_enhancement: remove background noise from speech."""

from __future__ import annotations

from pathlib import Path

from audiogpt.tools.base import AudioFile, Tool, ToolInput


class SpeechEnhancementInput(ToolInput):
    audio: AudioFile


TOOL = Tool(
    name="speech_enhancement",
    category="processing",
    description="Remove background noise from speech in an audio file and return the cleaned audio.",
    input_model=SpeechEnhancementInput,
    output="audio",
    reply="Cleaned up {input} (background noise removed){duration}: {output}",  # {input} {output} {duration}
    capability="audiogpt.evaluation.capability:speech_enhancement",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
