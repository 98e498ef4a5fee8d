"""Capability: how good are the tools' outputs? Every call goes through the real ``TaskHandler.call``,
so the product is measured (validation, file handling, the configured model), not a model alone.

Labelled data is a folder with ``index.jsonl`` (one ``{"file": …, "ground_truth": {…}}`` a line;
``../shared/data`` by default). Measures: ASR word error rate, speech translation WER on English
speech, TTS→ASR round-trip WER, enhancement SI-SDR and SNR gain, sound-event top-k accuracy, VAD
segment F1, and the measured property of each editing tool (:mod:`.properties`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from audiogpt.audio import load_audio
from audiogpt.errors import UserError
from audiogpt.evaluation.measure import Context, NeedsData, ToolFailed, ToolResult, measure_of
from audiogpt.metrics import align, merge_intervals, normalize_text, segment_f1, si_sdr, snr_db, time_f1, top_k_hit, wer
from audiogpt.tools import CATALOG

if TYPE_CHECKING:
    from audiogpt.evaluation.harness import EvalOptions
    from audiogpt.evaluation.report import Report

log = logging.getLogger(__name__)

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"  # ../shared/data next to the repo
ROUND_TRIP_SENTENCES = ("The weather is lovely today, so we will walk to the park.",
                        "Please send the report to the whole team before noon on Friday.",
                        "A small brown dog ran across the quiet street.")  # fmt: skip
VAD_COLLAR_S = 0.5  # onset/offset tolerance of a matched speech segment
ALIGN_MAX_LAG_S = 0.1  # an enhancer's latency searched when comparing with the clean reference
# ESC-50 / file labels → the AudioSet (YAMNet) display names that count as right.
AUDIOSET_NAMES: dict[str, tuple[str, ...]] = {
    "dog": ("Dog", "Bark", "Bow-wow", "Yip", "Growling", "Whimper (dog)", "Canidae, dogs, wolves"),
    "car_horn": ("Vehicle horn, car horn, honking", "Toot", "Air horn, truck horn"),
    "thunderstorm": ("Thunderstorm", "Thunder"),
    "bird": ("Bird", "Bird vocalization, bird call, bird song", "Chirp, tweet"),
    "hens": ("Chicken, rooster", "Fowl", "Cluck"),
}


def _asr_wer(ctx: Context, tool: str) -> ToolResult:
    result = ToolResult(tool)
    errors = words = 0.0
    for path, truth in ctx.labelled("transcript", "speech/"):
        obs = ctx.call(tool, {"audio": ctx.upload(path)})
        ref_words = len(normalize_text(truth["transcript"]).split())
        rate = wer(truth["transcript"], obs.text or "")
        errors, words = errors + rate * ref_words, words + ref_words
        result.items.append({"tool": tool, "file": path.name, "wer": rate, "reference": truth["transcript"],
                             "hypothesis": obs.text})  # fmt: skip
    result.rows.append(("corpus WER (English speech)", errors / words if words else None, len(result.items)))
    if tool == "speech_translation":
        result.detail = "English in, English out: the translation is scored against the transcript"
    return result


def speech_recognition(ctx: Context) -> ToolResult:
    return _asr_wer(ctx, "speech_recognition")


def speech_translation(ctx: Context) -> ToolResult:
    return _asr_wer(ctx, "speech_translation")


def text_to_speech(ctx: Context) -> ToolResult:
    """Speak fixed sentences, transcribe them with speech_recognition, score the words."""
    result = ToolResult("text_to_speech", detail="intelligibility as heard by the configured speech_recognition")
    errors = words = 0.0
    for sentence in ROUND_TRIP_SENTENCES:
        spoken = ctx.call("text_to_speech", {"text": sentence}).files[0]
        heard = ctx.call("speech_recognition", {"audio": spoken}).text or ""
        rate, n = wer(sentence, heard), len(normalize_text(sentence).split())
        errors, words = errors + rate * n, words + n
        result.items.append({"tool": "text_to_speech", "text": sentence, "heard": heard, "wer": rate})
    result.rows.append(("TTS→ASR round-trip WER", errors / words, len(result.items)))
    return result


def speech_enhancement(ctx: Context) -> ToolResult:
    """SI-SDR and SNR of noisy and enhanced speech against the clean reference (and the gains)."""
    result = ToolResult("speech_enhancement")
    assert ctx.data is not None
    for path, truth in ctx.labelled("clean_reference", "enhancement/"):
        clean = load_audio(ctx.data / truth["clean_reference"]).mono()
        enhanced = ctx.output_audio(ctx.call("speech_enhancement", {"audio": ctx.upload(path)}))
        item: dict[str, Any] = {"tool": "speech_enhancement", "file": path.name}
        for what, audio in (("noisy", load_audio(path)), ("enhanced", enhanced)):
            signal = audio.mono().resample(clean.sample_rate).samples
            ref, est = align(clean.samples, signal, int(ALIGN_MAX_LAG_S * clean.sample_rate))
            item[f"si_sdr_{what}"], item[f"snr_{what}"] = si_sdr(ref, est), snr_db(ref, est)
        item["si_sdr_gain"] = item["si_sdr_enhanced"] - item["si_sdr_noisy"]
        item["snr_gain"] = item["snr_enhanced"] - item["snr_noisy"]
        result.items.append(item)
    n = len(result.items)
    for key, metric in (("si_sdr_enhanced", "SI-SDR of the output (dB)"), ("si_sdr_gain", "SI-SDR gain (dB)"),
                        ("snr_gain", "SNR gain (dB)")):  # fmt: skip
        result.rows.append((metric, float(np.mean([i[key] for i in result.items])) if n else None, n))
    return result


def expected_labels(label: str) -> tuple[str, ...]:
    """AudioSet names counted right for a data label ("car_horn", "hens / chickens", …); () if unknown."""
    text = label.lower()
    return next((names for key, names in AUDIOSET_NAMES.items() if key in text), ())


def sound_event_detection(ctx: Context) -> ToolResult:
    """Top-1/3/5 accuracy of the clip-level labels against the mapped AudioSet names."""
    result = ToolResult("sound_event_detection")
    for path, truth in ctx.labelled("label", "sound_events/"):
        wanted = expected_labels(str(truth["label"]))
        if not wanted:
            log.warning("no AudioSet names for label %r; %s skipped", truth["label"], path.name)
            continue
        obs = ctx.call("sound_event_detection", {"audio": ctx.upload(path), "top_k": 5})
        ranked = [label for label, _ in obs.labels]
        item = {"tool": "sound_event_detection", "file": path.name, "label": truth["label"], "top5": ranked}
        result.items.append(item | {f"top{k}": top_k_hit(ranked, wanted, k) for k in (1, 3, 5)})
    n = len(result.items)
    for k in (1, 3, 5):
        result.rows.append((f"top-{k} accuracy", sum(i[f"top{k}"] for i in result.items) / n if n else None, n))
    return result


def read_rttm(path: Path) -> list[tuple[float, float]]:
    """Speaker turns of an RTTM file as (start, end) seconds."""
    turns = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0] == "SPEAKER":
            start, duration = float(parts[3]), float(parts[4])
            turns.append((start, start + duration))
    return turns


def voice_activity_detection(ctx: Context) -> ToolResult:
    """Segment F1 (onset/offset within a collar) and time-based F1 against the union of RTTM turns."""
    result = ToolResult("voice_activity_detection", detail=f"collar {VAD_COLLAR_S} s; reference = union of turns")
    assert ctx.data is not None
    for path, truth in ctx.labelled("rttm"):
        reference = merge_intervals(read_rttm(ctx.data / str(truth["rttm"]).split()[0]))
        obs = ctx.call("voice_activity_detection", {"audio": ctx.upload(path)})
        found = merge_intervals((e["start_s"], e["end_s"]) for e in obs.events)
        p, r, f = time_f1(reference, found)
        result.items.append({"tool": "voice_activity_detection", "file": path.name, "reference": reference,
                             "found": found, "segment_f1": segment_f1(reference, found, VAD_COLLAR_S),
                             "time_precision": p, "time_recall": r, "time_f1": f})  # fmt: skip
    n = len(result.items)
    for key in ("segment_f1", "time_f1"):
        result.rows.append((key.replace("_", " "), float(np.mean([i[key] for i in result.items])) if n else None, n))
    return result


def measures() -> dict[str, Callable[[Context], ToolResult]]:
    """Each registered tool's capability measure (``Tool.capability``); exempt tools have none."""
    return {name: measure_of(tool.capability) for name, tool in CATALOG.items() if tool.capability}


