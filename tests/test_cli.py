"""The command line as a user runs it: fast help, the catalog, one request end to end, exit codes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audiogpt.cli import main
from audiogpt.tools import CATALOG


def test_help_is_fast_and_imports_no_torch() -> None:
    heavy = "('torch', 'gradio', 'langchain', 'transformers')"
    code = f"import sys; from audiogpt.cli import _parser; _parser(); print([m for m in {heavy} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    result = subprocess.run([sys.executable, "-m", "audiogpt", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "run" in result.stdout and "chat" in result.stdout


def test_tools_json_lists_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tools", "--json"]) == 0
    tools = json.loads(capsys.readouterr().out)
    assert [t["name"] for t in tools] == list(CATALOG)
    assert tools[0]["input_schema"]["properties"]["audio"]["artifact_kind"] == "audio"


def test_models_status_before_loading(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--json"]) == 0
    status = {s["task"]: s for s in json.loads(capsys.readouterr().out)}
    assert status["speech_recognition"]["loaded"] is False and status["text_to_speech"]["adapter"] == "piper"


@pytest.mark.slow
def test_run_json_end_to_end_with_the_offline_router(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "say 'good morning everyone'", "--json"]) == 0
    resp = json.loads(capsys.readouterr().out)
    assert resp["ok"] and resp["tool_calls"][0]["tool"] == "text_to_speech"
    assert resp["tool_calls"][0]["args"]["text"] == "good morning everyone"
    (art,) = resp["artifacts"]
    assert Path(art["path"]).exists() and art["plots"] and Path(art["plots"][0]).exists()
    # continue the same session: "it" is the file just made
    assert main(["run", "transcribe it", "--session", resp["session_id"], "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["tool_calls"][0]["args"]["audio"] == art["name"]
    assert "good morning" in second["text"].lower()


@pytest.mark.slow
def test_run_fails_with_exit_1_on_a_corrupt_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "clip.wav"
    bad.write_bytes(b"RIFF....WAVE")
    assert main(["run", "transcribe this", "--file", str(bad)]) == 1
    assert "clip.wav is not a readable audio file" in capsys.readouterr().out


def test_unknown_session_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "hi", "--session", "../../etc"]) == 2
    assert "not a session id" in capsys.readouterr().err


@pytest.mark.slow
def test_chat_in_the_terminal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                              tmp_path: Path) -> None:  # fmt: skip
    wav = tmp_path / "quiet.wav"
    sf.write(wav, np.zeros(16000, dtype=np.float32), 16000)
    lines = iter([f"/file {wav}", "where does anyone speak in quiet.wav?", "say 'see you soon'", "/quit"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert ("attached" in out and "No speech" in out) or "no speech" in out.lower()
    assert "see you soon" in out and "Files:" in out


def test_remote_connections_are_refused_in_tests() -> None:
    with pytest.raises(AssertionError, match="remote service"), socket.create_connection(("192.0.2.1", 443), 1):
        pass


@pytest.mark.slow
def test_python_api_on_silent_audio(tmp_path: Path) -> None:
    from audiogpt import Agent

    wav = tmp_path / "silence.wav"
    sf.write(wav, np.zeros(3 * 16000, dtype=np.float32), 16000)
    resp = Agent.from_config().run("transcribe this", files=[wav])
    assert resp.ok and resp.tool_calls[0].tool == "speech_recognition"
    assert resp.tool_calls[0].observation.endswith("No speech was recognised.")  # Whisper says "you" on silence
    assert "heard no words" in resp.text
