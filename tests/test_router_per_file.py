"""The offline router over several named files and beside context: one step per named file, joins that
take the files as this turn left them, and a statement that only names the task merged into its ask.

Every case here failed before the change that added it (the router planned one step, or two steps for one
ask)."""

from __future__ import annotations

import pytest

from audiogpt.engines import router_files as rf
from audiogpt.engines.router import OfflineRouter
from audiogpt.observation import SessionFile
from tests.test_router import catalog_tools
from tests.test_router import run_chain as drive_chain

A, B, C = "audio/aaaa0001.wav", "audio/aaaa0002.wav", "audio/aaaa0003.wav"
FILES = [SessionFile(A, "take1.wav", None, 12.0), SessionFile(B, "take2.wav", None, 9.0)]
THREE = [*FILES, SessionFile(C, "take3.wav", None, 5.0)]


@pytest.fixture(scope="module")
def router() -> OfflineRouter:
    return OfflineRouter().bind_tools(catalog_tools())


def planned(router: OfflineRouter, text: str, files: list[SessionFile]) -> list[tuple[str | None, str, dict]]:
    steps = router.plan(text, files)
    assert all(s.kind == "tool" for s in steps), [(s.kind, s.tool, s.problem) for s in steps]
    return [
        (s.tool, s.args.get(s.file_field or ""), {k: v for k, v in s.args.items() if k != s.file_field}) for s in steps
    ]


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("transcribe take1.wav and take2.wav", "speech_recognition"),
        ("denoise both take1.wav and take2.wav", "speech_enhancement"),
        ("What's the BPM of take1.wav and of take2.wav?", "analyze_audio"),
        ("Please describe the sounds in take1.wav and in take2.wav.", "audio_captioning"),
    ],
)
def test_one_task_over_two_named_files_is_one_step_per_file(router: OfflineRouter, text: str, tool: str) -> None:
    assert planned(router, text, FILES) == [(tool, A, {}), (tool, B, {})]


def test_each_file_reads_the_values_of_its_own_part(router: OfflineRouter) -> None:
    steps = planned(router, "Make take1.wav 3 dB louder and take2.wav 3 dB quieter", FILES)
    assert [(tool, f) for tool, f, _ in steps] == [("apply_audio_effect", A), ("apply_audio_effect", B)]
    assert [args["effects"] for *_, args in steps] == [
        [{"name": "gain", "gain_db": 3.0}],
        [{"name": "gain", "gain_db": -3.0}],
    ]
    # words before the first name belong to every file; a part that says less takes the whole request's
    steps = planned(router, "convert all to mp3: take1.wav, take2.wav, take3.wav", THREE)
    assert steps == [("convert_audio", f, {"format": "mp3"}) for f in (A, B, C)]


def test_a_name_said_as_where_the_result_goes_is_no_input() -> None:
    files = [*FILES, SessionFile(C, "out.wav", None, 5.0)]
    assert [n for n, _ in rf.named_files("convert take1.wav to out.wav", files)] == [A]
    assert [n for n, _ in rf.named_files("save take2.wav and take1.wav as out.wav", files)] == [B, A]
    assert [n for n, _ in rf.named_files(f"denoise {B} and missing.wav", files)] == [B, "missing.wav"]


def test_a_join_after_per_file_edits_takes_the_edited_files(router: OfflineRouter) -> None:
    trimmed = ["audio/11110000.wav", "audio/22220000.wav"]
    outputs = [
        {"content": "trimmed", "files": [trimmed[0]], "inputs": [A], "duration_s": 10.0},
        {"content": "trimmed", "files": [trimmed[1]], "inputs": [B], "duration_s": 7.0},
        {"content": "joined", "files": ["audio/33330000.wav"], "inputs": trimmed, "duration_s": 17.0},
    ]
    calls, _ = drive_chain(router, "trim the first 2 s off take1.wav and take2.wav, then join them", outputs, FILES)
    assert [c["name"] for c in calls] == ["trim_audio", "trim_audio", "concatenate_audio"]
    assert [c["args"]["audio"] for c in calls[:2]] == [A, B]
    assert calls[0]["args"]["start_s"] == calls[1]["args"]["start_s"] == 2.0
    assert calls[2]["args"]["audio_files"] == trimmed


def test_a_statement_naming_the_task_beside_its_ask_is_one_step(router: OfflineRouter) -> None:
    text = "Our transcription product must support Hindi. Transcribe take1.wav."
    assert planned(router, text, FILES) == [("speech_recognition", A, {})]
    text = (
        "My son wants to mix two tracks but they're in different keys. "
        "Can you tell me the key of each one, take1.wav and take2.wav"
    )
    assert [(tool, f) for tool, f, _ in planned(router, text, FILES)] == [("analyze_audio", A), ("analyze_audio", B)]
