"""The robustness suite: script checks, expectations on hand-made responses, and scripts run end to end."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from audiogpt.errors import UserError
from audiogpt.evaluation import robustness
from audiogpt.evaluation.harness import EvalOptions
from audiogpt.evaluation.robustness import check_turn, load_script
from audiogpt.response import ArtifactView, Response, ToolCallView

SHIPPED = Path(__file__).resolve().parents[1] / "evals" / "robustness"


def response(text: str, calls: list[tuple[str, dict[str, Any], bool, str]], made: Sequence[str] = ()) -> Response:
    return Response(
        text=text,
        session_id="s",
        tool_calls=[ToolCallView(tool, args, ok, obs, []) for tool, args, ok, obs in calls],
        artifacts=[ArtifactView(name, "audio", "/x") for name in made],
    )


def test_shipped_scripts_cover_the_five_cases() -> None:
    scripts = [load_script(p) for p in sorted(SHIPPED.glob("*.yaml"))]
    assert len(scripts) == 5
    assert len(scripts[0].turns) == 1 and len(scripts[0].turns[0].expect["tools"]) == 3  # 3-step chain, one request
    assert [len(s.turns) for s in scripts[1:]] == [3, 3, 3, 3]
    kinds = {kind for s in scripts for t in s.turns for kind in t.files.values()}
    assert "corrupt" in kinds


@pytest.mark.parametrize(
    ("text", "why"),
    [("turns: []", "non-empty list of turns"), ("turns: [{files: {}}]", "needs a request"),
     ("turns: [{request: hi, files: {a.wav: noise}}]", "files map"),
     ("turns: [{request: hi, expect: {tool: [x]}}]", "expect keys"), ("turns: [", "not valid YAML")],
)  # fmt: skip
def test_bad_scripts_say_why(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=why):
        load_script(path)


def test_expectations_of_one_turn() -> None:
    previous = response("Transcript", [("speech_recognition", {"audio": "a.wav"}, True,
                                        'speech_recognition succeeded. Text (language: en): "hello there"')],
                        made=["audio/00000001.wav"])  # fmt: skip
    spoken = ("text_to_speech", {"text": "hello there", "speed": 1.0}, True, "ok")
    good = response("I spoke it", [spoken], ["audio/00000002.wav"])
    expect = {"tools": ["text_to_speech"], "ok": True, "files_made": 1, "args": [{"text": "@previous_text"}],
              "reply_contains": ["SPOKE"], "reply_not_contains": ["error"]}  # fmt: skip
    assert check_turn(expect, good, lambda v: v, previous) == []
    bad = response("Error: cannot", [("speech_recognition", {"audio": "b.wav"}, False, "Error: x")])
    failures = check_turn({**expect, "no_success": True, "file_args": ["@previous"]}, bad, lambda v: v, previous)
    assert failures[0] == "expected tools ['text_to_speech'], got ['speech_recognition']"
    assert "expected ok=True, got ok=False" in failures and "reply lacks 'SPOKE'" in failures
    assert "reply contains 'error'" in failures and "expected 1 new file(s), got 0" in failures
    assert any("call 1 (speech_recognition) used ['b.wav'], expected @previous (audio/00000001.wav)" in f
               for f in failures)  # fmt: skip
    assert any(f.startswith("call 1 (speech_recognition) args") for f in failures)
    assert check_turn({"says_cannot": True}, bad, str, None) == []
    assert check_turn({"no_success": True}, good, str, None) == [
        "expected no successful tool call, got ['text_to_speech']"
    ]


@pytest.mark.slow
def test_scripts_run_end_to_end_plan_only(tmp_path: Path) -> None:
    (tmp_path / "a_pass.yaml").write_text("""
name: passes
turns:
  - request: "transcribe speech.wav"
    files: {speech.wav: audio}
    expect: {tools: [speech_recognition], ok: true, file_args: [speech.wav]}
  - request: "transcribe broken.wav"
    files: {broken.wav: corrupt}
    expect: {tools: [], ok: false, reply_contains: [broken.wav]}
""")
    (tmp_path / "b_fail.yaml").write_text("""
name: fails
turns:
  - request: "transcribe speech.wav"
    files: {speech.wav: audio}
    expect: {tools: [text_to_speech]}
""")
    (tmp_path / "c_broken.yaml").write_text("turns: nope")
    report = robustness.run_suite(EvalOptions(engine="offline", plan_only=True), tmp_path)
    results = {r["script"]: r for r in report.items}
    assert results["passes"]["passed"] and results["passes"]["reason"] == "all expectations met"
    assert not results["fails"]["passed"]
    assert results["fails"]["reason"] == "turn 1: expected tools ['text_to_speech'], got ['speech_recognition']"
    assert not results["c_broken"]["passed"] and results["c_broken"]["reason"].startswith("invalid script")
    assert report.totals == {"scripts": 3, "passed": 1, "failed": 2}
    assert "FAIL" in report.text() and report.mode == "plan-only (models not run)"


def test_no_scripts_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no robustness scripts"):
        robustness.run_suite(EvalOptions(plan_only=True), tmp_path)
