"""The consistency suite: scoring on hand-made cases, the plan-only handler, and the harness end to end
with the offline router, with the LLM engine (the scripted OpenAI-compatible server) and through the CLI."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from PIL import Image

from audiogpt.agent import Agent
from audiogpt.cli import main
from audiogpt.config import load_settings
from audiogpt.evaluation import harness
from audiogpt.evaluation.consistency import check_args, says_cannot, score, summarize
from audiogpt.evaluation.plan import PLACEHOLDER_MODEL, PLACEHOLDER_TEXT, PlanOnlyHandler
from audiogpt.evaluation.requests import EvalRequest
from tests.fakes import FakeOpenAIServer, ScriptedChatModel, completion, tool_call


def req(gold: list[str], **kw: Any) -> EvalRequest:
    return EvalRequest(id=kw.pop("id", "r"), line=1, request=kw.pop("request", "x"), gold=gold, **kw)


# ---- scoring ------------------------------------------------------------------------------------
def test_score_exact_first_tool_and_accepted_alternatives() -> None:
    r = req(["trim_audio", "apply_audio_effect"], accept=[["trim_audio", "apply_audio_effect", "convert_audio"]])
    item = score(r, ["trim_audio", "apply_audio_effect", "convert_audio"], "done")
    assert item.exact and item.first_ok and item.precision == pytest.approx(2 / 3) and item.recall == 1.0
    item = score(r, ["apply_audio_effect", "trim_audio"], "done")  # right tools, wrong order
    assert not item.exact and not item.first_ok and item.f1 == 1.0
    assert score(req([]), [], "Hello!").first_ok is None  # no gold tool: first-tool accuracy does not apply


def test_unsupported_detection_rules() -> None:
    assert says_cannot("I can’t compose music in this setup") and says_cannot("That is NOT SUPPORTED here")
    assert not says_cannot("Transcript: “hello”")
    full = req([], unsupported=True)
    assert score(full, [], "Sorry, I cannot do that.").detected_unsupported
    assert not score(full, ["speech_recognition"], "I cannot do that.").detected_unsupported  # it called a tool
    assert not score(full, [], "Here you go.").detected_unsupported  # said nothing about it
    partial = req(["speech_recognition"], unsupported="partial")
    assert score(partial, ["speech_recognition"], "Transcribed; I can't write songs.").detected_unsupported
    # on a supported request, a refusal without tool calls is a false alarm
    assert score(req(["trim_audio"]), [], "I can't help with that").detected_unsupported


def test_argument_checks_subset_tolerance_and_files() -> None:
    r = req(["trim_audio", "apply_audio_effect", "trim_audio"],
            args=[{"start_s": 1.0, "audio": "song.mp3"}, {"effect_names": ["reverse", "reverb"]},
                  {"end_s": {"approx": 2.0, "tol": 0.1}}])  # fmt: skip
    effects = [{"name": "reverse"}, {"name": "reverb", "room_size": 0.5}]
    calls = [
        {"tool": "trim_audio", "args": {"audio": "audio/1234abcd.mp3", "start_s": 1.0000001, "mode": "keep"}},
        {"tool": "apply_audio_effect", "args": {"audio": "x", "effects": effects}},
        {"tool": "trim_audio", "args": {"audio": "x", "end_s": 2.3}},
    ]
    item = score(r, [c["tool"] for c in calls], "")
    check_args(item, r, calls, {"audio/1234abcd.mp3": "song.mp3"}.get)  # type: ignore[arg-type]
    assert (item.args_checked, item.args_passed, item.args_unchecked) == (3, 2, 0)
    assert len(item.arg_failures) == 1 and item.arg_failures[0].startswith("step 3 (trim_audio): expected")
    # effect names must match in order; a step whose tool was not called is not checked
    swapped = [calls[0], {"tool": "apply_audio_effect", "args": {"audio": "x", "effects": effects[::-1]}}]
    partial = score(r, ["trim_audio", "apply_audio_effect"], "")
    check_args(partial, r, swapped, lambda n: n)
    assert (partial.args_checked, partial.args_passed, partial.args_unchecked) == (2, 0, 1)
    assert "effect_names" in partial.arg_failures[1] and "song.mp3" in partial.arg_failures[0]


def test_summarize_micro_averages_per_tool_tag_and_support() -> None:
    items = [
        score(req(["speech_enhancement", "speech_recognition"], tags=["chain"]), ["speech_enhancement"], "ok"),
        score(req(["speech_recognition"], tags=["terse"]), ["speech_recognition", "text_to_speech"], "ok"),
        score(req([], unsupported=True, tags=["unsupported"]), [], "I can't do that"),
    ]
    totals = summarize(items)
    overall = totals["overall"]
    # 2 of 3 predictions right, 2 of 3 gold tools found
    assert overall["precision"] == pytest.approx(2 / 3) and overall["recall"] == pytest.approx(2 / 3)
    assert overall["exact"] == pytest.approx(1 / 3) and overall["first_tool"] == 1.0 and overall["n"] == 3
    assert totals["per_tool"]["speech_recognition"] == {"gold": 2, "predicted": 1, "correct": 1, "precision": 1.0,
                                                        "recall": 0.5, "f1": pytest.approx(2 / 3)}  # fmt: skip
    assert totals["per_tool"]["text_to_speech"]["precision"] == 0.0
    assert totals["per_tag"]["chain"]["recall"] == 0.5
    det = totals["unsupported_detection"]
    assert (det["positives"], det["flagged"], det["precision"], det["recall"]) == (1, 1, 1.0, 1.0)
    assert totals["by_support"]["unsupported"]["n"] == 1 and totals["by_support"]["supported"]["n"] == 2
    unsupported = totals["by_support"]["unsupported"]
    assert unsupported["f1"] is None and unsupported["calls"] == 0 and unsupported["exact"] == 1.0  # no gold tool


# ---- plan-only ----------------------------------------------------------------------------------
def test_plan_only_chain_continues_with_placeholders(tmp_path: Path) -> None:
    def after(tool: str, **args: Any) -> Any:
        def step(messages: list[BaseMessage]) -> AIMessage:
            result = [m for m in messages if isinstance(m, ToolMessage)][-1]
            made = [n for n in result.artifact["files"] if n.startswith("audio/")]
            return AIMessage("", tool_calls=[tool_call(tool, **{"audio": made[0]} if made else {}, **args)])

        return step

    engine = ScriptedChatModel(script=[
        AIMessage("", tool_calls=[tool_call("speech_enhancement", audio="clip.wav")]),
        after("visualize_audio", kind="waveform"),
        lambda m: AIMessage("", tool_calls=[tool_call("speech_recognition", audio="clip.wav")]),
        lambda m: AIMessage("", tool_calls=[tool_call("change_pitch", audio="clip.wav", semitones=0)]),
        AIMessage("done"),
    ], seen=[])  # fmt: skip
    clip = tmp_path / "clip.wav"
    sf.write(clip, np.full(8000, 0.1, np.float32), 8000)
    agent = Agent(load_settings(), engine=engine, handler_cls=PlanOnlyHandler)
    resp = agent.run("clean it, draw it, transcribe it, pitch it", files=[clip])
    engine.assert_complete()
    assert [c.tool for c in resp.tool_calls] == ["speech_enhancement", "visualize_audio", "speech_recognition",
                                                 "change_pitch"]  # fmt: skip
    assert [c.ok for c in resp.tool_calls] == [True, True, True, False]  # arguments are still validated
    assert "semitones" in resp.tool_calls[3].observation
    assert f'"{PLACEHOLDER_TEXT}"' in resp.tool_calls[2].observation
    session = agent.store.open(resp.session_id)
    audio, image = (session.resolve(resp.tool_calls[i].files[0]) for i in (0, 1))
    assert audio.provenance["model"] == image.provenance["model"] == PLACEHOLDER_MODEL
    assert (audio.sample_rate, audio.duration_s) == (16000, 1.0)
    assert not sf.read(audio.path)[0].any()  # silence
    assert image.kind == "image" and Image.open(io.BytesIO(image.path.read_bytes())).size == (1, 1)
    assert image.provenance["parents"] == [audio.name]  # the chain used the previous step's output
    assert agent.pool.status()[0].loaded is False and not any(s.loaded for s in agent.pool.status())


# ---- end to end ---------------------------------------------------------------------------------
TINY = [
    {"id": "asr", "request": "transcribe example.wav", "gold": ["speech_recognition"], "tags": ["terse"]},
    {"id": "chain", "request": "clean up the noise in voice.wav, then transcribe it",
     "gold": ["speech_enhancement", "speech_recognition"], "files": {"voice.wav": "audio"}, "tags": ["chain"],
     "args": [{"audio": "voice.wav"}, None]},
    {"id": "song", "request": "sing my lyrics to a happy melody", "gold": [], "unsupported": True},
]  # fmt: skip


def tiny_file(tmp_path: Path, extra: Sequence[str] = ()) -> Path:
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join([*(json.dumps(r) for r in TINY), *extra]) + "\n")
    return path


@pytest.mark.slow
def test_offline_router_plan_only_end_to_end(tmp_path: Path) -> None:
    bad = ["{broken", json.dumps({"request": "sing it", "gold": ["singing_synthesis"]})]
    report = harness.consistency(harness.EvalOptions(engine="offline", plan_only=True), tiny_file(tmp_path, bad))
    assert report.mode == "plan-only (models not run)" and "plan-only (models not run)" in report.text()
    assert report.config["engine"] == "offline" and report.config["invalid_lines"] == 2
    assert report.problems[0].startswith("line 4: not valid JSON")
    assert report.problems[1].startswith("line 5:") and "singing_synthesis" in report.problems[1]
    items = {i["id"]: i for i in report.items}
    assert items["asr"]["predicted"] == ["speech_recognition"] and items["asr"]["exact"]
    assert items["song"]["predicted"] == [] and items["song"]["detected_unsupported"]
    # totals are the items' own numbers, micro-averaged
    correct = sum(len(set(i["gold"]) & set(i["predicted"])) for i in report.items)
    n_pred = sum(len(i["predicted"]) for i in report.items)
    assert report.totals["overall"]["precision"] == pytest.approx(correct / n_pred)
    assert "Per tool" in report.markdown() and "| asr | transcribe example.wav |" in report.markdown()


def fake_llm(body: dict[str, Any]) -> dict[str, Any]:
    """A deterministic 'LLM': knows the tiny file's requests; does only the first step of the chain."""
    messages = body["messages"]
    last_user = max(i for i, m in enumerate(messages) if m["role"] == "user")
    text, done = messages[last_user]["content"], messages[last_user + 1 :]
    if done:
        return completion("Done.")
    if "transcribe example.wav" in text:
        return completion(tool_calls=[("speech_recognition", json.dumps({"audio": "example.wav"}))])
    if "voice.wav" in text:
        return completion(tool_calls=[("speech_enhancement", json.dumps({"audio": "voice.wav"}))])
    return completion("Sorry, I cannot compose music.")


