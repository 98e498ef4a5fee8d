"""Editing-tool benchmark (run by hand; prints times and ratios, asserts nothing).

    .venv/bin/python bench/editing.py [--repeat 3] [--seconds 60]

Each editing tool runs through the real TaskHandler (validation, file decode, the tool, the
atomic save of the result) on a stereo 44.1 kHz file of ``--seconds`` seconds made from real
music in ../shared/data when present (else noise + tones). RTF = wall seconds / audio seconds;
target: < 0.05 for every tool except time-stretch and pitch-shift.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import soundfile as sf

from audiogpt.config import load_settings
from audiogpt.handler import TaskHandler
from audiogpt.session import SessionStore
from foundation_models.pool import ModelPool

RATE = 44100  # Hz
SHARED_MUSIC = Path(__file__).resolve().parents[2] / "shared" / "data" / "music" / "librosa_vibeace.ogg"
TARGET_RTF = 0.05
EXEMPT = {"change_speed", "change_pitch"}  # Rubber Band time-stretch / pitch-shift


def source_audio(seconds: float) -> np.ndarray:
    """(frames, 2) float32 at 44.1 kHz: real music looped to length, or noise + tones without it."""
    frames = int(seconds * RATE)
    if SHARED_MUSIC.exists():
        from audiogpt.audio import load_audio

        music = load_audio(SHARED_MUSIC).resample(RATE)
        x = music.samples if music.channels == 2 else np.stack([music.samples] * 2, axis=1)
        x = np.tile(x, (frames // len(x) + 1, 1))[:frames]
    else:
        t = np.arange(frames) / RATE
        left = 0.2 * np.sin(2 * np.pi * 220 * t) + np.random.default_rng(0).normal(0, 0.05, frames)
        x = np.stack([left, np.roll(left, 441)], axis=1)
    return np.ascontiguousarray(x, dtype=np.float32)


def calls(a: str, b: str, video: str | None) -> list[tuple[str, dict[str, object]]]:
    out: list[tuple[str, dict[str, object]]] = [
        ("trim_audio", {"audio": a, "start_s": 5, "end_s": 55}),
        ("trim_audio", {"audio": a, "remove_silence": True}),
        ("concatenate_audio", {"audio_files": [a, b], "crossfade_s": 2}),
        ("mix_audio", {"audio_files": [a, b], "gains_db": [0, -12], "duck_db": 10}),
        ("apply_audio_effect", {"audio": a, "effects": [{"name": "reverb"}]}),
        ("apply_audio_effect", {"audio": a, "effects": [{"name": "low_shelf", "gain_db": 6},
                                                        {"name": "compressor"}, {"name": "normalize_loudness"}]}),
        ("change_speed", {"audio": a, "factor": 1.25}),
        ("change_speed", {"audio": a, "factor": 1.25, "preserve_pitch": False}),
        ("change_pitch", {"audio": a, "semitones": 3}),
        ("convert_audio", {"audio": a, "format": "flac"}),
        ("convert_audio", {"audio": a, "format": "mp3"}),
        ("convert_audio", {"audio": a, "sample_rate": 16000, "channels": 1}),
        ("visualize_audio", {"audio": a, "kind": "spectrogram"}),
        ("visualize_audio", {"audio": a, "kind": "mel_spectrogram"}),
    ]  # fmt: skip
    if video:
        out.append(("extract_audio_from_video", {"video": video}))
    return out


def make_video(path: Path, audio: np.ndarray) -> Path:
    """An MP4 (tiny MPEG-4 picture + AAC stereo sound track) of the benchmark audio, written with PyAV."""
    import av

    with av.open(str(path), "w") as out:
        video = out.add_stream("mpeg4", rate=1)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = out.add_stream("aac", rate=RATE)
        sound.layout = "stereo"
        for _ in range(int(len(audio) / RATE)):
            out.mux(video.encode(av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")))
        out.mux(video.encode())
        for start in range(0, len(audio), 1024):
            frame = av.AudioFrame.from_ndarray(audio[start : start + 1024].T.copy(), format="fltp", layout="stereo")
            frame.sample_rate = RATE
            out.mux(sound.encode(frame))
        out.mux(sound.encode())
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per call; the best is reported")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the benchmark file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(workspace=tmp)
        session = SessionStore(tmp).create()
        handler = TaskHandler(session, ModelPool(settings.models, "cpu"), settings.limits)
        audio = source_audio(args.seconds)
        sf.write(Path(tmp) / "a.wav", audio, RATE, subtype="PCM_16")
        sf.write(Path(tmp) / "b.wav", audio[::-1] * 0.5, RATE, subtype="PCM_16")
        a = session.ingest(Path(tmp) / "a.wav", 2000, 7200).name
        b = session.ingest(Path(tmp) / "b.wav", 2000, 7200).name
        try:
            video = session.ingest(make_video(Path(tmp) / "v.mp4", audio), 2000, 7200).name
        except Exception as exc:  # an FFmpeg build without an AAC or MPEG-4 encoder
            print(f"(no video benchmark: {exc})")
            video = None
        print(f"{args.seconds:.0f} s stereo {RATE} Hz, best of {args.repeat}, through TaskHandler.call\n")
        print("| tool | arguments | s | RTF | target |\n|---|---|---:|---:|---|")
        for tool, kwargs in calls(a, b, video):
            best = float("inf")
            for _ in range(args.repeat):
                handler.calls.clear()  # each call is its own turn (a turn allows max_tool_calls)
                start = time.perf_counter()
                obs = handler.call(tool, dict(kwargs))
                best = min(best, time.perf_counter() - start)
                if not obs.ok:
                    break
            shown = {k: v for k, v in kwargs.items() if k not in ("audio", "audio_files", "video")}
            rtf = best / args.seconds
            verdict = "exempt" if tool in EXEMPT else ("ok" if rtf < TARGET_RTF else "**over**")
            if not obs.ok:
                verdict = f"failed: {obs.error}"
            print(f"| {tool} | {shown or ''} | {best:.2f} | {rtf:.4f} | {verdict} |")


if __name__ == "__main__":
    main()
