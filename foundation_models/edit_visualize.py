"""visualize_audio: a labelled matplotlib picture on request — waveform, spectrogram (linear or log
frequency) or mel spectrogram — of the whole file or a time range. STFT by scipy; the mel filter
bank is the usual HTK triangle bank (numpy)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from audiogpt.errors import UserError
from audiogpt.tools.visualize_audio import VisualizeAudioInput
from foundation_models.base import ModelOutput, RunContext, audio_in
from foundation_models.edit_base import EditingTool

N_FFT = 2048  # samples per STFT frame (Hann), 46 ms at 44.1 kHz
HOP = 512  # samples between frames
N_MELS = 128  # mel bands
DB_RANGE = 80.0  # dynamic range shown, dB below the loudest bin
LOG_FLOOR_HZ = 20.0  # a log frequency axis starts here (the bottom of human hearing)
MAX_COLUMNS = 2000  # (the picture is 1000 px wide) longer files are drawn with a larger hop so the picture stays cheap


class VisualizeAudio(EditingTool):
    task = "visualize_audio"
    default_model = "dsp:matplotlib"
    libraries = ("matplotlib", "scipy")

    def run(self, inputs: VisualizeAudioInput, ctx: RunContext) -> ModelOutput:
        audio = audio_in(inputs.audio)
        sr = audio.sample_rate
        start_s = float(inputs.start_s or 0.0)
        end_s = min(float(inputs.end_s or audio.duration_s), audio.duration_s)
        if start_s >= audio.duration_s:
            raise UserError(f"start_s ({start_s:g} s) is past the end of the file ({audio.duration_s:.2f} s)")
        x = audio.mono().samples[round(start_s * sr) : round(end_s * sr)]
        kind = inputs.kind
        top = min(float(inputs.max_frequency_hz or sr / 2), sr / 2)
        fig = _figure(x, sr, start_s, kind, inputs.frequency_scale, top)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        _close(fig)
        what = kind.replace("_", " ")
        return ModelOutput(images=[buf.getvalue()], notes=[f"Drew the {what} of {start_s:.2f}–{end_s:.2f} s."])


def _figure(x: np.ndarray, sr: int, t0: float, kind: str, scale: str, top_hz: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")  # headless
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4), constrained_layout=True)
    if kind == "waveform":
        step = max(1, len(x) // 20000)  # plot at most ~20k points (min/max would hide nothing at this width)
        t = t0 + np.arange(0, len(x), step) / sr
        ax.plot(t, x[::step], linewidth=0.6, color="#1f4e79")
        ax.set(xlabel="time (s)", ylabel="amplitude", ylim=(-1.05, 1.05), title="Waveform")
        ax.grid(alpha=0.3)
        return fig
    hop = max(HOP, -(-len(x) // MAX_COLUMNS))
    freqs, times, power = _power(x, sr, hop)
    if kind == "mel_spectrogram":
        bank, centres = _mel_bank(sr, len(freqs), top_hz)
        db = _db(bank @ power)
        mesh = ax.pcolormesh(t0 + times, np.arange(len(centres)), db, shading="auto", cmap="magma")
        ticks = np.linspace(0, len(centres) - 1, 6).astype(int)
        ax.set_yticks(ticks, [f"{centres[i]:.0f}" for i in ticks])
        ax.set(ylabel="frequency (Hz, mel scale)", title="Mel spectrogram")
    else:
        keep = (freqs <= top_hz) & ((freqs >= LOG_FLOOR_HZ) if scale == "log" else True)
        mesh = ax.pcolormesh(t0 + times, freqs[keep], _db(power[keep]), shading="auto", cmap="magma")
        if scale == "log":
            ax.set_yscale("log")
        ax.set(ylabel="frequency (Hz)", title="Spectrogram" + (" (log frequency)" if scale == "log" else ""))
    ax.set_xlabel("time (s)")
    fig.colorbar(mesh, ax=ax, label="dB")
    return fig


def _power(x: np.ndarray, sr: int, hop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from scipy.signal import stft

    if len(x) < 2:
        raise UserError("the time range holds too few samples to draw")
    nper = min(N_FFT, len(x))
    freqs, times, z = stft(x, fs=sr, window="hann", nperseg=nper, noverlap=max(0, nper - hop), boundary=None)
    return freqs, times, np.abs(z) ** 2


def _db(power: np.ndarray) -> np.ndarray:
    db = 10 * np.log10(np.maximum(power, 1e-20))
    return np.maximum(db, db.max() - DB_RANGE)


def _mel_bank(sr: int, n_bins: int, top_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """Triangular filters evenly spaced on the HTK mel scale from 0 Hz to ``top_hz``."""
    mel = 2595 * np.log10(1 + np.array([0.0, top_hz]) / 700)
    edges_hz = 700 * (10 ** (np.linspace(mel[0], mel[1], N_MELS + 2) / 2595) - 1)
    bins = np.linspace(0, sr / 2, n_bins)
    lo, mid, hi = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    bank = np.maximum(0, np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)))
    return bank, edges_hz[1:-1]


def _close(fig: Any) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)