@pytest.mark.slow
def test_llm_engine_against_the_scripted_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAIServer([fake_llm] * 10) as server:
        monkeypatch.setenv("AUDIOGPT_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("AUDIOGPT_LLM_MODEL", "scripted")
        report = harness.consistency(harness.EvalOptions(engine="llm", plan_only=True), tiny_file(tmp_path))
    assert report.config["llm"]["model"] == "scripted" and report.config["llm"]["base_url"] == server.base_url
    assert [i["predicted"] for i in report.items] == [["speech_recognition"], ["speech_enhancement"], []]
    overall = report.totals["overall"]
    # predicted 2 tools, both right; gold has 3 → P 1, R 2/3, F1 0.8; 2 of 3 sequences exact
    assert (overall["precision"], overall["recall"], overall["f1"]) == (1.0, pytest.approx(2 / 3), pytest.approx(0.8))
    assert overall["exact"] == pytest.approx(2 / 3) and overall["args_passed"] == overall["args_checked"] == 1
    assert report.totals["unsupported_detection"]["recall"] == 1.0
    first_tools = [t["function"]["name"] for t in server.requests[0]["tools"]]
    assert "trim_audio" in first_tools  # the whole catalog reached the LLM


@pytest.mark.slow
def test_cli_json_and_markdown_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = tmp_path / "out" / "report.md"
    args = ["eval", "consistency", "--requests", str(tiny_file(tmp_path)), "--plan-only", "--json",
            "--engine", "offline", "--report", str(md), "--limit", "2"]  # fmt: skip
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["suite"] == "consistency" and out["mode"] == "plan-only (models not run)"
    assert [i["id"] for i in out["items"]] == ["asr", "chain"]
    assert out["versions"]["audiogpt"] and "speech_recognition" in out["config"]["models"]
    assert md.read_text().startswith("# audiogpt eval consistency") and "plan-only (models not run)" in md.read_text()


def test_cli_bad_usage_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    assert main(["eval", "consistency", "--requests", str(empty), "--plan-only"]) == 2
    assert "is empty" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["eval", "accuracy"])
    assert exc.value.code == 2
    assert main(["eval", "robustness", "--plan-only", "--report", str(tmp_path / "r.txt")]) == 2
    assert ".md (Markdown) or .json" in capsys.readouterr().err
    # the LLM engine without a key or server: one clear error, not 3 failed requests
    assert main(["eval", "consistency", "--requests", str(tiny_file(tmp_path)), "--engine", "llm"]) == 2
    assert "OPENAI_API_KEY or AUDIOGPT_LLM_BASE_URL" in capsys.readouterr().err


def test_plan_only_makes_as_many_files_as_the_real_call() -> None:
    # Tool.outputs: one file per speaker or stem, so "…then transcribe each one" is planned as it runs
    from audiogpt.evaluation.plan import placeholder_output
    from audiogpt.tools import CATALOG

    def count(tool: str, **args: object) -> int:
        inputs = CATALOG[tool].input_model.model_validate({"audio": "audio/3f9a1c2e.wav", **args})
        return len(placeholder_output(tool, inputs).audio)

    assert count("speech_separation", num_speakers=3) == 3
    assert count("music_source_separation") == 4
    assert count("music_source_separation", stems=["vocals", "drums"]) == 2
    assert count("music_source_separation", remove=["vocals"]) == 1
    assert count("sound_extraction", target="birdsong") == 2
    assert count("speech_enhancement") == 1
    assert len(placeholder_output("speech_separation").audio) == 1  # no inputs known: one
