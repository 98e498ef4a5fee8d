"""Stage 1, modality transformation: a spoken query becomes text (Whisper), a reply can be spoken (TTS).

Both go through the task handler, so the heard query and the spoken reply are session files with
provenance like any other tool output.
"""

from __future__ import annotations

from audiogpt.errors import UserError
from audiogpt.handler import TaskHandler
from audiogpt.observation import Observation


class ModalityTransformer:
    """Speech in, speech out, for spoken conversation."""

    def __init__(self, handler: TaskHandler) -> None:
        self.handler = handler

    def to_text(self, audio_name: str) -> str:
        """Transcribe the spoken query stored as ``audio_name``; raises if nothing was understood."""
        obs = self.handler.call("speech_recognition", {"audio": audio_name})
        if not obs.ok:
            raise UserError(f"I could not understand the spoken request: {obs.error}")
        words = (obs.text or "").strip()
        if not words:
            raise UserError("I heard no words in the spoken request; please try again or type it")
        return words

    def to_speech(self, text: str) -> Observation:
        """Speak the reply; the observation names the new audio file (or says why it failed)."""
        return self.handler.call("text_to_speech", {"text": text[:5000]})
