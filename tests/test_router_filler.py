"""The argument filler never changes what the user said: a number keeps its sign and size (a value out
of range is refused with a sentence), and a file the user names is used or said to be missing."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from audiogpt.engines.router import OfflineRouter
from tests.test_router import catalog_tools, invoke
from tests.test_router_editing import INTRO, MUSIC, VOICE, files


@pytest.fixture(scope="module")
def router() -> OfflineRouter:
    return OfflineRouter().bind_tools(catalog_tools())


def stops(router: OfflineRouter, text: str, *names: str) -> Any:
    steps = router.plan(text, files(*names))
    stopped = next((s for s in steps if s.kind != "tool"), None)
    assert stopped is not None, f"{text!r} ran {[(s.tool, s.args) for s in steps]}"
    return stopped


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("reduce volume by 1e9 dB", "1e9"),
        ("raise the pitch by nan semitones", "nan"),
        ("speed it up by inf", "inf"),
    ],
)
def test_numbers_no_reader_takes_are_refused(router: OfflineRouter, text: str, said: str) -> None:
    step = stops(router, text, VOICE)
    assert step.kind == "bad_args" and said in (step.problem or "")
    msg = invoke(router, files(VOICE), [HumanMessage(text)])
    assert not msg.tool_calls and said in msg.text


@pytest.mark.parametrize(
    ("text", "names", "field"),
    [
        ("join them with a −5 second gap", (VOICE, INTRO), "gap_s"),
        ("convert to 1 Hz", (VOICE,), "sample_rate"),
        ("normalize to +50 LUFS", (VOICE,), "target_lufs"),
        ("slow it down to 0.1x", (VOICE,), "factor"),
        ("make it 100000 times faster", (VOICE,), "factor"),
        ("shift it up 90 semitones", (VOICE,), "semitones"),
    ],
)
def test_out_of_range_values_are_refused_not_clamped(
    router: OfflineRouter, text: str, names: tuple[str, ...], field: str
) -> None:
    step = stops(router, text, *names)
    assert step.kind == "bad_args" and field in (step.problem or ""), (step.kind, step.problem)
    msg = invoke(router, files(*names), [HumanMessage(text)])
    assert not msg.tool_calls and "can't run" in msg.text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("transcribe /etc/passwd", "/etc/passwd"),
        ("add reverb to ../../etc/hosts", "../../etc/hosts"),
        ("convert notes.wav to mp3", "notes.wav"),
        ("transcribe missing.wav", "missing.wav"),
    ],
)
def test_a_file_not_in_the_session_is_said_never_replaced(router: OfflineRouter, text: str, name: str) -> None:
    msg = invoke(router, files(VOICE, MUSIC), [HumanMessage(text)])
    assert not msg.tool_calls, msg.tool_calls
    assert f"I don't have {name}; this session has: voice.wav ({VOICE}), music.mp3 ({MUSIC})." in msg.text


def test_a_file_named_by_its_upload_name_wins_over_the_newest(router: OfflineRouter) -> None:
    # voice.wav is older than music.mp3 and intro.wav; "the voice recording" still means it
    for text in ("transcribe the voice recording", "transcribe voice.wav", "add reverb to the voice file"):
        steps = router.plan(text, files(VOICE, MUSIC, INTRO))
        assert steps[0].kind == "tool" and steps[0].args["audio"] == VOICE, text
