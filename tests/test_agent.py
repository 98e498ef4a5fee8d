"""The agent loop with a scripted engine and the real embedded TTS / VAD models."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from audiogpt.agent import Agent
from audiogpt.config import load_settings
from audiogpt.errors import UserError
from foundation_models.pool import ModelPool
from tests.fakes import ScriptedChatModel, tool_call

pytestmark = pytest.mark.slow

NAME = re.compile(r"audio/[0-9a-f]{8}\.wav")


@pytest.fixture(scope="module")
def pool() -> ModelPool:
    """One pool (so each real model loads once) shared by the module's agents."""
    settings = load_settings()
    return ModelPool(settings.models, "cpu")


def make_agent(pool: ModelPool, script: list[Any], **overrides: Any) -> tuple[Agent, ScriptedChatModel]:
    model = ScriptedChatModel(script=script, seen=[])
    return Agent(load_settings(**overrides), pool=pool, engine=model), model


def last_tool(messages: list[BaseMessage]) -> ToolMessage:
    tool_messages = [m for m in messages if isinstance(m, ToolMessage)]
    assert tool_messages, "expected a tool result before this step"
    return tool_messages[-1]


def test_two_step_chain_threads_the_file_and_builds_the_response(pool: ModelPool) -> None:
    def second(messages: list[BaseMessage]) -> AIMessage:
        made = last_tool(messages).artifact["files"][0]
        return AIMessage("", tool_calls=[tool_call("voice_activity_detection", audio=made)])

    agent, model = make_agent(
        pool,
        [AIMessage("", tool_calls=[tool_call("text_to_speech", text="Welcome home, it is good to see you.")]),
         second, AIMessage("Spoke it and found the speech.")],
    )  # fmt: skip
    resp = agent.run("say welcome home, then find the speech in it")
    model.assert_complete()
    assert resp.ok and resp.text == "Spoke it and found the speech."
    assert [c.tool for c in resp.tool_calls] == ["text_to_speech", "voice_activity_detection"]
    (art,) = resp.artifacts
    assert art.kind == "audio" and art.tool == "text_to_speech" and 1.0 < art.duration_s < 5.0
    assert sf.info(art.path).samplerate == art.sample_rate == 22050
    assert Path(art.plots[0]).read_bytes().startswith(b"\x89PNG")
    timeline = resp.tool_calls[1].plots[0]
    assert Path(timeline).read_bytes().startswith(b"\x89PNG")
    assert resp.tool_calls[1].files == [] and "speech" in resp.tool_calls[1].observation
    # the system prompt listed no files at the start, and the engine got the catalog's rules
    system = model.seen[0][0].content
    assert "Files in this session: none" in system and "Never invent a file name" in system
    # provenance
    prov = agent.store.open(resp.session_id).resolve(art.name).provenance
    assert prov["tool"] == "text_to_speech" and prov["arguments"]["text"].startswith("Welcome home")
    assert "PiperTTS" in prov["model"]


def test_tool_errors_become_observations_and_nothing_is_lost(pool: ModelPool, tmp_path: Path) -> None:
    seen: list[str] = []

    def record(messages: list[BaseMessage]) -> AIMessage:
        seen.append(str(last_tool(messages).content))
        return AIMessage("", tool_calls=[nxt.pop(0)])

    nxt = [
        tool_call("speech_enhancement", audio="../../audiogpt.db"),
        tool_call("text_to_speech", text=""),
        tool_call("text_to_speech", text="hi", volume=11),
        tool_call("make_coffee", strength=3),
    ]
    agent, model = make_agent(
        pool,
        [AIMessage("", tool_calls=[tool_call("speech_recognition", audio="audio/deadbeef.wav")]),
         record, record, record, record,
         lambda m: AIMessage("I could not do that: " + str(last_tool(m).content))],
    )  # fmt: skip
    wav = tmp_path / "beep.wav"
    sf.write(wav, [0.1, -0.1] * 8000, 16000)
    resp = agent.run("transcribe it", files=[wav])
    model.assert_complete()
    assert seen[0].startswith("Error: I don't have audio/deadbeef.wav; this session has: audio/")
    assert "beep.wav" in seen[0]
    assert "paths are not accepted" in seen[1]
    assert "invalid arguments for text_to_speech: text is empty" in seen[2]
    assert "volume" in seen[3]
    assert "make_coffee" in resp.text  # LangChain told the model that tool does not exist
    assert not resp.ok
    sess = agent.store.open(resp.session_id)
    assert [a.label for a in sess.artifacts()] == ["beep.wav"] and sess.artifacts()[0].path.exists()


