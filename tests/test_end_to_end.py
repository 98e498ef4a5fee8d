"""The issue's own requests, typed as a person would, through the offline router and the real models."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audiogpt.agent import Agent
from audiogpt.config import load_settings
from audiogpt.metrics import wer
from foundation_models.pool import ModelPool

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pool() -> ModelPool:
    return ModelPool(load_settings().models, "cpu")


@pytest.fixture
def agent(pool: ModelPool) -> Agent:
    return Agent(load_settings(engine="offline"), pool=pool)


def tools(resp) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.tool for c in resp.tool_calls]


def test_say_in_a_calm_voice(agent: Agent) -> None:
    resp = agent.run("say 'welcome home' in a calm voice")
    assert resp.ok and tools(resp) == ["text_to_speech"]
    assert resp.tool_calls[0].args["text"] == "welcome home" and resp.tool_calls[0].args["style"] == "calm"
    assert resp.artifacts[0].name in resp.text
    # the embedded voice has one style: the reply says "calm" was not applied, and the words are still spoken
    assert "one speaking style, so “calm” was not applied" in resp.text
    assert "welcome home" in resp.text
    heard = agent.run("transcribe it", session=resp.session_id)  # spoken as asked, without the style words
    assert wer("welcome home", heard.tool_calls[0].observation.split('"')[1]) == 0.0


def test_speak_then_transcribe_then_find_speech_chain(agent: Agent, tmp_path: Path) -> None:
    resp = agent.run('say "the library opens at nine tomorrow morning", then transcribe it, then find where speech is')
    assert resp.ok, resp.text
    assert tools(resp) == ["text_to_speech", "speech_recognition", "voice_activity_detection"]
    made = resp.artifacts[0].name
    assert resp.tool_calls[1].args["audio"] == made and resp.tool_calls[2].args["audio"] == made
    transcript = resp.tool_calls[1].observation.split('"')[1]
    assert wer("the library opens at nine tomorrow morning", transcript) < 0.2
    assert resp.tool_calls[2].plots  # a timeline picture for the detection


def test_where_does_anyone_speak(agent: Agent, tmp_path: Path) -> None:
    speech = agent.run("say 'is anybody there'")
    src = Path(speech.artifacts[0].path)
    data, sr = sf.read(src, dtype="float32")
    padded = np.concatenate([np.zeros(sr * 2, np.float32), data, np.zeros(sr, np.float32)])
    clip = tmp_path / "hallway.wav"
    sf.write(clip, padded, sr)
    resp = agent.run("where does anyone speak in this file?", files=[clip], session=speech.session_id)
    assert resp.ok and tools(resp) == ["voice_activity_detection"]
    assert resp.tool_calls[0].args["audio"] != speech.artifacts[0].name  # "this file" = the upload
    start = float(re.search(r"speech (\d+\.\d+)–", resp.tool_calls[0].observation).group(1))  # type: ignore[union-attr]
    assert abs(start - 2.0) < 0.3  # the speech starts 2 s in (Piper's timing varies a little per run)
    assert f"{start:.2f}" in resp.text


def test_what_sounds_are_in_this_recording(agent: Agent, shared_data: Path, tmp_path: Path) -> None:
    dog = tmp_path / "dog.wav"
    shutil.copy(shared_data / "sound_events/esc50_1-100032-A-0_dog.wav", dog)
    resp = agent.run("what sounds are in this recording?", files=[dog])
    assert resp.ok and tools(resp) == ["sound_event_detection"]
    assert "dog" in resp.text.lower()
    assert resp.tool_calls[0].plots and Path(resp.tool_calls[0].plots[0]).exists()


def test_clean_up_then_transcribe(agent: Agent, shared_data: Path, shared_truth: dict, tmp_path: Path) -> None:
    clean, sr = sf.read(shared_data / "speech/sb_spk1_snt2.wav", dtype="float32")
    rng = np.random.default_rng(0)
    noisy = clean + rng.normal(0, np.std(clean) / np.sqrt(10 ** (5 / 10)), clean.shape).astype(np.float32)
    path = tmp_path / "noisy.wav"
    sf.write(path, noisy, sr)
    resp = agent.run("clean up this noisy clip, then transcribe it", files=[path])
    assert resp.ok and tools(resp) == ["speech_enhancement", "speech_recognition"]
    cleaned = resp.artifacts[0]
    assert resp.tool_calls[1].args["audio"] == cleaned.name
    assert cleaned.duration_s == pytest.approx(len(clean) / sr, abs=1e-3)
    truth = shared_truth["speech/sb_spk1_snt2.wav"]["transcript"].replace("TUE", "TWO")
    said = resp.tool_calls[1].observation.split('"')[1]
    assert wer(truth, said) <= 0.3


def test_unsupported_request_is_answered_honestly(agent: Agent) -> None:
    resp = agent.run("clone my voice from this recording and say hello")
    assert resp.tool_calls == [] and "voice_clone" in resp.text
