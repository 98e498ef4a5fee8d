"""analyze_audio: known answers on generated signals, a real music file, routing, and a whole turn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from audiogpt.audio import Audio, load_audio
from audiogpt.tools import CATALOG
from audiogpt.tools.analyze_audio import AnalyzeAudioInput, analyze
from foundation_models.base import RunContext

SR = 22050
T = np.arange(10 * SR) / SR


def measure(samples: np.ndarray, sr: int = SR) -> dict[str, Any]:
    return analyze(AnalyzeAudioInput.with_files(audio=Audio(samples.astype(np.float32), sr)), RunContext()).info


def clicks(bpm: float) -> np.ndarray:
    x = np.zeros(len(T))
    for start in np.arange(0, len(T) - 200, round(SR * 60 / bpm)):
        x[start : start + 200] = np.hanning(200) * np.sin(2 * np.pi * 1500 * T[:200])
    return x


@pytest.mark.parametrize("bpm", [120.0, 90.0])
def test_tempo_of_a_click_track(bpm: float) -> None:
    info = measure(clicks(bpm))
    assert info["tempo_bpm"] == pytest.approx(bpm, abs=3.0)
    assert "key" not in info  # clicks have no key


def test_key_of_an_a_major_chord_and_no_tempo_on_a_held_chord() -> None:
    info = measure(0.25 * sum(np.sin(2 * np.pi * f * T) for f in (220.0, 277.18, 329.63)))
    assert info["key"] == "A major"
    assert "tempo_bpm" not in info
    minor = measure(0.25 * sum(np.sin(2 * np.pi * f * T) for f in (220.0, 261.63, 329.63)))  # A, C, E
    assert minor["key"] == "A minor"


def test_loudness_of_a_calibrated_tone() -> None:
    # BS.1770: a 997 Hz sine at full scale in one channel reads −3.01 LUFS
    info = measure(10 ** ((-20 + 3.01) / 20) * np.sin(2 * np.pi * 997 * T))
    assert info["loudness_lufs"] == pytest.approx(-20.0, abs=0.2)
    assert info["peak_dbfs"] == pytest.approx(-16.99, abs=0.05)
    assert info["clipping"] is False and info["clipped_samples"] == 0


def test_clipping_and_format_facts() -> None:
    clipped = np.clip(1.5 * np.sin(2 * np.pi * 440 * T), -1, 1)
    info = measure(np.stack([clipped, 0.1 * clipped], axis=1), 44100)
    assert info["clipping"] is True and info["clipped_samples"] > 1000
    assert (info["channels"], info["sample_rate"]) == (2, 44100)
    assert info["duration_s"] == pytest.approx(len(T) / 44100, abs=1e-3)


def test_silence_and_short_clips_say_what_cannot_be_measured() -> None:
    out = analyze(AnalyzeAudioInput.with_files(audio=Audio(np.zeros(SR // 10, np.float32), SR)), RunContext())
    assert out.info["loudness_lufs"] is None and out.info["peak_dbfs"] is None
    assert "not measurable" in out.text and "silent" in out.text


def test_real_music(shared_data: Path) -> None:
    # "solo jazz trumpet loop, key of F, 90 bpm, blues/dorian" (librosa example data)
    info = measure(load_audio(shared_data / "music" / "librosa_trumpet_loop.ogg").samples, 22050)
    assert info["duration_s"] == pytest.approx(5.333, abs=0.01) and info["sample_rate"] == 22050
    assert info["key"].split()[0] == "F"
    assert -30 < info["loudness_lufs"] < -10 and info["clipping"] is False
    assert "tempo_bpm" in info  # its value is not checked: see docs/adding-a-tool.md (a solo trumpet reads ~123)


@pytest.fixture(scope="module")
def router() -> Any:
    from audiogpt.engines.router import OfflineRouter
    from tests.test_router import catalog_tools

    return OfflineRouter().bind_tools(catalog_tools())


@pytest.mark.parametrize(
    "text",
    [
        "What's the BPM of this?",
        "how loud is this?",
        "is it clipping?",
        "what key is it in?",
        "can you tell me the loudness in LUFS and whether it peaks",
        "what tempo is this song",
    ],
)
def test_questions_route_to_it(router: Any, text: str) -> None:
    assert router.route(text)[0] == "analyze_audio"


@pytest.mark.parametrize("text", ["make it 120 bpm faster", "normalize to -14 LUFS", "speed it up to 130 bpm"])
def test_changes_are_not_measurements(router: Any, text: str) -> None:
    assert router.route(text)[0] != "analyze_audio"


def test_a_whole_turn_answers_with_the_measurements(tmp_path: Path) -> None:
    from audiogpt.agent import Agent
    from audiogpt.config import load_settings

    path = tmp_path / "song.wav"
    sf.write(path, (0.5 * np.sin(2 * np.pi * 440 * T)).astype(np.float32), SR)
    resp = Agent(load_settings(engine="offline")).run("how loud is this?", files=[str(path)])
    assert resp.error is None
    assert "Measured" in resp.text and "LUFS" in resp.text and "no clipping" in resp.text
    assert CATALOG["analyze_audio"].output == "text"
