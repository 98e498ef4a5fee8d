"""The LLM engine through the real openai client against a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import socket
from typing import Any

import pytest

from audiogpt.agent import Agent
from audiogpt.cli import main as cli_main
from audiogpt.config import load_settings
from foundation_models.pool import ModelPool
from tests.fakes import FakeOpenAIServer, completion

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pool() -> ModelPool:
    return ModelPool(load_settings().models, "cpu")


def llm_agent(pool: ModelPool, base_url: str) -> Agent:
    settings = load_settings(engine="llm", llm={"base_url": base_url, "model": "scripted", "timeout_s": 5})
    return Agent(settings, pool=pool)


def tool_result(request: dict[str, Any]) -> str:
    return str(request["messages"][-1]["content"])


def test_two_step_chain_over_http(pool: ModelPool) -> None:
    def second(request: dict[str, Any]) -> dict[str, Any]:
        made = re.search(r"audio/[0-9a-f]{8}\.wav", tool_result(request))
        assert made, tool_result(request)
        return completion(tool_calls=[("voice_activity_detection", json.dumps({"audio": made.group(0)}))])

    script = [completion(tool_calls=[("text_to_speech", '{"text": "Hello from the server."}')]), second,
              completion("I said it and found one stretch of speech.")]  # fmt: skip
    with FakeOpenAIServer(script) as server:
        resp = llm_agent(pool, server.base_url).run("say hello from the server, then find the speech")
    assert resp.ok, resp.text
    assert resp.text == "I said it and found one stretch of speech."
    assert [c.tool for c in resp.tool_calls] == ["text_to_speech", "voice_activity_detection"]
    first = server.requests[0]
    names = {t["function"]["name"] for t in first["tools"]}
    assert {"speech_recognition", "text_to_speech", "sound_event_detection"} <= names
    tts = next(t["function"] for t in first["tools"] if t["function"]["name"] == "text_to_speech")
    assert tts["parameters"]["properties"]["speed"]["maximum"] == 4.0  # the pydantic schema reached the LLM
    assert first["messages"][0]["role"] == "system" and "Never invent a file name" in first["messages"][0]["content"]
    assert first["model"] == "scripted"
    assert server.requests[2]["messages"][-1]["role"] == "tool"


def test_a_style_the_voice_lacks_is_said_to_the_llm(pool: ModelPool) -> None:
    """The schema offers ``style`` to the LLM; the embedded voice has one, so the tool result says it was not
    applied (and the words were still spoken), which the LLM passes on."""
    call = completion(tool_calls=[("text_to_speech", '{"text": "welcome home", "style": "calm"}')])
    with FakeOpenAIServer([call, completion("Done, though my only voice cannot sound calm.")]) as server:
        resp = llm_agent(pool, server.base_url).run("say 'welcome home' in a calm voice")
    assert resp.ok, resp.text
    tts = next(t["function"] for t in server.requests[0]["tools"] if t["function"]["name"] == "text_to_speech")
    assert "calm" in tts["parameters"]["properties"]["style"]["description"]
    observation = tool_result(server.requests[1])
    assert "one speaking style, so “calm” was not applied" in observation, observation
    assert resp.tool_calls[0].args["style"] == "calm" and resp.artifacts[0].kind == "audio"


@pytest.mark.parametrize(
    ("script", "expect"),
    [
        ([completion(tool_calls=[("text_to_speech", "{not json")])], "could not use"),
        ([completion(content="")], "could not use"),
        ([500, 500], "had an internal error"),
    ],
    ids=["malformed-arguments", "empty-answer", "server-error"],
)
def test_garbage_or_failing_llm(pool: ModelPool, script: list[Any], expect: str) -> None:
    with FakeOpenAIServer(script) as server:
        resp = llm_agent(pool, server.base_url).run("say something")
    assert resp.error and expect in resp.text and not resp.ok


def test_unknown_tool_from_llm_is_answered_not_run(pool: ModelPool) -> None:
    script = [completion(tool_calls=[("launch_rockets", "{}")]), lambda r: completion("Sorry: " + tool_result(r))]
    with FakeOpenAIServer(script) as server:
        resp = llm_agent(pool, server.base_url).run("launch the rockets")
    assert "launch_rockets" in resp.text and resp.tool_calls == []


def test_unreachable_llm_gives_a_clear_error_and_exit_code(pool: ModelPool, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("AUDIOGPT_LLM_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("AUDIOGPT_ENGINE", "llm")
    code = cli_main(["run", "say hello"])
    out = capsys.readouterr().out
    assert code == 1
    assert f"127.0.0.1:{port}" in out and "offline engine" in out
