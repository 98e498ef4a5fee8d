"""The HTTP API end to end: a real uvicorn on 127.0.0.1, httpx as the client, the real trim tool."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf

from audiogpt.agent import Agent
from audiogpt.config import load_settings
from audiogpt.frontend import PortInUse, check_port_free
from audiogpt.server import create_app
from tests.live import TrimNewestFile, live_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Agent]]:
    workspace = tmp_path_factory.mktemp("api-workspace")
    agent = Agent(load_settings(workspace=str(workspace)), engine=TrimNewestFile())
    with live_server(create_app(agent)) as base:
        yield base, agent


@pytest.fixture
def client(served: tuple[str, Agent]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served[0], timeout=60) as c:
        yield c


def wav_bytes(seconds: float = 1.0, sr: int = 16000) -> bytes:
    buf = io.BytesIO()
    t = np.arange(int(seconds * sr)) / sr
    sf.write(buf, (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), sr, format="WAV")
    return buf.getvalue()


def new_session(client: httpx.Client) -> tuple[str, dict[str, str]]:
    r = client.post("/v1/sessions")
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"session_id", "token"} and len(body["token"]) >= 32
    return body["session_id"], {"Authorization": f"Bearer {body['token']}"}


def test_health_catalog_and_docs(client: httpx.Client) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["engine"] == "custom"
    assert "trim_audio" in {m["task"] for m in health["models"]}
    tools = client.get("/v1/tools").json()
    trim = next(t for t in tools if t["name"] == "trim_audio")
    assert set(trim) == {"name", "description", "input_schema"}
    assert trim["input_schema"]["properties"]["audio"]["artifact_kind"] == "audio"
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/healthz", "/v1/tools", "/v1/sessions", "/v1/sessions/{session_id}",
              "/v1/sessions/{session_id}/turns", "/v1/sessions/{session_id}/files/{name}"):  # fmt: skip
        assert p in paths, p
    assert client.get("/docs").status_code == 200


def test_two_turn_conversation_with_a_file(client: httpx.Client, served: tuple[str, Agent]) -> None:
    sid, auth = new_session(client)
    r = client.post(f"/v1/sessions/{sid}/turns", headers=auth, data={"text": "keep the first 0.6 s"},
                    files=[("files", ("dog bark.wav", wav_bytes(1.0), "audio/wav"))])  # fmt: skip
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["ok"] and first["session_id"] == sid and first["text"].startswith("Done.")
    assert [c["tool"] for c in first["tool_calls"]] == ["trim_audio"]
    (made,) = first["artifacts"]
    assert made["duration_s"] == pytest.approx(0.6, abs=0.01) and "path" not in made
    assert str(served[1].store.root) not in r.text  # no server path reaches the client
    audio = client.get(made["url"], headers=auth)
    assert audio.status_code == 200 and audio.headers["content-type"] in ("audio/wav", "audio/x-wav")
    assert sf.info(io.BytesIO(audio.content)).duration == pytest.approx(0.6, abs=0.01)
    picture = client.get(made["plots"][0], headers=auth)
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")

    second = client.post(f"/v1/sessions/{sid}/turns", headers=auth, data={"text": "now keep the first 0.25 s"}).json()
    assert second["ok"] and second["artifacts"][0]["duration_s"] == pytest.approx(0.25, abs=0.01)

    state = client.get(f"/v1/sessions/{sid}", headers=auth).json()
    assert [t["request"] for t in state["turns"]] == ["keep the first 0.6 s", "now keep the first 0.25 s"]
    upload, cut1, cut2 = state["artifacts"]
    assert upload["label"] == "dog bark.wav" and upload["tool"] == "upload"
    # the second turn worked on the first turn's file
    assert cut1["parents"] == [upload["name"]] and cut2["parents"] == [cut1["name"]]
    assert state["turns"][1]["response"]["artifacts"][0]["url"] == cut2["url"]
    original = client.get(upload["url"], headers=auth)
    assert original.status_code == 200 and "dog%20bark.wav" in original.headers["content-disposition"]


def sse(lines: Iterator[str]) -> list[tuple[str, dict[str, Any]]]:
    events, kind = [], None
    for line in lines:
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: ") and kind:
            events.append((kind, json.loads(line[6:])))
    return events


def test_the_stream_sends_each_step_then_the_response(client: httpx.Client) -> None:
    sid, auth = new_session(client)
    with client.stream("POST", f"/v1/sessions/{sid}/turns?stream=true", headers=auth,
                       data={"text": "keep the first 0.5 s"},
                       files=[("files", ("clip.wav", wav_bytes(), "audio/wav"))]) as r:  # fmt: skip
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = sse(r.iter_lines())
    assert [k for k, _ in events] == ["step", "step", "response"]
    started, finished, response = (d for _, d in events)
    assert started["phase"] == "started" and started["tool"] == "trim_audio" and started["args"]["end_s"] == 0.5
    assert finished["phase"] == "finished" and finished["ok"] and "trim_audio succeeded" in finished["result"]
    assert response["ok"] and response["artifacts"][0]["name"] == finished["files"][0]
    assert response["artifacts"][0]["url"].endswith(finished["files"][0])


def test_wrong_and_missing_tokens_are_refused(client: httpx.Client) -> None:
    sid_a, auth_a = new_session(client)
    sid_b, auth_b = new_session(client)
    r = client.post(f"/v1/sessions/{sid_a}/turns", headers=auth_a, data={"text": "keep the first 0.5 s"},
                    files=[("files", ("a.wav", wav_bytes(), "audio/wav"))])  # fmt: skip
    url = r.json()["artifacts"][0]["url"]
    name = r.json()["artifacts"][0]["name"]
    for method, path in [("GET", url), ("GET", f"/v1/sessions/{sid_a}"), ("DELETE", f"/v1/sessions/{sid_a}"),
                         ("POST", f"/v1/sessions/{sid_a}/turns")]:  # fmt: skip
        missing = client.request(method, path, data={"text": "hi"} if method == "POST" else None)
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer", path
        other = client.request(method, path, headers=auth_b, data={"text": "hi"} if method == "POST" else None)
        assert other.status_code == 403, path
        forged = client.request(method, path, headers={"Authorization": "Bearer " + "x" * 43})
        assert forged.status_code == 403, path
    # b's token opens b, not a's file under b's id; guessed names and paths get nothing
    assert client.get(f"/v1/sessions/{sid_b}/files/{name}", headers=auth_b).status_code == 404
    for guess in ("audio/00000000.wav", "../../audiogpt.db", "a.wav", "plots/../../audiogpt.db"):
        assert client.get(f"/v1/sessions/{sid_a}/files/{guess}", headers=auth_a).status_code == 404, guess
    assert client.get(f"/v1/sessions/{'0' * 12}", headers=auth_a).status_code == 404
    assert client.get(url, headers=auth_a).status_code == 200  # and nothing above broke the owner's access


def test_a_deleted_session_is_gone_with_its_files(client: httpx.Client, served: tuple[str, Agent]) -> None:
    sid, auth = new_session(client)
    r = client.post(f"/v1/sessions/{sid}/turns", headers=auth, data={"text": "keep the first 0.5 s"},
                    files=[("files", ("a.wav", wav_bytes(), "audio/wav"))])  # fmt: skip
    url = r.json()["artifacts"][0]["url"]
    folder = served[1].store.root / "sessions" / sid
    assert any(folder.rglob("*.wav"))
    assert client.delete(f"/v1/sessions/{sid}", headers=auth).status_code == 204
    assert not folder.exists()
    assert client.get(url, headers=auth).status_code == 404
    assert client.get(f"/v1/sessions/{sid}", headers=auth).status_code == 404
    assert sid not in served[1].store.list_sessions()


def test_turns_beyond_the_limit_wait_and_beyond_the_queue_are_refused(tmp_path: Path) -> None:
    engine = TrimNewestFile(gate=threading.Event(), entered=threading.Event())
    agent = Agent(load_settings(workspace=str(tmp_path / "ws")), engine=engine)
    app = create_app(agent, max_concurrent=1, max_queue=1)
    with live_server(app) as base, httpx.Client(base_url=base, timeout=60) as c:
        sessions = [new_session(c) for _ in range(3)]
        results: dict[int, httpx.Response] = {}

        def turn(i: int) -> None:
            sid, auth = sessions[i]
            with httpx.Client(base_url=base, timeout=60) as own:
                results[i] = own.post(f"/v1/sessions/{sid}/turns", headers=auth, data={"text": "wait"})

        first = threading.Thread(target=turn, args=(0,))
        first.start()
        assert engine.entered.wait(20)  # turn 0 runs and holds the only slot
        second = threading.Thread(target=turn, args=(1,))
        second.start()
        for _ in range(200):  # turn 1 is admitted to the queue
            if c.get("/healthz").status_code == 200 and engine.running == 1 and _admitted(app) == 2:
                break
            threading.Event().wait(0.05)
        turn(2)
        assert results[2].status_code == 503 and results[2].headers["retry-after"]
        engine.gate.set()
        first.join(30)
        second.join(30)
    assert results[0].status_code == results[1].status_code == 200
    assert engine.peak == 1  # never two turns at once


def _admitted(app: Any) -> int:
    return int(app.state.gate.admitted)


def test_a_busy_port_is_one_sentence_before_any_model_loads(capsys: pytest.CaptureFixture[str]) -> None:
    from audiogpt.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse, match=f"port {port} on 127.0.0.1 is already in use"):
            check_port_free("127.0.0.1", port)
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already in use" in err and "Traceback" not in err


def test_model_progress_reaches_the_stream(tmp_path: Path) -> None:
    from foundation_models import adapter_class

    trim_cls: Any = adapter_class("trim")

    class ReportingTrim(trim_cls):  # the real trim, reporting progress as long-running models do
        def run(self, inputs: Any, ctx: Any) -> Any:
            ctx.progress(1, 2, "reading")
            out = super().run(inputs, ctx)
            ctx.progress(2, 2, "trimmed")
            return out

    agent = Agent(load_settings(workspace=str(tmp_path / "ws")), engine=TrimNewestFile())
    agent.pool._adapters["trim_audio"] = ReportingTrim(model="dsp:numpy", device="cpu")
    with live_server(create_app(agent)) as base, httpx.Client(base_url=base, timeout=60) as c:
        sid, auth = new_session(c)
        with c.stream("POST", f"/v1/sessions/{sid}/turns?stream=true", headers=auth,
                      data={"text": "keep the first 0.5 s"},
                      files=[("files", ("clip.wav", wav_bytes(), "audio/wav"))]) as r:  # fmt: skip
            events = sse(r.iter_lines())
    assert [k for k, _ in events] == ["step", "progress", "progress", "step", "response"]
    assert events[1][1] == {"tool": "trim_audio", "done": 1, "total": 2, "what": "reading"}
    assert events[2][1]["done"] == 2 and events[-1][1]["ok"]


def test_a_spoken_request_with_a_file_and_a_spoken_reply(tmp_path: Path) -> None:
    speaker = Agent(load_settings(workspace=str(tmp_path / "tts"), engine="offline"))
    question = Path(speaker.run("say 'What sounds are in this recording?'").artifacts[0].path).read_bytes()
    agent = Agent(load_settings(workspace=str(tmp_path / "ws"), engine="offline"))
    with live_server(create_app(agent)) as base, httpx.Client(base_url=base, timeout=300) as c:
        sid, auth = new_session(c)
        r = c.post(f"/v1/sessions/{sid}/turns", headers=auth, data={"speak": "true"},
                   files=[("voice", ("question.wav", question, "audio/wav")),
                          ("files", ("dog.wav", wav_bytes(2.0), "audio/wav"))])  # fmt: skip
        assert r.status_code == 200, r.text
        body = r.json()
        assert "sounds" in body["query_transcript"].lower()
        assert [t["tool"] for t in body["tool_calls"]] == ["sound_event_detection", "text_to_speech"]
        files = c.get(f"/v1/sessions/{sid}", headers=auth).json()["artifacts"]
        assert files[0]["label"] == "dog.wav" and body["tool_calls"][0]["args"]["audio"] == files[0]["name"]
        spoken = c.get(body["speech"]["url"], headers=auth)
        assert spoken.status_code == 200 and sf.info(io.BytesIO(spoken.content)).duration > 1.0
