"""Issue 13's numbered failures, each as a test: hostile text, raw library errors, a decompression
bomb, an LLM that never answers or keeps calling a tool that does not exist, kill -9 mid-turn."""

from __future__ import annotations

import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from langchain_core.messages import AIMessage, BaseMessage

from audiogpt.agent import Agent
from audiogpt.cli import main as cli_main
from audiogpt.config import Limits, load_settings
from audiogpt.handler import TaskHandler
from audiogpt.session import Session, SessionStore
from foundation_models.base import FoundationModel, ModelOutput, RunContext
from foundation_models.pool import ModelPool
from tests.fakes import FakeOpenAIServer, ScriptedChatModel, SilentServer, completion, tool_call

ROOT = Path(__file__).resolve().parents[1]
RAW_LIBRARY_TEXT = ("LibsndfileError", "Error opening", "Format not recognised", "ValueError", "Traceback", "<_io")


@pytest.fixture(scope="module")
def pool() -> ModelPool:
    return ModelPool(load_settings().models, "cpu")


@pytest.fixture
def session(_workspace: Path) -> Session:
    return SessionStore(_workspace).create()


def upload(session: Session, tmp_path: Path, name: str, samples: np.ndarray, sr: int) -> str:
    path = tmp_path / name
    sf.write(path, samples, sr)
    return session.ingest(path, 200, 1800).name


def assert_clean(content: str, tmp_path: Path | None = None) -> None:
    """A sentence for a user: no library exception text, no server path."""
    for raw in RAW_LIBRARY_TEXT:
        assert raw not in content, content
    if tmp_path is not None:
        assert str(tmp_path) not in content and "/sessions/" not in content, content


# ---- 1. text with invalid UTF-8, lone surrogates, control characters ------------------------------
def test_lone_surrogates_and_controls_are_replaced_and_stored(pool: ModelPool, tmp_path: Path) -> None:
    model = ScriptedChatModel(script=[AIMessage("ok \ud83d then"), AIMessage("fine")], seen=[])
    agent = Agent(load_settings(), pool=pool, engine=model)
    resp = agent.run("say '\ud800' \x00 now\x07")  # died in SQLite with UnicodeEncodeError
    assert resp.ok and resp.text == "ok \ufffd then"
    assert model.seen[0][-1].content == "say '\ufffd'  now"
    sf.write(tmp_path / "plain.wav", np.zeros(1600, dtype=np.float32), 16000)
    wav = tmp_path / "n\udcffme.wav"  # a file name with an invalid byte, as os.listdir returns it
    os.rename(tmp_path / "plain.wav", wav)
    second = agent.run(b"transcribe this \xff".decode("utf-8", "surrogateescape"), files=[wav],
                       session=resp.session_id)  # fmt: skip
    assert second.ok
    turns = agent.store.open(resp.session_id).turns()
    assert turns[1][0] == "transcribe this \ufffd"
    for user, reply in turns:
        user.encode("utf-8"), reply.encode("utf-8")  # every stored text is valid UTF-8
    (art,) = agent.store.open(resp.session_id).artifacts()
    assert art.label == "n\ufffdme.wav"


def test_cli_request_with_invalid_utf8_has_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AUDIOGPT_ENGINE": "offline"}
    result = subprocess.run([sys.executable, "-m", "audiogpt", "run", b"what is \xff\xfe this"],
                            capture_output=True, env=env, timeout=300)  # fmt: skip
    assert b"Traceback" not in result.stderr and result.returncode in (0, 1), result.stderr[-2000:]


@pytest.mark.parametrize("request_text", ["", "   ", "\x00\x07\x1b"])
def test_empty_request_is_a_usage_error(request_text: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["run", request_text]) == 2  # the README promises 2 for usage errors (was 1)
    assert "the request is empty" in capsys.readouterr().err


# ---- 2. raw library errors ------------------------------------------------------------------------
@pytest.mark.parametrize("channels", [3, 8, 32, 64])
def test_many_channels_to_mp3_is_a_sentence(channels: int, pool: ModelPool, session: Session, tmp_path: Path) -> None:
    name = upload(session, tmp_path, "multi.wav", np.zeros((8000, channels), dtype=np.float32), 16000)
    obs = TaskHandler(session, pool, Limits()).call("convert_audio", {"audio": name, "format": "mp3"})
    assert not obs.ok
    assert "mp3 holds 1–2 channels at 8000, 11025" in obs.content
    assert f"this audio has {channels} channels" in obs.content
    assert "convert it to mono or stereo" in obs.content and "choose wav" in obs.content
    assert_clean(obs.content, tmp_path)


