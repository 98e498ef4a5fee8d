"""Evaluation metrics used by tests, benchmarks and ``audiogpt eval``: text normalization, WER,
SI-SDR/SNR, tool-selection precision/recall/F1 over multisets, top-k accuracy, segment F1, and
measurements of audio (loudness, dominant frequency)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence

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
    residual's is returned. Higher is better; a pure rescaling of the reference scores very high
    (at most :data:`MAX_RATIO_DB`, where the residual is float rounding).
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
    return _ratio_db(np.dot(target, target), np.dot(est - target, est - target))


# A residual below float64 resolution is rounding, not distortion: ratios stop at ~156.5 dB.
MAX_RATIO_DB = float(-10.0 * np.log10(np.finfo(np.float64).eps))


def _ratio_db(signal_energy: float, noise_energy: float) -> float:
    """10·log10(signal / noise), finite: the noise is floored at float64 resolution of the signal."""
    tiny = np.finfo(np.float64).tiny
    floor = np.finfo(np.float64).eps * signal_energy
    return float(10.0 * np.log10((signal_energy + tiny) / max(noise_energy, floor, tiny)))


def snr_db(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Signal-to-noise ratio in dB of ``estimate`` against ``reference`` (not scale-invariant)."""
    ref = np.asarray(reference, dtype=np.float64).reshape(-1)
    est = np.asarray(estimate, dtype=np.float64).reshape(-1)
    if ref.shape != est.shape:
        raise ValueError(f"reference and estimate differ in length: {ref.size} vs {est.size} samples")
    return _ratio_db(np.dot(ref, ref), np.dot(est - ref, est - ref))


