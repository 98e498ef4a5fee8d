"""Capability measures of the listening tools on the shared recordings (``../shared/data``):
SI-SDR improvement per separated speaker (permutation-invariant), SDR per music stem, target
detection F1 and onset error, whether a caption names the labelled class, and how much of a
placed sound an extraction keeps. Each call goes through the real handler; where the configured
model's hub weights are not on this machine the measure says "weights absent" and runs nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from audiogpt.audio import Audio, decode_av, load_audio
from audiogpt.evaluation.capability import AUDIOSET_NAMES
from audiogpt.evaluation.measure import Context, NeedsData, ToolResult
from audiogpt.metrics import active_spans, onset_errors, pit_si_sdr_improvement, sdr_db, segment_f1, time_f1

log = logging.getLogger(__name__)

ONSET_COLLAR_S = 0.5  # a detected span counts when its onset and offset are this close to the label's
MUSDB_STREAMS = {"drums": 1, "bass": 2, "other": 3, "vocals": 4}  # NI-stems order; stream 0 is the mixture
# Sound-event labels → words that a caption naming the class would contain.
CAPTION_WORDS = {key: (key.replace("_", " "), *(n.lower() for n in names)) for key, names in AUDIOSET_NAMES.items()}
TARGETS = {"dog": "a dog barking", "car_horn": "a car horn honking", "thunderstorm": "thunder",
           "bird": "a bird chirping", "hens": "chickens clucking"}  # fmt: skip


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def weights_absent(ctx: Context, tool: str) -> ToolResult | None:
    """A "skipped: weights absent" result when the configured hub checkpoint is not here, else None."""
    from foundation_models.weights import presence

    model_id = ctx.agent.pool.adapter(tool).model_id
    found = presence(model_id)
    if found.kind == "hub" and not found.present:
        return ToolResult(
            tool, "skipped", detail=f"weights absent: {model_id} (fetch with: audiogpt models pull {tool})"
        )
    return None


def _audio_files(ctx: Context, obs: Any) -> list[Audio]:
    return [ctx.session.load(n)[1] for n in obs.files if n.startswith("audio/")]


def speech_separation(ctx: Context) -> ToolResult:
    """SI-SDR improvement of each speaker over the mixture, best speaker order (PIT)."""
    if absent := weights_absent(ctx, "speech_separation"):
        return absent
    if ctx.data is None:
        raise NeedsData("recordings")
    result = ToolResult("speech_separation", detail="SI-SDRi against the sources, permutation-invariant")
    cases: list[tuple[str, Audio, list[np.ndarray]]] = []
    for path, truth in ctx.labelled("sources", "separation/"):
        sources = [load_audio(ctx.data / s).mono().samples for s in truth["sources"]]
        cases.append((path.name, load_audio(path), sources))
    for path, _ in ctx.labelled("left_channel_transcript", "speech/"):
        stereo = load_audio(path)  # one talker per channel: their sum is a real two-speaker mixture
        if stereo.channels == 2:
            mix = Audio(stereo.samples.sum(axis=1), stereo.sample_rate)
            cases.append((path.name + " (channels summed)", mix, [stereo.samples[:, 0], stereo.samples[:, 1]]))
    for name, mix, refs in cases:
        obs = ctx.call("speech_separation", {"audio": ctx.upload_audio(mix.mono(), f"mix_{len(result.items)}.wav")})
        ests = [a.mono().resample(mix.sample_rate).samples for a in _audio_files(ctx, obs)]
        gains, order = pit_si_sdr_improvement(refs, ests, mix.mono().samples)
        result.items += [{"tool": "speech_separation", "file": name, "speaker": i + 1, "output": order[i] + 1,
                          "si_sdri": g} for i, g in enumerate(gains)]  # fmt: skip
    values = [i["si_sdri"] for i in result.items]
    result.rows.append(("SI-SDR improvement per speaker (dB)", float(np.mean(values)) if values else None, len(values)))
    return result


def music_source_separation(ctx: Context) -> ToolResult:
    """SDR of each returned stem against the MUSDB stem (plain energy ratio; see metrics.sdr_db)."""
    if absent := weights_absent(ctx, "music_source_separation"):
        return absent
    if ctx.data is None:
        raise NeedsData("recordings")
    result = ToolResult("music_source_separation", detail="plain SDR (not museval's BSS-Eval) per stem")
    for path in sorted((ctx.data / "music").glob("*.stem.mp4")):
        mix = decode_av(path, stream=0).audio
        obs = ctx.call("music_source_separation", {"audio": ctx.upload_audio(mix, "musdb_mixture.wav")})
        for stem, audio in zip(MUSDB_STREAMS, _audio_files(ctx, obs), strict=True):  # tool returns this order
            ref = decode_av(path, stream=MUSDB_STREAMS[stem]).audio.resample(audio.sample_rate)
            est = audio.samples if audio.channels == ref.channels else audio.mono().samples
            score = sdr_db(ref.samples.reshape(-1) if est.ndim == 2 else ref.mono().samples, est.reshape(-1))
            result.items.append({"tool": "music_source_separation", "file": path.name, "stem": stem, "sdr": score})
    for stem in MUSDB_STREAMS:
        values = [i["sdr"] for i in result.items if i["stem"] == stem]
        result.rows.append((f"SDR {stem} (dB)", float(np.mean(values)) if values else None, len(values)))
    return result


def _sound_clips(ctx: Context) -> list[tuple[Path, str]]:
    clips = []
    for path, truth in ctx.labelled("label", "sound_events/"):
        key = next((k for k in TARGETS if k in str(truth["label"]).lower()), None)
        if key:
            clips.append((path, key))
    return clips


def target_sound_detection(ctx: Context) -> ToolResult:
    """Each labelled clip asked for its own class (reference spans: an energy rule on the single-class
    clip) and for another clip's class (reference: none); segment F1 with a 0.5 s collar, time F1,
    onset error."""
    if absent := weights_absent(ctx, "target_sound_detection"):
        return absent
    result = ToolResult("target_sound_detection", detail=f"labels by energy rule; collar {ONSET_COLLAR_S} s")
    clips = _sound_clips(ctx)
    for n, (path, key) in enumerate(clips):
        audio = load_audio(path)
        truth = active_spans(audio.mono().samples, audio.sample_rate)
        other = clips[(n + 1) % len(clips)][1]
        name = ctx.upload(path)
        for target, reference in ((key, truth), (other, [] if other != key else truth)):
            obs = ctx.call("target_sound_detection", {"audio": name, "target": TARGETS[target]})
            found = [(float(e["start_s"]), float(e["end_s"])) for e in obs.events]
            item: dict[str, Any] = {"tool": "target_sound_detection", "file": path.name, "target": TARGETS[target],
                                    "reference": reference, "found": found}  # fmt: skip
            if reference:
                item["segment_f1"] = segment_f1(reference, found, ONSET_COLLAR_S)
                item["time_f1"] = time_f1(reference, found)[2]
                item["onset_error_s"] = float(np.mean(onset_errors(reference, found))) if found else None
            else:
                item["false_alarm"] = bool(found)
            result.items.append(item)
    present = [i for i in result.items if "segment_f1" in i]
    absent_items = [i for i in result.items if "false_alarm" in i]
    onsets = [i["onset_error_s"] for i in present if i["onset_error_s"] is not None]
    result.rows += [
        ("segment F1 (target present)", _mean([i["segment_f1"] for i in present]), len(present)),
        ("time F1 (target present)", _mean([i["time_f1"] for i in present]), len(present)),
        ("mean onset error (s)", _mean(onsets), len(onsets)),
        ("false alarms (target absent)", _mean([float(i["false_alarm"]) for i in absent_items]), len(absent_items)),
    ]
    return result


def caption_names(caption: str, key: str) -> bool:
    """Whether a caption names the labelled class (its label or one of its AudioSet names)."""
    text = caption.lower()
    return any(word in text for word in CAPTION_WORDS.get(key, (key,)))


def audio_captioning(ctx: Context) -> ToolResult:
    """Share of labelled clips whose caption names their class (e.g. "dog" for the ESC-50 dog clip)."""
    if absent := weights_absent(ctx, "audio_captioning"):
        return absent
    result = ToolResult("audio_captioning", detail="the caption names the labelled class")
    for path, key in _sound_clips(ctx):
        caption = ctx.call("audio_captioning", {"audio": ctx.upload(path)}).text or ""
        result.items.append({"tool": "audio_captioning", "file": path.name, "label": key, "caption": caption,
                             "named": caption_names(caption, key)})  # fmt: skip
    n = len(result.items)
    result.rows.append(("captions naming the class", sum(i["named"] for i in result.items) / n if n else None, n))
    return result


def sound_extraction(ctx: Context) -> ToolResult:
    """Clips laid end to end; extracting each one's class should keep its energy (recall) and little
    of the others' (precision), measured on the known placement."""
    if absent := weights_absent(ctx, "sound_extraction"):
        return absent
    rate = 16000
    clips = [(load_audio(p).mono().resample(rate).samples, key) for p, key in _sound_clips(ctx)]
    result = ToolResult("sound_extraction", detail="energy kept inside / outside the target's placement")
    if len(clips) < 2:
        return result
    bounds, t = [], 0
    for samples, _ in clips:
        bounds.append((t, t + samples.size))
        t += samples.size
    scene = Audio(np.concatenate([s for s, _ in clips]), rate)
    name = ctx.upload_audio(scene, "scene.wav")
    for (lo, hi), (_, key) in zip(bounds, clips, strict=True):
        kept = _audio_files(ctx, ctx.call("sound_extraction", {"audio": name, "target": TARGETS[key]}))[0]
        energy = kept.mono().samples.astype(np.float64) ** 2
        inside, total = float(energy[lo:hi].sum()), float(energy.sum())
        target_energy = float((scene.samples[lo:hi].astype(np.float64) ** 2).sum())
        result.items.append({"tool": "sound_extraction", "target": TARGETS[key],
                             "precision": inside / total if total else 0.0,
                             "recall": inside / target_energy if target_energy else 0.0})  # fmt: skip
    for key in ("precision", "recall"):
        values = [i[key] for i in result.items]
        result.rows.append((f"energy {key}", float(np.mean(values)) if values else None, len(values)))
    return result


MEASURES = {
    "speech_separation": speech_separation,
    "music_source_separation": music_source_separation,
    "target_sound_detection": target_sound_detection,
    "audio_captioning": audio_captioning,
    "sound_extraction": sound_extraction,
}
