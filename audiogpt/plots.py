"""Pictures for the response: waveform + spectrogram per audio file, a timeline per detection."""

from __future__ import annotations

import functools
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


# The waveform/spectrogram picture is drawn for every audio file of every turn, so it is drawn
# straight into pixels with numpy + Pillow (~20 ms) rather than through matplotlib (~250 ms).
WIDTH, LEFT, RIGHT = 800, 56, 12  # picture width and plot margins, in pixels
WAVE_H, SPEC_H, TOP, GAP, BOTTOM = 70, 170, 22, 8, 22  # panel heights and margins, in pixels
N_FFT = 1024  # samples per spectrogram column (Hann window)
DB_RANGE = 80.0  # dB of dynamic range shown
PNG_COMPRESSION = 1  # zlib level: the same pixels in a third of the time of the default (6); files up to 1.5x larger


@functools.cache
def _magma() -> np.ndarray:
    """The magma colour map as a 256×3 uint8 table.

    Read from matplotlib once and kept in the cache folder: importing matplotlib's colour maps
    costs more than drawing the picture, in every one-shot ``audiogpt run`` that makes audio.
    Kept in memory after the first call (finding matplotlib's version alone takes ~5 ms).
    """
    from importlib.metadata import version

    from foundation_models.base import cache_root

    path = cache_root() / "colormaps" / f"magma-{version('matplotlib')}.npy"
    try:
        table = np.load(path, allow_pickle=False)
        if table.shape == (256, 3) and table.dtype == np.uint8:
            return table
    except (OSError, ValueError):
        pass  # not cached yet, or unreadable: read it from matplotlib again
    from matplotlib import colormaps

    table = (colormaps["magma"](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        np.save(tmp, table)
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache costs speed only
    return table


def waveform_spectrogram(audio: Audio, path: Path, title: str = "") -> Path:
    """Waveform (min/max envelope per pixel column) above a log-magnitude spectrogram, time-aligned."""
    from PIL import Image, ImageDraw

    mono = audio.mono().samples.astype(np.float32)
    sr = audio.sample_rate
    plot_w = WIDTH - LEFT - RIGHT
    height = TOP + WAVE_H + GAP + SPEC_H + BOTTOM
    img = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(img)

    # waveform: one vertical line per pixel column from the min to the max sample under it
    edges = np.linspace(0, mono.size, plot_w + 1).astype(int)
    mid = TOP + WAVE_H / 2
    # per column, min and max of mono[edges[x]:edges[x + 1]] (one sample where the span is empty)
    lows = np.clip(np.minimum.reduceat(mono, edges[:-1]), -1, 1).astype(float).tolist()
    highs = np.clip(np.maximum.reduceat(mono, edges[:-1]), -1, 1).astype(float).tolist()
    for x, (lo, hi) in enumerate(zip(lows, highs, strict=True)):
        draw.line([(LEFT + x, mid - hi * WAVE_H / 2), (LEFT + x, mid - lo * WAVE_H / 2)], fill=(31, 119, 180))
    draw.rectangle([LEFT, TOP, LEFT + plot_w, TOP + WAVE_H], outline=(160, 160, 160))

    # spectrogram: one windowed FFT centred on each pixel column
    n_fft = min(N_FFT, 1 << max(4, (mono.size - 1).bit_length() - 1))
    padded = np.pad(mono, (n_fft // 2, n_fft // 2))
    centres = np.linspace(0, mono.size, plot_w, endpoint=False).astype(int)
    frames = padded[centres[:, None] + np.arange(n_fft)] * np.hanning(n_fft).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    db = 10 * np.log10(power + 1e-12)
    db = np.clip((db - db.max() + DB_RANGE) / DB_RANGE, 0, 1)  # (columns, bins), 1 = loudest
    rows = np.linspace(db.shape[1] - 1, 0, SPEC_H).astype(int)  # high frequencies at the top
    pixels = _magma()[(db[:, rows].T * 255).astype(np.uint8)]
    spec_top = TOP + WAVE_H + GAP
    img.paste(Image.fromarray(pixels, "RGB"), (LEFT, spec_top))

    # labels
    grey = (60, 60, 60)
    draw.text((LEFT, 4), title or f"{audio.duration_s:.2f} s, {sr} Hz, {audio.channels} ch", fill=grey)
    for hz in _frequency_ticks(sr / 2):  # a tick per round frequency, 0 Hz at the bottom
        y = spec_top + SPEC_H - hz / (sr / 2) * SPEC_H
        draw.line([(LEFT - 4, y), (LEFT, y)], fill=grey)
        label = f"{hz / 1000:g} kHz" if hz >= 1000 else f"{hz:.0f} Hz"
        draw.text((4, min(max(y - 6, spec_top), spec_top + SPEC_H - 12)), label, fill=grey)
    draw.text((4, mid - 6), "wave", fill=grey)
    for i in range(6):
        tick = LEFT + i * plot_w / 5
        draw.line([(tick, spec_top + SPEC_H), (tick, spec_top + SPEC_H + 4)], fill=grey)
        label = f"{audio.duration_s * i / 5:.2f} s"
        draw.text((min(tick - 12, WIDTH - 48), spec_top + SPEC_H + 6), label, fill=grey)

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".tmp-" + path.name)
    img.save(tmp, format="PNG", compress_level=PNG_COMPRESSION)
    os.replace(tmp, path)
    return path


def _frequency_ticks(nyquist: float, most: int = 7) -> list[float]:
    """Round frequencies from 0 to ``nyquist``: at most ``most`` of them, step 1, 2 or 5 × 10^n Hz."""
    for step in (100, 200, 500, 1000, 2000, 5000, 10_000, 20_000):
        if nyquist / step <= most - 1:
            return [float(f) for f in np.arange(0, nyquist + 1e-6, step)]
    return [0.0, nyquist]


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