def test_bad_upload_gets_a_clear_reply_and_keeps_earlier_files(pool: ModelPool, tmp_path: Path) -> None:
    agent, _model = make_agent(pool, [AIMessage("ok")])
    good = tmp_path / "good.wav"
    sf.write(good, [0.0, 0.1] * 4000, 8000)
    first = agent.run("hello", files=[good])
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"this is not audio")
    resp = agent.run("transcribe this", files=[bad], session=first.session_id)
    assert resp.error and "broken.wav is not a readable audio file" in resp.error and not resp.ok
    assert resp.text.startswith("Sorry")
    files = agent.store.open(first.session_id).artifacts()
    assert [a.label for a in files] == ["good.wav"]


def test_engine_failure_is_reported_not_raised(pool: ModelPool) -> None:
    def boom(messages: list[BaseMessage]) -> AIMessage:
        raise ConnectionError("server went away")

    agent, _ = make_agent(pool, [AIMessage("", tool_calls=[tool_call("text_to_speech", text="keep me")]), boom])
    resp = agent.run("say keep me")
    assert resp.error and "failed unexpectedly (logged as" in resp.error and "files are intact" in resp.text
    assert "server went away" not in resp.text and "ConnectionError" not in resp.text  # no library text
    assert "text_to_speech succeeded" in resp.text  # what was done before the failure is reported
    assert len(resp.artifacts) == 1 and Path(resp.artifacts[0].path).exists()
    assert "custom dialogue engine failed" in resp.text and "language model" not in resp.text  # not an LLM


def test_an_engine_that_cannot_even_start_is_reported(pool: ModelPool, monkeypatch: pytest.MonkeyPatch) -> None:
    agent = Agent(load_settings(engine="offline"), pool=pool)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ImportError("the router's embedder is missing")

    monkeypatch.setattr("audiogpt.engines.router.OfflineRouter.bind_tools", broken)
    resp = agent.run("transcribe this")
    assert resp.error and "offline dialogue engine failed unexpectedly (logged as" in resp.text
    assert "files are intact" in resp.text and "embedder" not in resp.text and "ImportError" not in resp.text


def test_history_reaches_the_engine_and_unknown_sessions_are_refused(pool: ModelPool) -> None:
    agent, model = make_agent(pool, [AIMessage("first answer"), AIMessage("second answer")])
    first = agent.run("remember the word banana")
    agent.run("what word?", session=first.session_id)
    texts = [m.content for m in model.seen[1]]
    assert "remember the word banana" in texts and "first answer" in texts
    with pytest.raises(UserError):
        agent.run("hi", session="ffffffffffff")


def test_empty_request_and_call_limit(pool: ModelPool) -> None:
    calls = [AIMessage("", tool_calls=[tool_call("text_to_speech", text=f"number {i}")]) for i in range(3)]
    agent, _ = make_agent(pool, [*calls, AIMessage("stopped")], limits={"max_tool_calls": 2})
    assert agent.run("   ").error
    resp = agent.run("count")
    assert [c.ok for c in resp.tool_calls] == [True, True, False]
    assert "limit of 2 tool calls" in resp.tool_calls[-1].observation


def test_spoken_reply_and_spoken_query(pool: ModelPool, tmp_path: Path) -> None:
    agent, _model = make_agent(pool, [AIMessage("The weather is sunny today.")])
    resp = agent.run("how is the weather", speak=True)
    assert resp.speech is not None and resp.speech.duration_s > 0.5
    # the spoken reply is real speech: the query path (ASR) hears it back
    agent2, model2 = make_agent(pool, [AIMessage("noted")])
    resp2 = agent2.run(voice=resp.speech.path)
    assert resp2.query_transcript and "sunny" in resp2.query_transcript.lower()
    assert "sunny" in str(model2.seen[0][-1].content).lower()


class _Status(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}: a server's own words")
        self.status_code = status


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (ConnectionError("refused"), "could not be reached"),
        (TimeoutError("read timed out"), "did not answer in time"),
        (_Status(401), "refused the API key"),
        (_Status(429), "limiting requests"),
        (_Status(404), "does not know that model"),
        (_Status(503), "internal error"),
        (ValueError("odd"), None),
    ],
)
def test_llm_failures_are_said_in_words(exc: Exception, words: str | None) -> None:
    from audiogpt.agent import llm_failure_reason

    reason = llm_failure_reason(exc)
    assert (reason is None) if words is None else (reason is not None and words in reason)
