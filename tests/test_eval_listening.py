"""Capability measures of the listening tools: the metric functions on signals with known answers,
"weights absent" where the hub checkpoints are not here, and the measures run for real through the
handler with tiny random-weight models on the shared recordings (the numbers mean nothing then;
that they are computed over every labelled file does)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from audiogpt.evaluation.capability import run_suite
from audiogpt.evaluation.harness import EvalOptions
from audiogpt.evaluation.listening import caption_names
from audiogpt.metrics import active_spans, onset_errors, pit_si_sdr_improvement, sdr_db, si_sdr
from tests import tiny_listening

LISTENING = ["speech_separation", "music_source_separation", "target_sound_detection", "audio_captioning",
             "sound_extraction"]  # fmt: skip


def test_sdr_of_a_known_error_is_its_energy_ratio() -> None:
    s = np.sin(np.linspace(0, 200, 16000))
    assert sdr_db(s, s + 0.1 * s) == pytest.approx(20.0, abs=1e-6)  # ‖s‖² / ‖0.1 s‖² = 100
    assert sdr_db(s, np.zeros_like(s)) == pytest.approx(0.0, abs=1e-6)


def test_pit_finds_the_speaker_order_and_measures_the_gain_over_the_mixture() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(8000), rng.standard_normal(8000)
    mix = a + b
    estimates = [b + 0.1 * a, a + 0.05 * b]  # in the other order, with known leakage
    gains, order = pit_si_sdr_improvement([a, b], estimates, mix)
    assert order == (1, 0)
    assert gains[0] == pytest.approx(si_sdr(a, estimates[1]) - si_sdr(a, mix))
    assert gains[1] == pytest.approx(si_sdr(b, estimates[0]) - si_sdr(b, mix))
    assert gains[0] > gains[1] > 15  # less leakage, more gain; both far above the mixture's ~0 dB


def test_onset_errors_and_energy_labels() -> None:
    assert onset_errors([(1.0, 2.0), (5.0, 6.0)], [(1.2, 2.0), (4.6, 5.5)]) == pytest.approx([0.2, 0.4])
    assert onset_errors([(1.0, 2.0)], []) == []
    sr = 8000
    clip = np.zeros(3 * sr)
    clip[sr : sr + sr // 2] = np.sin(np.arange(sr // 2) * 0.3)  # a burst from 1.0 to 1.5 s
    clip += 1e-4 * np.random.default_rng(1).standard_normal(clip.size)  # a faint floor, 70 dB down
    spans = active_spans(clip, sr)
    assert len(spans) == 1 and spans[0] == pytest.approx((1.0, 1.5), abs=0.051)


def test_a_caption_names_the_class_by_label_or_audioset_name() -> None:
    assert caption_names("Mostly dog, with bark and animal.", "dog")
    assert caption_names("A vehicle horn, car horn, honking in traffic.", "car_horn")
    assert not caption_names("Rain falling on a roof.", "dog")


def test_each_listening_measure_says_weights_absent_and_runs_nothing(tmp_path: Path) -> None:
    (tmp_path / "index.jsonl").write_text("")
    report = run_suite(EvalOptions(), data=tmp_path, tools=LISTENING)
    for tool in LISTENING:
        total = report.totals[tool]
        assert total["status"] == "skipped", (tool, total)
    text = report.text()
    for tool in LISTENING:  # the table and the notes both say it, with the command that fetches the weights
        assert "weights absent: " in text and f"(fetch with: audiogpt models pull {tool})" in text


@pytest.mark.slow
def test_the_measures_run_through_the_handler_where_weights_are_present(tmp_path: Path, shared_data: Path) -> None:
    vocabulary = tmp_path / "names.txt"
    vocabulary.write_text("Dog\nBark\nRain\nThunder\nVehicle horn, car horn, honking\nBird\nChicken, rooster\n")
    clap = str(tiny_listening.clap_folder(tmp_path / "clap"))
    convtasnet = str(tiny_listening.convtasnet_checkpoint(tmp_path / "c"))
    models = {
        "speech_separation": {"adapter": "convtasnet", "model": convtasnet},
        "music_source_separation": {"adapter": "demucs", "model": str(tiny_listening.htdemucs_file(tmp_path / "d"))},
        "target_sound_detection": {"adapter": "clap_detection", "model": clap},
        "audio_captioning": {"adapter": "clap_caption", "model": clap, "vocabulary": str(vocabulary)},
        "sound_extraction": {"adapter": "clap_extraction", "model": clap, "threshold": 0.0},
    }
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump({"models": models}))
    report = run_suite(EvalOptions(config=str(config)), data=shared_data, tools=LISTENING)
    totals = report.totals
    for tool in LISTENING:
        assert totals[tool]["status"] == "ok", (tool, totals[tool])
    items = {tool: [i for i in report.items if i["tool"] == tool] for tool in LISTENING}
    assert len(items["speech_separation"]) == 4  # two mixtures × two speakers
    assert {i["stem"] for i in items["music_source_separation"]} == {"vocals", "drums", "bass", "other"}
    assert all(np.isfinite(i["sdr"]) for i in items["music_source_separation"])
    assert len(items["audio_captioning"]) == 5 and all(i["caption"].endswith(".") for i in items["audio_captioning"])
    detection = items["target_sound_detection"]
    assert len(detection) == 10 and sum("segment_f1" in i for i in detection) == 5
    assert all(i["reference"] for i in detection if "segment_f1" in i)  # every present clip got energy labels
    assert all(0 <= i["precision"] <= 1.0 + 1e-6 for i in items["sound_extraction"])
