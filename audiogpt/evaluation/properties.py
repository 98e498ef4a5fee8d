"""Measured properties of the editing tools on synthetic inputs, through the real handler.

Each check asks a tool for something with a known answer (keep 0.5–2.0 s → 1.5 s; +3 semitones →
a frequency ratio of 2^(3/12); normalize to −23 LUFS → −23 LUFS by pyloudnorm) and measures the
output file. A tool's score is the fraction of its checks that pass within the stated tolerance.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from audiogpt.audio import Audio
from audiogpt.evaluation.measure import Context
from audiogpt.metrics import dominant_frequency, loudness_lufs

SR = 16000  # Hz, the synthetic inputs' rate


def tone(freq: float = 440.0, seconds: float = 3.0, amp: float = 0.3, pad_s: float = 0.0) -> Audio:
    """A sine tone, optionally with ``pad_s`` seconds of silence before and after."""
    t = np.arange(int(seconds * SR)) / SR
    pad = np.zeros(int(pad_s * SR), dtype=np.float32)
    return Audio(np.concatenate([pad, (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32), pad]), SR)


def check(what: str, measured: Any, expected: Any, tol: float = 0.0, op: str = "≈") -> dict[str, Any]:
    """One measurement: ``≈`` within ``tol`` (absolute), ``≤``/``≥`` a bound, ``=`` equality."""
    if op == "≈":
        passed = abs(float(measured) - float(expected)) <= tol
    elif op == "≤":
        passed = float(measured) <= float(expected)
    elif op == "≥":
        passed = float(measured) >= float(expected)
    else:
        passed = measured == expected
    return {"check": what, "measured": measured, "expected": f"{op} {expected}" + (f" ± {tol:g}" if tol else ""),
            "passed": bool(passed)}  # fmt: skip


def _run(ctx: Context, tool: str, args: dict[str, Any]) -> Audio:
    return ctx.output_audio(ctx.call(tool, args))


def trim_audio(ctx: Context) -> list[dict[str, Any]]:
    src = ctx.upload_audio(tone(seconds=3.0), "tone_3s.wav")
    padded = ctx.upload_audio(tone(seconds=1.0, pad_s=1.0), "tone_padded.wav")
    keep = _run(ctx, "trim_audio", {"audio": src, "start_s": 0.5, "end_s": 2.0})
    cut = _run(ctx, "trim_audio", {"audio": src, "start_s": 0.5, "end_s": 2.0, "mode": "remove"})
    silence = _run(ctx, "trim_audio", {"audio": padded, "remove_silence": True})
    return [check("keep 0.5–2.0 s of 3 s: duration (s)", keep.duration_s, 1.5, 0.01),
            check("remove 0.5–2.0 s of 3 s: duration (s)", cut.duration_s, 1.5, 0.01),
            # the whole tone, plus at most a short margin kept on each side
            check("strip 1 s of silence each side of 1 s: duration (s)", silence.duration_s, 1.1, 0.1)]  # fmt: skip


def change_speed(ctx: Context) -> list[dict[str, Any]]:
    src = ctx.upload_audio(tone(seconds=3.0), "tone_3s.wav")
    fast = _run(ctx, "change_speed", {"audio": src, "factor": 1.25})
    tape = _run(ctx, "change_speed", {"audio": src, "factor": 2.0, "preserve_pitch": False})
    return [check("×1.25: duration ratio", fast.duration_s / 3.0, 1 / 1.25, 0.02),
            check("×1.25 keeping pitch: frequency ratio", _freq(fast) / 440.0, 1.0, 0.01),
            check("×2 like tape: duration ratio", tape.duration_s / 3.0, 0.5, 0.02),
            check("×2 like tape: frequency ratio", _freq(tape) / 440.0, 2.0, 0.02)]  # fmt: skip


def change_pitch(ctx: Context) -> list[dict[str, Any]]:
    src = ctx.upload_audio(tone(seconds=3.0), "tone_3s.wav")
    up = _run(ctx, "change_pitch", {"audio": src, "semitones": 3})
    down = _run(ctx, "change_pitch", {"audio": src, "semitones": -12})
    return [check("+3 semitones: frequency ratio", _freq(up) / 440.0, 2 ** (3 / 12), 0.01),
            check("+3 semitones: duration ratio", up.duration_s / 3.0, 1.0, 0.01),
            check("−12 semitones: frequency ratio", _freq(down) / 440.0, 0.5, 0.01)]  # fmt: skip


def apply_audio_effect(ctx: Context) -> list[dict[str, Any]]:
    src_audio = tone(seconds=3.0, amp=0.1)
    src = ctx.upload_audio(src_audio, "tone_quiet.wav")
    norm = _run(ctx, "apply_audio_effect", {"audio": src, "effects": [{"name": "normalize_loudness",
                                                                       "target_lufs": -23.0}]})  # fmt: skip
    gain = _run(ctx, "apply_audio_effect", {"audio": src, "effects": [{"name": "gain", "gain_db": 6.0}]})
    before = loudness_lufs(src_audio.samples, SR)
    return [check("normalize to −23 LUFS: loudness (LUFS)", _lufs(norm), -23.0, 0.5),
            check("gain +6 dB: loudness change (LU)", _lufs(gain) - before, 6.0, 0.2),
            check("gain +6 dB: duration (s)", gain.duration_s, 3.0, 0.01)]  # fmt: skip


def convert_audio(ctx: Context) -> list[dict[str, Any]]:
    import soundfile as sf

    src = ctx.upload_audio(tone(seconds=2.0), "tone_2s.wav")
    obs = ctx.call("convert_audio", {"audio": src, "format": "flac", "sample_rate": 22050, "channels": 2})
    info = sf.info(str(ctx.session.resolve(obs.files[0]).path))
    return [check("container", info.format, "FLAC", op="="),
            check("sample rate (Hz)", info.samplerate, 22050, op="="),
            check("channels", info.channels, 2, op="="),
            check("duration (s)", info.duration, 2.0, 0.01)]  # fmt: skip


def concatenate_audio(ctx: Context) -> list[dict[str, Any]]:
    a = ctx.upload_audio(tone(440, 1.0), "a_1s.wav")
    b = ctx.upload_audio(tone(660, 1.5), "b_1_5s.wav")
    joined = _run(ctx, "concatenate_audio", {"audio_files": [a, b], "gap_s": 0.5})
    half = joined.sample_rate // 2
    head, tail = Audio(joined.samples[:half], joined.sample_rate), Audio(joined.samples[-half:], joined.sample_rate)
    return [check("1 s + 0.5 s gap + 1.5 s: duration (s)", joined.duration_s, 3.0, 0.01),
            check("order: first part's frequency (Hz)", _freq(head), 440, 5),
            check("order: last part's frequency (Hz)", _freq(tail), 660, 5)]  # fmt: skip


def mix_audio(ctx: Context) -> list[dict[str, Any]]:
    a = ctx.upload_audio(tone(440, 1.0, amp=0.8), "loud_1s.wav")
    b = ctx.upload_audio(tone(440, 2.0, amp=0.8), "loud_2s.wav")
    mixed = _run(ctx, "mix_audio", {"audio_files": [a, b]})
    return [check("1 s over 2 s: duration (s)", mixed.duration_s, 2.0, 0.01),
            check("two 0.8 peaks in phase: output peak (below full scale)",
                  float(np.max(np.abs(mixed.samples))), 0.999, op="≤")]  # fmt: skip


def extract_audio_from_video(ctx: Context) -> list[dict[str, Any]]:
    from audiogpt.evaluation.media import SIGNAL_S, MediaFactory

    video = ctx.upload(MediaFactory(ctx.scratch / "media").path("clip.mp4", "video"))
    track = _run(ctx, "extract_audio_from_video", {"video": video})
    return [check("sound track duration (s)", track.duration_s, SIGNAL_S, 0.1),
            check("sound track's fundamental (Hz)", _freq(track), 220.0, 4.0)]  # fmt: skip


def visualize_audio(ctx: Context) -> list[dict[str, Any]]:
    from PIL import Image

    src = ctx.upload_audio(tone(seconds=2.0), "tone_2s.wav")
    obs = ctx.call("visualize_audio", {"audio": src, "kind": "spectrogram"})
    images = [n for n in obs.files if n.startswith("image/")]
    if not images:
        return [check("a picture was made", 0, 1, op="=")]
    with Image.open(ctx.session.resolve(images[0]).path) as img:
        fmt, (width, height) = img.format, img.size
    return [check("picture format", fmt, "PNG", op="="),
            check("picture width (px)", width, 300, op="≥"),
            check("picture height (px)", height, 200, op="≥")]  # fmt: skip


def _freq(audio: Audio) -> float:
    return dominant_frequency(audio.mono().samples, audio.sample_rate)


def _lufs(audio: Audio) -> float:
    return loudness_lufs(audio.samples, audio.sample_rate)
