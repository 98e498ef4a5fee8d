"""Checks and small helpers shared by the listening adapters (separation, detection, captioning)."""

from __future__ import annotations

import numpy as np

from audiogpt.audio import Audio, AudioError, check_samples

SILENCE_DBFS = -60.0  # RMS below this (dB re full scale) counts as silence


def rms_dbfs(samples: np.ndarray) -> float:
    """RMS level in dB re full scale (-inf dB for digital silence clipped to -200)."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0
    return 20.0 * np.log10(max(rms, 1e-10))


def is_silent(audio: Audio) -> bool:
    """True when the whole recording is quieter than :data:`SILENCE_DBFS`."""
    return rms_dbfs(audio.samples) < SILENCE_DBFS


def require_sound(audio: Audio, doing: str, min_s: float = 0.0) -> Audio:
    """Refuse empty, corrupt, too short or silent input with a sentence about the input."""
    check_samples(audio)
    if audio.duration_s < min_s:
        raise AudioError(f"the audio is {audio.duration_s:.2f} s long; {doing} needs at least {min_s:g} s of sound")
    if is_silent(audio):
        raise AudioError(f"the audio is silent (below {SILENCE_DBFS:g} dBFS); there is nothing for {doing}")
    return audio


def fit_length(samples: np.ndarray, frames: int) -> np.ndarray:
    """Cut or zero-pad along the first axis to exactly ``frames`` (resampling may be a sample off)."""
    if samples.shape[0] >= frames:
        return samples[:frames]
    pad = [(0, frames - samples.shape[0])] + [(0, 0)] * (samples.ndim - 1)
    return np.pad(samples, pad)


def limit_peak(samples: np.ndarray, peak: float = 0.99) -> np.ndarray:
    """Scale down (never up) so no sample exceeds ``peak``: separators' outputs have no fixed gain."""
    top = float(np.max(np.abs(samples))) if samples.size else 0.0
    return samples * (peak / top) if top > peak else samples
