"""Base of the editing tools: signal processing (DSP) on real audio libraries, not learned models.

They live beside the model adapters so one catalog, one pool and one handler serve every tool;
each file names the library that does the work. They are stateless, so the pool lets calls run
side by side (``exclusive = False``), and ``ctx.max_output_s`` bounds their output so a request that would
make hours of audio is refused before any memory is spent on it.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import numpy as np

from audiogpt.audio import Audio
from audiogpt.errors import UserError
from foundation_models.base import FoundationModel

PEAK_CEILING = 10 ** (-0.1 / 20)  # −0.1 dBFS: where a result that would clip is brought down to
_EXTRAS = {"pedalboard": "effects"}  # GPL libraries live in extras (see pyproject.toml)


class EditingTool(FoundationModel):
    """A DSP tool; ``libraries`` are imported on load so a missing one fails with an install hint."""

    exclusive: ClassVar[bool] = False
    libraries: ClassVar[tuple[str, ...]] = ()

    def __init__(self, model: str | None = None, device: str = "cpu", **options: Any) -> None:
        super().__init__(model, device="cpu", **options)  # DSP runs on the CPU whatever the config says

    def _load(self) -> None:
        for name in self.libraries:
            try:
                importlib.import_module(name)
            except ImportError as exc:
                hint = f"pip install 'audiogpt[{_EXTRAS[name]}]'" if name in _EXTRAS else f"pip install {name}"
                raise UserError(f"{self.task} needs the {name} package: {hint}") from exc


def check_output_length(seconds: float, max_output_s: float, what: str = "the result") -> None:
    """Refuse to make audio longer than the configured limit (limits.max_duration_s)."""
    if seconds > max_output_s:
        raise UserError(
            f"{what} would be {seconds / 60:.1f} minutes long; the limit is {max_output_s / 60:.1f} minutes "
            "(limits.max_duration_s in the config)"
        )


def as_channels(audio: Audio, channels: int) -> np.ndarray:
    """Samples shaped (frames, channels): mono is copied to every channel, stereo averaged to mono.

    Other channel changes (e.g. 6 → 2) have no single right answer, so they are refused.
    """
    x = audio.samples if audio.samples.ndim == 2 else audio.samples[:, None]
    have = x.shape[1]
    if have == channels:
        return x
    if have == 1:
        return np.repeat(x, channels, axis=1)
    if channels == 1:
        return x.mean(axis=1, keepdims=True)
    raise UserError(f"cannot convert {have} channels to {channels}; convert the file to mono or stereo first")


def reconcile(items: list[Audio], names: list[str]) -> tuple[list[np.ndarray], int, list[str]]:
    """Bring audio to one sample rate (the highest, soxr HQ) and channel count (the most).

    Returns the (frames, channels) arrays, the common rate, and a note per change for the reply,
    so nothing is silently relabelled.
    """
    rate = max(a.sample_rate for a in items)
    channels = max(a.channels for a in items)
    arrays, notes = [], []
    for audio, name in zip(items, names, strict=True):
        if audio.sample_rate != rate:
            notes.append(f"{name} was resampled from {audio.sample_rate} to {rate} Hz.")
            audio = audio.resample(rate)
        if audio.channels != channels:
            notes.append(f"{name} was converted from {audio.channels} to {channels} channels.")
        arrays.append(as_channels(audio, channels))
    return arrays, rate, notes


def from_frames(x: np.ndarray, sample_rate: int) -> Audio:
    """(frames, channels) → Audio (mono comes back 1-D)."""
    return Audio(x[:, 0] if x.ndim == 2 and x.shape[1] == 1 else x, sample_rate)


def peak_safe(x: np.ndarray, above: float = PEAK_CEILING) -> float:
    """If the peak of ``x`` exceeds ``above``, scale ``x`` in place so it peaks at −0.1 dBFS.

    Returns how many dB it was lowered (0 when untouched), for the reply.
    """
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak <= above:
        return 0.0
    x *= np.float32(PEAK_CEILING / peak)
    return float(20 * np.log10(peak / PEAK_CEILING))
