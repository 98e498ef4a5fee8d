"""The before/after picture of a separation: the input's waveform above each separated part's."""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence

import numpy as np

from audiogpt.audio import Audio

POINTS = 2000  # min/max envelope columns per row


def _envelope(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    edges = np.linspace(0, samples.size, min(POINTS, max(samples.size, 1)) + 1).astype(int)
    lo = np.array([samples[a:b].min() if b > a else 0.0 for a, b in itertools.pairwise(edges)])
    hi = np.array([samples[a:b].max() if b > a else 0.0 for a, b in itertools.pairwise(edges)])
    return lo, hi


def before_after_png(mixture: Audio, parts: Sequence[Audio], labels: Sequence[str]) -> bytes:
    """One row for the input and one per part, on a shared time axis; PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on servers
    import matplotlib.pyplot as plt

    rows = [("input (mixture)", mixture), *zip(labels, parts, strict=True)]
    fig, axes = plt.subplots(len(rows), 1, figsize=(8, 0.4 + 1.1 * len(rows)), sharex=True, squeeze=False)
    for ax, (label, audio) in zip(axes[:, 0], rows, strict=True):
        lo, hi = _envelope(audio.mono().samples)
        t = np.linspace(0, audio.duration_s, lo.size)
        ax.fill_between(t, lo, hi, color="#1f77b4" if label.startswith("input") else "#d62728", linewidth=0)
        ax.set_ylim(-1, 1)
        ax.set_yticks([])
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    axes[-1, 0].set_xlabel("time (s)")
    axes[0, 0].set_title("before and after separation", fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, dpi=80, format="png")
    plt.close(fig)
    return buf.getvalue()
