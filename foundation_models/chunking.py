"""Run a model over a long recording in overlapping chunks, with memory bounded by the chunk size.

Separators see one chunk at a time (resampled to the model's rate inside ``separate``), and the
results are overlap-added at the input's rate with linear cross-fades, so the only full-length
arrays are the outputs themselves. Speech separators give their speakers in no fixed order, so
with ``align_speakers`` each chunk's outputs are reordered to match the previous chunk on the
overlap (the permutation with the highest correlation there).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from foundation_models.base import RunContext

Separate = Callable[[np.ndarray], np.ndarray]  # chunk (frames[, ch]) → outputs (n, frames[, ch])


def chunk_starts(frames: int, chunk: int, overlap: int) -> list[int]:
    """Start frames of chunks of ``chunk`` frames overlapping by ``overlap`` that cover ``frames``."""
    if frames <= chunk:
        return [0]
    step = chunk - overlap
    starts = list(range(0, frames - chunk, step))
    starts.append(frames - chunk)  # the last chunk ends exactly at the end
    return starts


def _ramp_weights(length: int, fade_in: int, fade_out: int) -> np.ndarray:
    w = np.ones(length, dtype=np.float32)
    if fade_in:
        w[:fade_in] = np.linspace(0.0, 1.0, fade_in + 2, dtype=np.float32)[1:-1]
    if fade_out:
        w[length - fade_out :] = np.linspace(1.0, 0.0, fade_out + 2, dtype=np.float32)[1:-1]
    return w


def best_permutation(previous: np.ndarray, current: np.ndarray) -> tuple[int, ...]:
    """The order of ``current``'s outputs that best matches ``previous`` (both (n, frames[, ch]))."""
    n = previous.shape[0]
    a = previous.reshape(n, -1).astype(np.float64)
    b = current.reshape(n, -1).astype(np.float64)
    a = a / (np.linalg.norm(a, axis=1, keepdims=True) + 1e-9)
    b = b / (np.linalg.norm(b, axis=1, keepdims=True) + 1e-9)
    similarity = a @ b.T  # (previous i, current j)
    perms = itertools.permutations(range(n))
    return max(perms, key=lambda p: sum(similarity[i, j] for i, j in enumerate(p)))


def process_in_chunks(
    samples: np.ndarray,
    sample_rate: int,
    separate: Separate,
    n_outputs: int,
    ctx: RunContext,
    *,
    chunk_s: float,
    overlap_s: float,
    align_speakers: bool = False,
    what: str = "chunks",
) -> np.ndarray:
    """Overlap-add ``separate`` over ``samples``; returns (n_outputs, *samples.shape) float32.

    ``ctx.progress`` is called after every chunk and ``ctx.check_cancelled`` before each one.
    """
    frames = samples.shape[0]
    chunk = max(1, round(chunk_s * sample_rate))
    overlap = min(round(overlap_s * sample_rate), chunk // 2)
    starts = chunk_starts(frames, chunk, overlap)
    out = np.zeros((n_outputs, *samples.shape), dtype=np.float32)
    total_weight = np.zeros(frames, dtype=np.float32)
    for i, start in enumerate(starts):
        ctx.check_cancelled()
        end = min(frames, start + chunk)
        estimates = np.asarray(separate(samples[start:end]), dtype=np.float32)
        if estimates.shape[:2] != (n_outputs, end - start):
            raise RuntimeError(f"the separator returned {estimates.shape} for a chunk of {end - start} frames")
        shared = int(min(end, starts[i - 1] + chunk) - start) if i else 0  # frames shared with the last chunk
        if align_speakers and shared > 0:
            done = out[:, start : start + shared] / np.maximum(total_weight[start : start + shared], 1e-6).reshape(
                -1, *([1] * (samples.ndim - 1))
            )
            estimates = estimates[list(best_permutation(done, estimates[:, :shared]))]
        next_shared = int(max(0, start + chunk - starts[i + 1])) if i + 1 < len(starts) else 0
        weights = _ramp_weights(end - start, shared, min(next_shared, end - start - shared))
        shape = (1, -1) + (1,) * (samples.ndim - 1)
        out[:, start:end] += estimates * weights.reshape(shape)
        total_weight[start:end] += weights
        ctx.progress(i + 1, len(starts), what)
    out /= np.maximum(total_weight, 1e-6).reshape((1, -1) + (1,) * (samples.ndim - 1))
    return out
