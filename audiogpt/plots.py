"""Pictures for the response: waveform + spectrogram per audio file, a timeline per detection."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from audiogpt.audio import Audio


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on servers
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".tmp-" + path.name)
    fig.savefig(tmp, dpi=100, format="png")
    _pyplot().close(fig)
    os.replace(tmp, path)
    return path


def waveform_spectrogram(audio: Audio, path: Path, title: str = "") -> Path:
    """Waveform above a log-magnitude spectrogram (STFT, Hann 1024 / hop 256), time-aligned."""
    plt = _pyplot()
    mono = audio.mono().samples
    sr = audio.sample_rate
    t = np.arange(mono.size) / sr
    fig, (ax_w, ax_s) = plt.subplots(2, 1, figsize=(8, 4), sharex=True, gridspec_kw={"height_ratios": [1, 2]})
    step = max(1, mono.size // 20000)  # enough points for a faithful envelope, fast to draw
    ax_w.plot(t[::step], mono[::step], linewidth=0.6, color="#1f77b4")
    ax_w.set_ylim(-1.05, 1.05)
    ax_w.set_ylabel("amplitude")
    ax_w.set_title(title or f"{audio.duration_s:.2f} s, {sr} Hz, {audio.channels} ch", fontsize=9)
    n_fft = 1024 if mono.size >= 1024 else max(16, 1 << (mono.size.bit_length() - 1))
    ax_s.specgram(mono, NFFT=n_fft, Fs=sr, noverlap=n_fft * 3 // 4, cmap="magma", scale="dB")
    ax_s.set_ylabel("Hz")
    ax_s.set_xlabel("time (s)")
    ax_s.set_xlim(0, max(audio.duration_s, 1e-3))
    fig.tight_layout()
    return _save(fig, path)


def event_timeline(events: Sequence[dict[str, Any]], duration_s: float | None, path: Path, title: str = "") -> Path:
    """One row per label, a bar per occurrence, shaded by score."""
    plt = _pyplot()
    labels = list(dict.fromkeys(e["label"] for e in events)) or ["(none)"]
    fig, ax = plt.subplots(figsize=(8, 0.6 + 0.45 * len(labels)))
    for row, label in enumerate(labels):
        for e in (e for e in events if e["label"] == label):
            ax.broken_barh(
                [(e["start_s"], max(e["end_s"] - e["start_s"], 1e-3))],
                (row - 0.35, 0.7),
                color="#d62728",
                alpha=0.35 + 0.65 * float(np.clip(e.get("score", 1.0), 0, 1)),
            )
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    end = duration_s or max((e["end_s"] for e in events), default=1.0)
    ax.set_xlim(0, end)
    ax.set_xlabel("time (s)")
    ax.set_title(title or "events over time", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)