def test_256_channels_are_refused_at_the_door(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "wide.wav"
    sf.write(path, np.zeros((1000, 256), dtype=np.float32), 16000)
    with pytest.raises(Exception, match=r"256 channels; the limit is 64 \(limits.max_channels"):
        session.ingest(path, 200, 1800, Limits().decode())


@pytest.mark.parametrize("rate", [1, 100, 4000])
def test_odd_rates_to_mp3_are_resampled_with_a_note(rate: int, pool: ModelPool, session: Session,
                                                    tmp_path: Path) -> None:  # fmt: skip
    name = upload(session, tmp_path, "slow.wav", np.full(max(rate, 20), 0.1, dtype=np.float32), rate)
    obs = TaskHandler(session, pool, Limits()).call("convert_audio", {"audio": name, "format": "mp3"})
    assert obs.ok, obs.content
    assert f"resampled to 8000 Hz (from {rate} Hz)" in obs.content
    assert sf.info(str(session.resolve(obs.files[0]).path)).samplerate == 8000


def test_formats_that_crash_libvorbis_are_refused_before_it_runs(tmp_path: Path) -> None:
    # libvorbis segfaults at 256 channels or ~384 kHz; run in a child so a crash fails the test, not pytest.
    code = textwrap.dedent(f"""
        import numpy as np
        from audiogpt.audio import Audio, AudioError, save_audio
        for ch, sr in ((256, 44100), (2, 384000)):
            try:
                save_audio(Audio(np.zeros((4000, ch), dtype=np.float32), sr), {str(tmp_path)!r} + "/x.ogg")
            except AudioError as exc:
                print("refused:", exc)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ,
                         "PYTHONPATH": str(ROOT)}, timeout=60)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("refused: ogg holds 1–255 channels at 1–192000 Hz") == 2, out.stdout


def test_loudness_of_six_channels_is_a_sentence(pool: ModelPool, session: Session, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    name = upload(session, tmp_path, "surround.wav", 0.1 * rng.standard_normal((16000, 6)).astype(np.float32), 16000)
    args = {"audio": name, "effects": [{"name": "normalize_loudness", "target_lufs": -16}]}
    obs = TaskHandler(session, pool, Limits()).call("apply_audio_effect", args)
    assert not obs.ok and "at most 5 channels" in obs.content and "this audio has 6" in obs.content
    assert_clean(obs.content, tmp_path)


@pytest.mark.slow
def test_nul_in_text_to_speak_is_dropped(pool: ModelPool, session: Session) -> None:
    obs = TaskHandler(session, pool, Limits()).call("text_to_speech", {"text": "hello\x00 there"})
    assert obs.ok, obs.content  # was: "ValueError: embedded null character"
    assert session.resolve(obs.files[0]).provenance["arguments"]["text"] == "hello there"


class BrokenModel(FoundationModel):
    """Stands in for a model whose library raises something unexpected (tests the catch-all only)."""

    task = "speech_enhancement"
    default_model = "broken"

    def _load(self) -> None:
        pass

    def run(self, inputs: Any, ctx: RunContext) -> ModelOutput:
        raise RuntimeError("cuDNN exploded in /srv/secret/model.bin")


def test_unexpected_exceptions_are_logged_not_shown(session: Session, tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    pool = ModelPool({"speech_enhancement": {"adapter": "tests.test_hostile:BrokenModel"}}, device="cpu")
    name = upload(session, tmp_path, "a.wav", np.zeros(1600, dtype=np.float32), 16000)
    with caplog.at_level(logging.ERROR):
        obs = TaskHandler(session, pool, Limits()).call("speech_enhancement", {"audio": name})
    assert not obs.ok and "speech_enhancement failed unexpectedly (logged as " in obs.content
    assert "secret" not in obs.content and "RuntimeError" not in obs.content
    incident = obs.content.split("logged as ")[1][:8]
    (record,) = [r for r in caplog.records if incident in r.getMessage()]
    assert record.exc_info and "/srv/secret/model.bin" in str(record.exc_info[1])


# ---- 3. decompression bomb ------------------------------------------------------------------------
BOMB_SCRIPT = """
import sys
from audiogpt.config import Limits
from audiogpt.session import SessionStore
limits = Limits(max_decoded_mb=float(sys.argv[3]), max_duration_s=3600)
session = SessionStore(sys.argv[1]).create()
try:
    session.ingest(sys.argv[2], limits.max_upload_mb, limits.max_duration_s, limits.decode())
    print("accepted")
except Exception as exc:
    print("refused:", exc)
"""
# ru_maxrss survives exec, so a child forked from pytest (hundreds of MB of models) would report
# pytest's peak: a small launcher runs the check and reads the peak of its own child.
LAUNCHER = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True)
print("peak_mb", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def make_bomb(path: Path, seconds: int = 120, rate: int = 96000, channels: int = 8) -> Path:
    """Silence in FLAC: ~100 KB on disk, frames × channels × 4 bytes once decoded (353 MB here)."""
    block = np.zeros((rate * 10, channels), dtype=np.int16)
    with sf.SoundFile(path, "w", rate, channels, "PCM_16", format="FLAC") as fh:
        for _ in range(seconds // 10):
            fh.write(block)
    return path


def bomb_peak_mb(tmp_path: Path, bomb: Path, max_decoded_mb: float) -> tuple[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    check = [sys.executable, "-c", BOMB_SCRIPT, str(tmp_path / "ws"), str(bomb), str(max_decoded_mb)]
    out = subprocess.run([sys.executable, "-c", LAUNCHER, *check], capture_output=True, text=True, env=env,
                         timeout=120, check=True)  # fmt: skip
    verdict, peak = out.stdout.strip().splitlines()
    return verdict, float(peak.split()[1])


def test_flac_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    bomb = make_bomb(tmp_path / "bomb.flac")
    assert bomb.stat().st_size < 1_000_000  # passes the upload size limit easily
    verdict, peak = bomb_peak_mb(tmp_path, bomb, max_decoded_mb=64)
    assert verdict.startswith("refused: bomb.flac would take 352 MB of memory once decoded (8 channels at 96000 Hz")
    assert "limits.max_decoded_mb" in verdict
    # the refused bomb costs no more than the interpreter and its imports; decoding it would cost > 352 MB
    allowed, decoded_peak = bomb_peak_mb(tmp_path, bomb, max_decoded_mb=1024)
    assert allowed == "accepted" and decoded_peak > peak + 300, (peak, decoded_peak)
    assert peak < 150, peak


# ---- 7. an LLM server that accepts and never answers --------------------------------------------
def test_llm_that_never_answers_is_bounded_by_the_turn_deadline(pool: ModelPool) -> None:
    with SilentServer() as server:
        llm = {"base_url": server.base_url, "model": "silent", "timeout_s": 60, "turn_deadline_s": 1.5}
        agent = Agent(load_settings(engine="llm", llm=llm), pool=pool)
        assert agent.engine is not None  # build the client before timing
        start = time.perf_counter()
        resp = agent.run("say hello")
        elapsed = time.perf_counter() - start
    assert elapsed < 4.0, elapsed  # was 60 s × 2 tries
    assert resp.error and "llm.turn_deadline_s" in resp.text and "files are intact" in resp.text
    assert "gave no answer within the turn's limit of 1.5 s" in resp.text and "Exceeded" not in resp.text


# ---- 8. minor ones --------------------------------------------------------------------------------
def test_an_llm_stuck_on_an_unknown_tool_gets_the_real_cause(pool: ModelPool) -> None:
    def rockets(messages: list[BaseMessage]) -> AIMessage:
        return AIMessage("", tool_calls=[tool_call("launch_rockets", count=3)])

    model = ScriptedChatModel(script=[rockets] * 20, seen=[])
    agent = Agent(load_settings(limits={"max_tool_calls": 2}), pool=pool, engine=model)
    resp = agent.run("launch the rockets")
    assert resp.error and "too many steps" in resp.text
    assert "launch_rockets is not a valid tool" in resp.text  # was only "I stopped after too many steps"


KILLED_TURN = """
import sys, time
from langchain_core.messages import AIMessage
from audiogpt.agent import Agent
from audiogpt.config import load_settings
from tests.fakes import ScriptedChatModel

def hang(messages):
    print("running", flush=True)
    time.sleep(600)
    return AIMessage("never")

agent = Agent(load_settings(), engine=ScriptedChatModel(script=[hang], seen=[]))
agent.run("transcribe this", files=[sys.argv[1]], session=sys.argv[2])
"""


def test_kill_9_during_a_turn_leaves_no_orphan_upload(_workspace: Path, tmp_path: Path) -> None:
    store = SessionStore(_workspace)
    sid = store.create().id
    store.close()
    wav = tmp_path / "clip.wav"
    sf.write(wav, np.zeros(1600, dtype=np.float32), 16000)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AUDIOGPT_WORKSPACE": str(_workspace)}
    child = subprocess.Popen([sys.executable, "-c", KILLED_TURN, str(wav), sid], stdout=subprocess.PIPE, env=env)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"running"
        with sqlite3.connect(_workspace / "audiogpt.db") as db:
            assert db.execute("SELECT COUNT(*) FROM artifacts").fetchone()[0] == 1  # registered mid-turn
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    session = SessionStore(_workspace).open(sid)  # the next start cleans up
    assert session.artifacts() == [] and session.turns() == []
    assert not list((session.dir / "audio").glob("*.wav"))


# ---- 4 and 5 through the LLM engine (the real openai client against a scripted local server) ------
FILE_RE = re.compile(r"audio/[0-9a-f]{8}\.wav")


def call_on_session_file(tool: str, raw_args: str) -> Any:
    """A scripted LLM step: call ``tool`` with ``raw_args`` (raw JSON; FILE = the session's file)."""

    def step(request: dict[str, Any]) -> dict[str, Any]:
        name = FILE_RE.search(request["messages"][0]["content"])
        assert name, "the system prompt lists the session's files"
        return completion(tool_calls=[(tool, raw_args.replace("FILE", name.group(0)))])

    return step


def run_llm_script(pool: ModelPool, tmp_path: Path, steps: list[Any]) -> tuple[Any, list[str], Agent]:
    wav = tmp_path / "clip.wav"
    sf.write(wav, 0.1 * np.sin(np.arange(32000) / 5).astype(np.float32), 16000)
    with FakeOpenAIServer([*steps, completion("Done.")]) as server:
        agent = Agent(load_settings(engine="llm", llm={"base_url": server.base_url, "model": "scripted"}), pool=pool)
        resp = agent.run("do these things", files=[wav])
    results = [str(r["messages"][-1]["content"]) for r in server.requests[1:]]
    return resp, results, agent


def test_llm_naming_a_file_outside_the_session_gets_i_dont_have_it(pool: ModelPool, tmp_path: Path) -> None:
    steps = [
        call_on_session_file("speech_recognition", '{"audio": "/etc/passwd"}'),
        call_on_session_file("convert_audio", '{"audio": "/etc/passwd", "format": "mp3"}'),
        call_on_session_file(
            "apply_audio_effect", '{"audio": "../../../../etc/hosts", "effects": [{"name": "reverb"}]}'
        ),
        call_on_session_file("speech_enhancement", '{"audio": "holiday.wav"}'),
    ]
    resp, results, agent = run_llm_script(pool, tmp_path, steps)
    for named, result in zip(
        ["/etc/passwd", "/etc/passwd", "../../../../etc/hosts", "holiday.wav"], results, strict=True
    ):
        assert result.startswith(f"Error: I don't have {named}; this session has: audio/"), result
        assert "(clip.wav)" in result
    assert not any(c.ok for c in resp.tool_calls)
    assert [a.label for a in agent.store.open(resp.session_id).artifacts()] == ["clip.wav"]  # nothing substituted


@pytest.mark.parametrize(
    ("tool", "raw_args", "sentence"),
    [
        ("apply_audio_effect", '{"audio": "FILE", "effects": [{"name": "gain", "gain_db": -1e9}]}',
         "gain_db must be between −60 and 40 dB; you asked for −1000000000"),
        ("apply_audio_effect", '{"audio": "FILE", "effects": [{"name": "normalize_loudness", "target_lufs": 50}]}',
         "target_lufs must be between −70 and −5 LUFS; you asked for 50"),
        ("concatenate_audio", '{"audio_files": ["FILE", "FILE"], "gap_s": -5}',
         "gap_s must be between 0 and 600 s; you asked for −5"),
        ("change_pitch", '{"audio": "FILE", "semitones": NaN}',
         "semitones must be a finite number between −24 and 24 semitones; you asked for nan"),
        ("convert_audio", '{"audio": "FILE", "sample_rate": 1}',
         "sample_rate must be between 8000 and 192000 Hz; you asked for 1"),
        ("apply_audio_effect", '{"audio": "FILE", "effects": [{"name": "delay", "delay_s": 1000}]}',
         "delay_s must be between 0 and 5 s; you asked for 1000"),
        ("change_speed", '{"audio": "FILE", "factor": 100000}',
         "factor must be between 0.25 and 4; you asked for 100000"),
    ],
    ids=["gain-1e9", "lufs+50", "gap-5s", "pitch-nan", "rate-1hz", "delay-1000s", "speed-1e5"],
)  # fmt: skip
def test_llm_out_of_range_values_get_a_sentence_with_the_range(pool: ModelPool, tmp_path: Path, tool: str,
                                                               raw_args: str, sentence: str) -> None:  # fmt: skip
    resp, (result,), _ = run_llm_script(pool, tmp_path, [call_on_session_file(tool, raw_args)])
    assert result.startswith(f"Error: invalid arguments for {tool}: {sentence} (files in this session: "), result
    assert "Input should" not in result and "pydantic" not in result
    assert not resp.tool_calls[0].ok and resp.artifacts == []