def align(reference: np.ndarray, estimate: np.ndarray, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Shift ``estimate`` by the lag (at most ``max_lag`` samples either way) that best matches
    ``reference`` by cross-correlation, then cut both to their common length.

    A model that adds a little latency or padding is then compared sample for sample.
    """
    from scipy.signal import correlate, correlation_lags

    ref = np.asarray(reference, dtype=np.float64).reshape(-1)
    est = np.asarray(estimate, dtype=np.float64).reshape(-1)
    corr = correlate(est, ref, mode="full", method="fft")
    lags = correlation_lags(est.size, ref.size, mode="full")
    window = np.abs(lags) <= max_lag
    lag = int(lags[window][np.argmax(corr[window])])
    if lag > 0:  # the estimate is late
        est = est[lag:]
    elif lag < 0:
        ref = ref[-lag:]
    n = min(ref.size, est.size)
    return ref[:n], est[:n]


# ---- tool selection ---------------------------------------------------------------------------
def prf(tp: float, n_pred: float, n_gold: float) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts. With nothing predicted (or nothing to find) a score is
    1.0 when the other side is empty too (a correct abstention) and 0.0 otherwise."""
    precision = tp / n_pred if n_pred else float(n_gold == 0)
    recall = tp / n_gold if n_gold else float(n_pred == 0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def multiset_overlap(gold: Sequence[str], predicted: Sequence[str]) -> int:
    """How many predicted items match a gold item, each gold item used once (duplicates count)."""
    return sum((Counter(gold) & Counter(predicted)).values())


def multiset_prf(gold: Sequence[str], predicted: Sequence[str]) -> tuple[float, float, float]:
    """Precision/recall/F1 of ``predicted`` against ``gold`` as multisets (TaskBench's node F1).

    >>> multiset_prf(["a", "a", "b"], ["a", "b", "b"])  # 2 of 3 right on both sides
    (0.6666666666666666, 0.6666666666666666, 0.6666666666666666)
    """
    return prf(multiset_overlap(gold, predicted), len(predicted), len(gold))


def top_k_hit(ranked: Sequence[str], expected: Collection[str], k: int) -> bool:
    """True when one of the first ``k`` labels of ``ranked`` is in ``expected`` (case-insensitive)."""
    wanted = {e.casefold() for e in expected}
    return any(label.casefold() in wanted for label in ranked[:k])


# ---- segments (seconds) -----------------------------------------------------------------------
Interval = tuple[float, float]


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of ``(start, end)`` intervals as sorted, non-overlapping intervals."""
    merged: list[list[float]] = []
    for start, end in sorted((float(s), float(e)) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def segment_f1(reference: Sequence[Interval], hypothesis: Sequence[Interval], collar_s: float) -> float:
    """Event-based F1: a hypothesis segment is correct when its onset and offset are both within
    ``collar_s`` of an unmatched reference segment's (one-to-one, closest first; as sed_eval)."""
    pairs = sorted(
        (max(abs(h[0] - r[0]), abs(h[1] - r[1])), i, j)
        for i, r in enumerate(reference)
        for j, h in enumerate(hypothesis)
        if abs(h[0] - r[0]) <= collar_s and abs(h[1] - r[1]) <= collar_s
    )
    used_ref: set[int] = set()
    used_hyp: set[int] = set()
    for _, i, j in pairs:
        if i not in used_ref and j not in used_hyp:
            used_ref.add(i)
            used_hyp.add(j)
    return prf(len(used_ref), len(hypothesis), len(reference))[2]


def time_f1(reference: Sequence[Interval], hypothesis: Sequence[Interval]) -> tuple[float, float, float]:
    """Time-based precision/recall/F1: seconds covered by both over seconds covered by each."""
    ref, hyp = merge_intervals(reference), merge_intervals(hypothesis)
    both = sum(max(0.0, min(r[1], h[1]) - max(r[0], h[0])) for r in ref for h in hyp)
    return prf(both, sum(e - s for s, e in hyp), sum(e - s for s, e in ref))


# ---- measured properties of audio -------------------------------------------------------------
def loudness_lufs(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness (ITU-R BS.1770-4) in LUFS, by pyloudnorm."""
    import pyloudnorm

    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(np.asarray(samples, dtype=np.float64)))


def dominant_frequency(samples: np.ndarray, sample_rate: int) -> float:
    """Frequency in Hz of the strongest spectral peak (Hann window, parabolic interpolation).

    Meant for steady test tones: the pitch ratio of a shifted tone is the ratio of its peaks.
    """
    x = np.asarray(samples, dtype=np.float64)
    x = x.mean(axis=1) if x.ndim == 2 else x
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    k = int(np.argmax(spectrum[1:-1])) + 1
    a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-300)
    offset = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) else 0.0
    return float((k + offset) * sample_rate / x.size)


def sdr_db(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Plain signal-to-distortion ratio in dB: 10·log10(‖s‖² / ‖s − ŝ‖²), over the whole signal.

    Not museval's BSS-Eval SDR (no distortion filter, no per-second median), so it reads lower
    than published MUSDB figures for the same output; it is the honest thing we can compute here.
    """
    n = min(len(reference), len(estimate))
    ref, est = np.asarray(reference[:n], np.float64), np.asarray(estimate[:n], np.float64)
    return _ratio_db(float(np.sum(ref**2)), float(np.sum((ref - est) ** 2)))


def pit_si_sdr_improvement(
    references: Sequence[np.ndarray], estimates: Sequence[np.ndarray], mixture: np.ndarray
) -> tuple[list[float], tuple[int, ...]]:
    """Per-reference SI-SDR improvement over the mixture, under the estimate order (permutation)
    that gives the highest mean SI-SDR; returns (improvements in reference order, permutation)."""
    import itertools

    if len(estimates) < len(references):
        raise ValueError(f"{len(estimates)} estimates for {len(references)} references")
    n = min(len(mixture), *(len(r) for r in references), *(len(e) for e in estimates))
    refs = [np.asarray(r[:n], np.float64) for r in references]
    ests = [np.asarray(e[:n], np.float64) for e in estimates]
    table = np.array([[si_sdr(r, e) for e in ests] for r in refs])
    best = max(itertools.permutations(range(len(ests)), len(refs)),
               key=lambda p: sum(table[i, j] for i, j in enumerate(p)))  # fmt: skip
    base = [si_sdr(r, np.asarray(mixture[:n], np.float64)) for r in refs]
    return [float(table[i, j] - base[i]) for i, j in enumerate(best)], tuple(best)


def onset_errors(reference: Sequence[Interval], hypothesis: Sequence[Interval]) -> list[float]:
    """For each reference span, the distance (s) from its onset to the nearest hypothesis onset."""
    if not hypothesis:
        return []
    return [min(abs(h[0] - r[0]) for h in hypothesis) for r in reference]


def active_spans(samples: np.ndarray, sample_rate: int, below_peak_db: float = 20.0, frame_s: float = 0.05,
                 min_gap_s: float = 0.25) -> list[Interval]:  # fmt: skip
    """Spans where a single-source clip is within ``below_peak_db`` of its loudest frame (an energy
    rule for making reference labels from clips that hold one sound class, such as ESC-50's)."""
    frame = max(1, int(frame_s * sample_rate))
    n = len(samples) // frame
    if n == 0:
        return []
    rms = np.sqrt(np.mean(np.asarray(samples[: n * frame], np.float64).reshape(n, frame) ** 2, axis=1))
    level = 20 * np.log10(np.maximum(rms, 1e-10))
    active = level >= level.max() - below_peak_db
    spans: list[Interval] = []
    for i in np.flatnonzero(active):
        start, end = i * frame_s, (i + 1) * frame_s
        if spans and start - spans[-1][1] <= min_gap_s:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans
