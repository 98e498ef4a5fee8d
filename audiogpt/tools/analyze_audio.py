"""analyze_audio: what people ask about a recording — duration, sample rate, channels, loudness
(integrated LUFS, ITU-R BS.1770 via pyloudnorm), peak level and clipping, and for music its tempo
(librosa beat tracking) and key (Krumhansl–Kessler key profiles against librosa's chroma).

A measurement, not a model: the config serves it with the generic function adapter
(``{adapter: function, model: "audiogpt.tools.analyze_audio:analyze"}``), so the tool is this file,
its examples beside it, and one config line.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from audiogpt.audio import Audio
from audiogpt.tools.base import AudioFile, Tool, ToolInput
from foundation_models.base import ModelOutput, RunContext, audio_in

if TYPE_CHECKING:
    from audiogpt.evaluation.measure import Context

CLIP_LEVEL = 10 ** (-0.01 / 20)  # a sample at or above −0.01 dBFS counts as clipped
BS1770_BLOCK_S = 0.4  # the shortest audio BS.1770 can measure (one 400 ms block)
MUSIC_MIN_S = 3.0  # tempo and key need a few seconds of music
ANALYSIS_SR = 22050  # Hz, librosa's usual rate for tempo and chroma
MIN_EVENTS = 4  # onsets and beats needed before a tempo is claimed
# librosa's onset strength is spectral flux in dB: a note attack or a click raises it by several dB
# (music here: 11-18), while the beating of a held chord stays below 0.5
MIN_ONSET_STRENGTH = 1.0
KEY_MIN_R = 0.6  # correlation with the best key profile below which no key is claimed
NOTES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
# Krumhansl & Kessler (1982) probe-tone ratings of the 12 pitch classes in C major and C minor.
MAJOR = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
MINOR = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


class AnalyzeAudioInput(ToolInput):
    audio: AudioFile


def loudness_lufs(audio: Audio) -> float | None:
    """Integrated loudness (LUFS), or None when the clip is too short or silent to measure."""
    import pyloudnorm as pyln

    x = audio.samples if audio.samples.ndim == 2 else audio.samples[:, None]
    if len(x) < BS1770_BLOCK_S * audio.sample_rate:
        return None
    with warnings.catch_warnings(), np.errstate(divide="ignore"):
        warnings.simplefilter("ignore")  # pyloudnorm warns on clipping; clipping is reported separately
        value = float(pyln.Meter(audio.sample_rate).integrated_loudness(x.astype(np.float64)))
    return value if math.isfinite(value) else None


def tempo_and_key(audio: Audio) -> dict[str, Any]:
    """Tempo (BPM, librosa beat tracking) and key (Krumhansl–Kessler profiles on CQT chroma)."""
    import librosa

    y = audio.mono().resample(ANALYSIS_SR).samples.astype(np.float32)
    onset = librosa.onset.onset_strength(y=y, sr=ANALYSIS_SR)
    tempo, beats = librosa.beat.beat_track(onset_envelope=onset, sr=ANALYSIS_SR)
    onsets = librosa.onset.onset_detect(onset_envelope=onset, sr=ANALYSIS_SR)
    attacks = float(onset.max()) >= MIN_ONSET_STRENGTH if onset.size else False
    out: dict[str, Any] = {}
    if attacks and len(beats) >= MIN_EVENTS and len(onsets) >= MIN_EVENTS:  # a held chord or a tone has no beat
        out["tempo_bpm"] = round(float(np.atleast_1d(tempo)[0]), 1)
    chroma = librosa.feature.chroma_cqt(y=y, sr=ANALYSIS_SR).mean(axis=1)
    best = max(
        ((float(np.corrcoef(chroma, np.roll(profile, tonic))[0, 1]), NOTES[tonic], mode)
         for tonic in range(12) for mode, profile in (("major", MAJOR), ("minor", MINOR))),
    )  # fmt: skip
    if best[0] >= KEY_MIN_R:
        out["key"], out["key_confidence"] = f"{best[1]} {best[2]}", round(best[0], 2)
    return out


def analyze(inputs: AnalyzeAudioInput, ctx: RunContext) -> ModelOutput:
    """Measure the recording; ``info`` holds every number, ``text`` says them in one line."""
    audio = audio_in(inputs.audio)
    x = np.abs(audio.samples)
    peak = float(x.max()) if x.size else 0.0
    clipped = int(np.count_nonzero(x >= CLIP_LEVEL))
    info: dict[str, Any] = {
        "duration_s": round(audio.duration_s, 3),
        "sample_rate": audio.sample_rate,
        "channels": audio.channels,
        "peak_dbfs": round(20 * math.log10(peak), 2) if peak > 0 else None,
        "clipping": clipped > 0,
        "clipped_samples": clipped,
        "loudness_lufs": None if (lufs := loudness_lufs(audio)) is None else round(lufs, 1),
    }
    ctx.check_cancelled()
    notes = []
    if audio.duration_s >= MUSIC_MIN_S and peak > 0:
        try:
            info.update(tempo_and_key(audio))
        except ImportError:
            notes.append("Tempo and key need librosa: pip install librosa.")
    return ModelOutput(text=summary(info), info=info, notes=notes)


def summary(info: dict[str, Any]) -> str:
    """One line for the reply: format, loudness, peak and clipping, tempo and key when found."""
    ch = "mono" if info["channels"] == 1 else "stereo" if info["channels"] == 2 else f"{info['channels']} channels"
    parts = [f"{info['duration_s']:.2f} s, {info['sample_rate']} Hz, {ch}"]
    lufs = info["loudness_lufs"]
    parts.append(f"loudness {lufs:.1f} LUFS" if lufs is not None else "loudness not measurable (too short or silent)")
    if info["peak_dbfs"] is None:
        parts.append("silent")
    else:
        clip = f"clipping ({info['clipped_samples']} samples at full scale)" if info["clipping"] else "no clipping"
        parts.append(f"peak {info['peak_dbfs']:.1f} dBFS, {clip}")
    if "tempo_bpm" in info:
        parts.append(f"tempo about {info['tempo_bpm']:.0f} BPM")
    if "key" in info:
        parts.append(f"key {info['key']}")
    return "; ".join(parts)


def measure(ctx: Context) -> list[dict[str, Any]]:
    """Capability: known answers on synthetic signals (a −20 LUFS tone, a clipped sine, a 120 BPM click
    track, an A-major chord), measured through the real handler."""
    from audiogpt.evaluation.properties import check

    sr = 22050
    t = np.arange(10 * sr) / sr
    tone = Audio((10 ** ((-20 + 3.01) / 20) * np.sin(2 * np.pi * 997 * t)).astype(np.float32), sr)
    clipped = Audio(np.clip(1.5 * np.sin(2 * np.pi * 440 * t), -1, 1).astype(np.float32), sr)
    clicks = np.zeros(len(t), dtype=np.float32)
    for start in range(0, len(t) - 200, sr // 2):  # a click every 0.5 s = 120 BPM
        clicks[start : start + 200] = np.hanning(200) * np.sin(2 * np.pi * 1500 * t[:200])
    chord = 0.25 * np.sum([np.sin(2 * np.pi * f * t) for f in (220.0, 277.18, 329.63)], axis=0)  # A, C#, E
    results = {}
    for name, audio in (("tone", tone), ("clipped", clipped), ("clicks", Audio(clicks, sr)),
                        ("chord", Audio(chord.astype(np.float32), sr))):  # fmt: skip
        results[name] = ctx.call("analyze_audio", {"audio": ctx.upload_audio(audio, f"{name}.wav")}).info
    return [
        check("loudness of a −20 LUFS tone (LUFS)", results["tone"]["loudness_lufs"], -20.0, 0.3),
        check("a clipped sine is reported as clipping", results["clipped"]["clipping"], True, op="="),
        check("a clean tone is not clipping", results["tone"]["clipping"], False, op="="),
        check("tempo of a 120 BPM click track", results["clicks"].get("tempo_bpm", 0.0), 120.0, 3.0),
        check("key of an A-major chord", results["chord"].get("key"), "A major", op="="),
    ]


TOOL = Tool(
    name="analyze_audio",
    category="understanding",
    description="Measure a recording: duration, sample rate, channels, loudness (LUFS), peak level and whether "
    "it clips, and for music its tempo (BPM) and key. Use for 'how loud is this', 'is it clipping', "
    "'what's the BPM', 'what key is it in'.",
    input_model=AnalyzeAudioInput,
    output="text",
    reply="Measured {input}: {text}",
    capability="audiogpt.tools.analyze_audio:measure",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
