"""Small evaluation metrics used by tests and benchmarks: text normalization, WER and SI-SDR."""

from __future__ import annotations

import re

import numpy as np

_APOSTROPHES = re.compile(r"['’‘`]")
# Punctuation becomes a space, except a decimal point or thousands comma inside a number ("3.5", "1,000").
_PUNCTUATION = re.compile(r"(?<!\d)[.,]|[.,](?!\d)|[^\w\s.,]|_")
_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Lowercase, drop punctuation and collapse whitespace; numbers are kept as written.

    >>> normalize_text("Hello,  World! It's 3.5 o'clock.")
    'hello world its 3.5 oclock'
    """
    text = _APOSTROPHES.sub("", text.lower())
    text = _PUNCTUATION.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def _edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Word-level Levenshtein distance (substitutions + deletions + insertions)."""
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, hyp_word in enumerate(hyp, start=1):
            current[j] = min(
                previous[j] + 1,  # deletion
                current[j - 1] + 1,  # insertion
                previous[j - 1] + (ref_word != hyp_word),  # substitution or match
            )
        previous = current
    return previous[-1]


def wer(reference: str, hypothesis: str, normalize: bool = True) -> float:
    """Word error rate: word-level edit distance divided by the number of reference words.

    Both strings go through :func:`normalize_text` first unless ``normalize`` is False.
    Raises ``ValueError`` when the reference has no words (the rate is undefined).
    """
    if normalize:
        reference, hypothesis = normalize_text(reference), normalize_text(hypothesis)
    ref, hyp = reference.split(), hypothesis.split()
    if not ref:
        raise ValueError("the reference has no words; WER is undefined")
    return _edit_distance(ref, hyp) / len(ref)


def si_sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Scale-invariant signal-to-distortion ratio in dB (both signals made zero-mean first).

    ``estimate`` is projected on ``reference``; the ratio of the projection's energy to the
    residual's is returned. Higher is better; a pure rescaling of the reference scores very high.
    """
    ref = np.asarray(reference, dtype=np.float64).reshape(-1)
    est = np.asarray(estimate, dtype=np.float64).reshape(-1)
    if ref.shape != est.shape:
        raise ValueError(f"reference and estimate differ in length: {ref.size} vs {est.size} samples")
    ref = ref - ref.mean()
    est = est - est.mean()
    eps = np.finfo(np.float64).tiny
    alpha = np.dot(est, ref) / (np.dot(ref, ref) + eps)
    target = alpha * ref
    residual = est - target
    return float(10.0 * np.log10((np.dot(target, target) + eps) / (np.dot(residual, residual) + eps)))
