"""audio_captioning: describe what can be heard in a clip, in a sentence."""

from __future__ import annotations

from pathlib import Path

from audiogpt.tools.base import AudioFile, Tool, ToolInput


class AudioCaptioningInput(ToolInput):
    audio: AudioFile


TOOL = Tool(
    name="audio_captioning",
    category="understanding",
    description="Describe in a sentence or two what can be heard in an audio clip (the sounds, the scene). "
    "For the words spoken use speech_recognition; for a list of sound tags with times use sound_event_detection.",
    input_model=AudioCaptioningInput,
    output="text",
    reply="{input}: {text}",  # {input} {text}
    hint="Upload a clip and ask me to describe it.",
    capability="audiogpt.evaluation.listening:audio_captioning",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
