"""Speech recognition with the reference openai-whisper package (PyTorch); hub names or local checkpoints."""

from __future__ import annotations

import logging

from audiogpt.audio import check_samples
from audiogpt.errors import UserError
from audiogpt.tools.speech_recognition import SpeechRecognitionInput
from foundation_models.base import FoundationModel, ModelOutput, RunContext, audio_in

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000  # Hz, what Whisper listens at
# Options passed through to whisper's transcribe() when set in the config.
TRANSCRIBE_OPTIONS = ("temperature", "beam_size", "best_of", "condition_on_previous_text", "initial_prompt")


class OpenAIWhisperASR(FoundationModel):
    """Transcribe speech with ``whisper.load_model(model)``: a name such as ``turbo`` or a checkpoint path."""

    task = "speech_recognition"
    default_model = "turbo"

    def _load(self) -> None:
        import whisper

        try:
            self.model = whisper.load_model(self.model_id, device=self.device)
        except RuntimeError as exc:
            if "not found" in str(exc):
                raise UserError(str(exc)) from exc
            raise

    def run(self, inputs: SpeechRecognitionInput, ctx: RunContext) -> ModelOutput:
        """Transcribe ``audio`` (an :class:`Audio`), optionally in a given ``language`` code."""
        language = inputs.language
        self.load()
        if language:
            language = language.strip().lower()
            if not self.model.is_multilingual and language != "en":
                raise UserError(
                    f"The speech recognition model {self.model_id!r} only understands English, "
                    f"not {language!r}; use a multilingual Whisper model such as 'turbo' or 'large-v3'."
                )
        samples = check_samples(audio_in(inputs.audio)).mono().resample(SAMPLE_RATE).samples
        options = {k: self.options[k] for k in TRANSCRIBE_OPTIONS if k in self.options}
        result = self.model.transcribe(
            samples, language=language or None, fp16=self.device.startswith("cuda"), verbose=None, **options
        )
        rows = [
            {"start": float(s["start"]), "end": float(s["end"]), "text": str(s["text"]).strip()}
            for s in result["segments"]
        ]
        text = str(result["text"]).strip()
        log.debug("transcribed into %d segments (%s)", len(rows), result.get("language"))
        return ModelOutput(text=text, info={"language": result.get("language"), "segments": rows})