def read_truth(data: Path) -> dict[str, dict[str, Any]]:
    """``index.jsonl`` of a data folder: file (relative path) → ground truth."""
    index = data / "index.jsonl"
    if not index.is_file():
        raise UserError(f"{data} has no index.jsonl (one {{'file': …, 'ground_truth': {{…}}}} a line)")
    rows = [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {row["file"]: row.get("ground_truth") or {} for row in rows if "file" in row}


def run_suite(options: EvalOptions, data: str | Path | None = None, tools: list[str] | None = None) -> Report:
    """Measure every selected tool; one tool's failure is reported, never fatal."""
    from audiogpt.evaluation.harness import capability_report, open_agent

    evaluators = measures()
    unknown = sorted(set(tools or []) - set(evaluators))
    if unknown:
        raise UserError(f"no capability measure for {', '.join(unknown)}; measured tools: {', '.join(evaluators)}")
    data_dir = Path(data).expanduser() if data else DEFAULT_DATA
    if data and not data_dir.is_dir():
        raise UserError(f"--data {data_dir}: no such folder")
    has_data = data_dir.is_dir()
    truth = read_truth(data_dir) if has_data else {}
    results = []
    with open_agent(options) as (agent, workspace):
        for tool in tools or list(evaluators):
            ctx = Context(agent, agent.store.create(f"capability {tool}"), data_dir if has_data else None, truth,
                          workspace / "scratch", tool)  # fmt: skip
            ctx.scratch.mkdir(parents=True, exist_ok=True)
            results.append(_measure(tool, evaluators[tool], ctx))
        return capability_report(agent, data_dir if has_data else None, results)


def _measure(tool: str, evaluate: Callable[[Context], ToolResult], ctx: Context) -> ToolResult:
    if tool not in ctx.agent.pool.tasks:
        return ToolResult(tool, "error", detail="no model is configured for this tool")
    try:
        result = evaluate(ctx)
    except NeedsData:
        return ToolResult(tool, "skipped", detail=f"no labelled data (looked in {DEFAULT_DATA})")
    except (ToolFailed, UserError) as exc:
        return ToolResult(tool, "error", detail=str(exc))
    except Exception as exc:  # a broken measurement must not stop the other tools'
        log.exception("measuring %s failed", tool)
        return ToolResult(tool, "error", detail=f"{type(exc).__name__}: {exc}")
    if not result.items and result.status == "ok":  # a measure may say why it skipped (weights absent)
        result.status, result.detail = "skipped", "no labelled file for this tool in the data folder"
    return result
