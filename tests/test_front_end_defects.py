"""Defects a new user met in the front ends, each as a test: a spoken request's own recording,
failed first requests, upload names and spoken wording, the sessions command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audiogpt.agent import Agent
from audiogpt.cli import main
from audiogpt.config import load_settings
from audiogpt.session import Artifact, SessionStore
from audiogpt.wording import humanize_names, spoken_text, tool_title


def spoken_question(tmp_path: Path, words: str) -> Path:
    """A real spoken request: the embedded Piper voice says ``words``."""
    agent = Agent(load_settings(engine="offline"))
    resp = agent.run(f"say '{words}'")
    assert resp.ok, resp.text
    target = tmp_path / "question.wav"
    target.write_bytes(Path(resp.artifacts[0].path).read_bytes())
    return target


@pytest.mark.slow
def test_a_spoken_request_with_a_file_analyses_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    question = spoken_question(tmp_path, "What sounds are in this recording?")
    clip = tmp_path / "dog.wav"
    sr = 16000
    t = np.arange(2 * sr) / sr
    sf.write(clip, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), sr)
    # the CLI (`run --voice q.wav --file dog.wav`), through the same Agent as the UI and the APIs
    assert main(["run", "--engine", "offline", "--voice", str(question), "--file", str(clip), "--json"]) == 0
    resp = json.loads(capsys.readouterr().out)
    assert "sounds" in resp["query_transcript"].lower()
    (call,) = resp["tool_calls"]
    assert call["tool"] == "sound_event_detection"
    store = SessionStore(load_settings().workspace)
    files = store.open(resp["session_id"]).artifacts()
    assert [a.label for a in files] == ["dog.wav"]  # the question's own recording is no session file
    assert call["args"]["audio"] == files[0].name


def test_a_failed_first_request_leaves_no_session(tmp_path: Path) -> None:
    bad = tmp_path / "clip.wav"
    bad.write_bytes(b"RIFF....WAVE")
    agent = Agent(load_settings(engine="offline"))
    resp = agent.run("transcribe this", files=[bad])
    assert resp.error and "clip.wav is not a readable audio file" in resp.text
    assert resp.session_id == "" and agent.store.list_sessions() == []
    empty = agent.run("   ")
    assert empty.error and agent.store.list_sessions() == []


def test_a_failure_in_an_existing_session_keeps_it(tmp_path: Path) -> None:
    agent = Agent(load_settings(engine="offline"))
    sid = agent.new_session()
    resp = agent.run("  ", session=sid)
    assert resp.error and resp.session_id == sid and agent.store.list_sessions() == [sid]


def artifact(name: str, tool: str, label: str | None = None) -> Artifact:
    return Artifact(name, "audio", Path("/nowhere") / name, label, 16000, 1, 2.0, {"tool": tool})


def test_replies_name_uploads_by_their_own_names() -> None:
    files = [
        artifact("audio/62160f98.wav", "upload", "dfn_noisy_snr0.wav"),
        artifact("audio/0a1b2c3d.wav", "trim_audio"),
    ]
    text = "Cleaned audio/62160f98.wav into audio/0a1b2c3d.wav."
    assert humanize_names(text, files) == "Cleaned dfn_noisy_snr0.wav (uploaded) into audio/0a1b2c3d.wav."


def test_spoken_replies_are_written_for_listening() -> None:
    files = [artifact("audio/62160f98.wav", "upload", "street.wav")]
    reply = (
        "Top sounds in audio/62160f98.wav: Speech (0.81), Dog (0.42), Vehicle (0.12). "
        "New file: audio/0a1b2c3d.wav (2.00 s, 22050 Hz, mono). **Done.** " + "More detail follows. " * 30
    )
    said = spoken_text(reply, files)
    assert not re.search(r"[0-9a-f]{8}", said) and "(" not in said and "*" not in said
    assert said.startswith("Top sounds in street.wav: Speech, Dog, Vehicle.")
    assert len(said) <= 300 and said.endswith(".")


def test_tool_titles_are_for_people() -> None:
    assert tool_title("sound_event_detection") == "Sound events"
    assert tool_title("some_new_tool") == "Some new tool"


def test_sessions_lists_dates_and_titles_and_deletes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = SessionStore(load_settings().workspace)
    sess = store.create()
    sess.add_turn("clean up my podcast intro please", "done", {})
    other = store.create()
    assert main(["sessions"]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"{sess.id}  \d{{4}}-\d\d-\d\d \d\d:\d\d .*clean up my podcast intro please", out)
    assert f"{other.id}" in out and "(no request yet)" in out
    assert main(["sessions", "delete", sess.id]) == 0
    assert store.list_sessions() == [other.id] and not sess.dir.exists()
    assert main(["sessions", "delete", "0" * 12]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.slow
def test_no_loading_bar_leaks_to_stderr(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_PROGRESS_BARS"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    done = subprocess.run([sys.executable, "-m", "audiogpt.cli", "run", "say 'hi there'"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Loading weights" not in done.stderr and "it/s" not in done.stderr
    assert done.stderr.strip().startswith("session: ")


def test_spectrograms_have_a_tick_per_round_frequency() -> None:
    from audiogpt.plots import _frequency_ticks

    assert _frequency_ticks(8000) == [0, 2000, 4000, 6000, 8000]
    assert _frequency_ticks(11025) == [0, 2000, 4000, 6000, 8000, 10000]
    assert len(_frequency_ticks(24000)) == 5
