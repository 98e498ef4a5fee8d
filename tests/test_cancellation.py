"""A call past its time limit is stopped and frees its model (issue 13, item 6); long text to speech
is spoken sentence by sentence with progress and can be stopped (item 7)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audiogpt.config import Limits, load_settings
from audiogpt.handler import TaskHandler
from audiogpt.session import SessionStore
from audiogpt.tools.speech_recognition import SpeechRecognitionInput
from audiogpt.tools.text_to_speech import TextToSpeechInput
from foundation_models.base import CallCancelled, RunContext
from foundation_models.pool import ModelPool
from foundation_models.tts_piper import MAX_PIECE_CHARS, split_sentences

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pool() -> ModelPool:
    return ModelPool(load_settings().models, "cpu")


def noisy_speechlike(seconds: float, rate: int = 16000, seed: int = 0) -> np.ndarray:
    """Noise with a 4 Hz syllable-like envelope (enough work for the enhancer; not a model output)."""
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(seed)
    return (0.1 * rng.standard_normal(t.size) * (1 + np.sin(2 * np.pi * 4 * t))).astype(np.float32)


def test_a_timed_out_enhancement_is_stopped_and_the_next_call_runs(pool: ModelPool, _workspace: Path,
                                                                   tmp_path: Path) -> None:  # fmt: skip
    session = SessionStore(_workspace).create()
    for name, seconds in (("long.wav", 60.0), ("short.wav", 1.0)):
        sf.write(tmp_path / name, noisy_speechlike(seconds), 16000)
    long, short = (session.ingest(tmp_path / n, 200, 1800).name for n in ("long.wav", "short.wav"))
    with pool.use("speech_enhancement"):
        pass  # loaded before timing
    # 60 s of audio takes DeepFilterNet far longer than 1 s here; the override applies to this tool only
    limits = Limits(tool_timeout_s=600, tool_timeouts_s={"speech_enhancement": 1.0})
    first = TaskHandler(session, pool, limits).call("speech_enhancement", {"audio": long})
    assert not first.ok and "took longer than 1 s and was stopped" in first.content
    start = time.perf_counter()
    second = TaskHandler(session, pool, Limits(tool_timeout_s=8)).call("speech_enhancement", {"audio": short})
    assert second.ok, second.content  # before: it waited for the abandoned call to finish with the model
    assert time.perf_counter() - start < 8
    assert not pool._locks["speech_enhancement"].locked()


def test_long_text_is_split_into_sentences_no_longer_than_the_limit() -> None:
    text = "First one. Second one! " + "word, " * 200 + "end. " + "x" * 1000
    pieces = split_sentences(text)
    assert pieces[:2] == ["First one.", "Second one!"]
    assert all(0 < len(p) <= MAX_PIECE_CHARS for p in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")  # nothing lost or added


def test_tts_reports_progress_per_sentence_and_stops_when_cancelled(pool: ModelPool) -> None:
    seen: list[tuple[int, int, str]] = []
    ctx = RunContext(on_progress=lambda done, total, what: seen.append((done, total, what)))
    with pool.use("text_to_speech") as tts:
        out = tts.run(TextToSpeechInput(text="One sentence. Another sentence. A third one."), ctx)
        assert out.audio[0].duration_s > 1.5
        assert seen == [(0, 3, "sentences"), (1, 3, "sentences"), (2, 3, "sentences"), (3, 3, "sentences")]

        stop = RunContext(on_progress=lambda done, total, what: stop.cancel_event.set() if done == 1 else None)
        with pytest.raises(CallCancelled):
            tts.run(TextToSpeechInput(text="Keep going. And going. And going. And going."), stop)


def test_whisper_stops_between_segments(pool: ModelPool) -> None:
    with pool.use("text_to_speech") as tts:
        speech = tts.run(TextToSpeechInput(text="This is a test of stopping. " * 3), RunContext()).audio[0]
    cancelled = RunContext()
    cancelled.cancel_event.set()
    with pool.use("speech_recognition") as asr:
        with pytest.raises(CallCancelled):
            asr.run(SpeechRecognitionInput.model_construct(audio=speech, language=None), cancelled)
        assert asr.run(SpeechRecognitionInput.model_construct(audio=speech, language=None), RunContext()).text


def test_per_tool_time_limits_come_from_the_config() -> None:
    limits = load_settings(limits={"tool_timeouts_s": {"text_to_speech": 900}}).limits
    assert limits.timeout_for("text_to_speech") == 900 and limits.timeout_for("trim_audio") == limits.tool_timeout_s


def test_the_handler_passes_progress_to_a_front_end(pool: ModelPool, _workspace: Path) -> None:
    handler = TaskHandler(SessionStore(_workspace).create(), pool, Limits())
    seen: list[tuple[str, int, int, str]] = []
    handler.on_progress = lambda tool, done, total, what: seen.append((tool, done, total, what))
    obs = handler.call("text_to_speech", {"text": "Hello there. How are you?"})
    assert obs.ok, obs.content
    assert seen[0] == ("text_to_speech", 0, 2, "sentences") and seen[-1] == ("text_to_speech", 2, 2, "sentences")
