"""The capability suite: label mapping, RTTM reading, editing tools measured through the real handler,
failures reported instead of raised, and the model tools on the shared recordings."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiogpt.errors import UserError
from audiogpt.evaluation import capability
from audiogpt.evaluation.capability import expected_labels, read_rttm, read_truth, run_suite
from audiogpt.evaluation.harness import EvalOptions
from audiogpt.metrics import merge_intervals


def test_labels_map_to_audioset_names() -> None:
    assert "Dog" in expected_labels("dog") and "Bark" in expected_labels("dog")
    assert expected_labels("car_horn")[0] == "Vehicle horn, car horn, honking"
    assert "Thunder" in expected_labels("thunderstorm")
    assert "Chicken, rooster" in expected_labels("hens / chickens")
    assert "Bird" in expected_labels("bird call - single chirp of an English robin")
    assert expected_labels("vacuum cleaner") == ()


def test_rttm_turns_and_their_union(tmp_path: Path) -> None:
    rttm = tmp_path / "x.rttm"
    rttm.write_text("SPEAKER s 1 1.0 2.0 <NA> <NA> a <NA> <NA>\n"
                    "SPEAKER s 1 2.5 1.0 <NA> <NA> b <NA> <NA>\n"
                    "; a comment line\n"
                    "SPEAKER s 1 5.0 0.5 <NA> <NA> a <NA> <NA>\n")  # fmt: skip
    turns = read_rttm(rttm)
    assert turns == [(1.0, 3.0), (2.5, 3.5), (5.0, 5.5)]
    assert merge_intervals(turns) == [(1.0, 3.5), (5.0, 5.5)]


def test_bad_data_or_tools_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"no index\.jsonl"):
        read_truth(tmp_path)
    with pytest.raises(UserError, match="no such folder"):
        run_suite(EvalOptions(), data=tmp_path / "absent", tools=["trim_audio"])
    with pytest.raises(UserError, match="no capability measure for make_coffee"):
        run_suite(EvalOptions(), tools=["make_coffee"])


@pytest.mark.slow
def test_editing_tools_measured_through_the_handler(tmp_path: Path) -> None:
    (tmp_path / "index.jsonl").write_text("")
    report = run_suite(EvalOptions(), data=tmp_path, tools=["change_pitch", "convert_audio", "speech_recognition"])
    totals = report.totals
    assert totals["change_pitch"]["status"] == "ok" and totals["change_pitch"]["checks passed"] == 1.0
    assert totals["convert_audio"]["checks passed"] == 1.0
    # no labelled speech in this data folder: reported as skipped, not as a score
    assert totals["speech_recognition"]["status"] == "skipped"
    pitch = [i for i in report.items if i["tool"] == "change_pitch"]
    up = next(i for i in pitch if i["check"].startswith("+3 semitones: frequency"))
    assert up["measured"] == pytest.approx(2 ** (3 / 12), rel=0.01) and up["passed"]
    assert "change_pitch" in report.text() and report.mode == "full (models run)"


@pytest.mark.slow
def test_a_broken_adapter_is_reported_not_raised(tmp_path: Path) -> None:
    config = tmp_path / "broken.yaml"
    config.write_text("models:\n  change_pitch: {adapter: 'foundation_models.no_such_module:Nothing'}\n")
    report = run_suite(EvalOptions(config=str(config)), tools=["change_pitch", "trim_audio"])
    assert report.totals["change_pitch"]["status"] == "error"
    assert "no_such_module" in report.totals["change_pitch"]["detail"]
    assert report.totals["trim_audio"]["status"] == "ok"  # the other tools still ran
    assert any(p.startswith("change_pitch: error") for p in report.problems)


@pytest.mark.slow
def test_model_tools_on_the_shared_recordings(shared_data: Path) -> None:
    report = run_suite(EvalOptions(), data=shared_data, tools=["sound_event_detection", "voice_activity_detection"])
    sed, vad = report.totals["sound_event_detection"], report.totals["voice_activity_detection"]
    assert sed["status"] == vad["status"] == "ok"
    assert sed["top-5 accuracy"] >= 0.8 and sed["top-1 accuracy"] <= sed["top-3 accuracy"] <= sed["top-5 accuracy"]
    assert vad["time f1"] >= 0.9 and vad["segment f1"] >= 0.5
    files = {i["file"] for i in report.items}
    assert "esc50_1-100032-A-0_dog.wav" in files and "pyannote_sample.wav" in files
    assert capability.DEFAULT_DATA.name == "data"
