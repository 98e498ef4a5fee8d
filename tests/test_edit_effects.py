"""apply_audio_effect (pedalboard + pyloudnorm), change_speed and change_pitch (Rubber Band, soxr).

Each test measures the property it names on synthetic signals (short, 16–44.1 kHz) or a real
recording, through the adapters directly or through the real TaskHandler.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyloudnorm as pyln
import pytest
import soundfile as sf

from audiogpt.audio import Audio, load_audio
from audiogpt.config import Limits, load_settings
from audiogpt.errors import UserError
from audiogpt.handler import Observation, TaskHandler
from audiogpt.metrics import wer
from audiogpt.session import SessionStore
from audiogpt.tools.apply_audio_effect import EFFECT_NAMES, ApplyAudioEffectInput
from foundation_models.base import run_with
from foundation_models.edit_effects import PedalboardEffects
from foundation_models.edit_pitch import RubberBandPitch
from foundation_models.edit_speed import RubberBandSpeed
from foundation_models.pool import ModelPool
from tests.conftest import tone

SR = 16000


def f0(x: np.ndarray, sr: int) -> float:
    """The strongest frequency (Hz): FFT peak of a Hann-windowed signal, refined by a parabola on log magnitude."""
    mono = x if x.ndim == 1 else x.mean(axis=1)
    spec = np.log(np.abs(np.fft.rfft(mono * np.hanning(mono.size))) + 1e-12)
    k = int(np.argmax(spec[1:-1])) + 1
    a, b, c = spec[k - 1 : k + 2]
    return float((k + 0.5 * (a - c) / (a - 2 * b + c)) * sr / mono.size)


def amplitude(x: np.ndarray, sr: int, freq: float) -> float:
    """Amplitude of the ``freq`` component of ``x`` (a single-bin DFT)."""
    t = np.arange(x.size) / sr
    return float(2 * abs(np.sum(x * np.exp(-2j * np.pi * freq * t))) / x.size)


def db(ratio: float) -> float:
    return 20 * math.log10(ratio)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def effects(audio: Audio, *chain: dict[str, Any], max_output_s: float = 1800) -> tuple[Audio, list[str]]:
    """Run a chain through the adapter exactly as the handler would (validated, defaults filled in)."""
    fx = ApplyAudioEffectInput.model_validate({"audio": "audio/x.wav", "effects": list(chain)}).model_dump()["effects"]
    out = run_with(PedalboardEffects(), audio=audio, effects=fx, max_output_s=max_output_s)
    assert len(out.audio) == 1
    assert float(np.max(np.abs(out.audio[0].samples))) <= 1.0  # no effect chain ever returns clipping samples
    return out.audio[0], out.notes


# ---- pitch and speed --------------------------------------------------------------------------


@pytest.mark.parametrize("semitones, ratio", [(12, 2.0), (-12, 0.5), (7, 2 ** (7 / 12))])
def test_pitch_shift_moves_the_fundamental_and_keeps_the_duration(semitones: float, ratio: float) -> None:
    src = Audio(tone(220.0, 1.5, SR), SR)
    out = run_with(RubberBandPitch(), audio=src, semitones=semitones, max_output_s=1800)
    shifted = out.audio[0]
    assert shifted.frames == src.frames and shifted.sample_rate == SR  # to the sample
    assert f0(shifted.samples, SR) == pytest.approx(220.0 * ratio, rel=0.01)
    assert f"{semitones:+g} semitones" in out.notes[0]


def test_speed_up_keeps_the_pitch() -> None:
    src = Audio(tone(300.0, 2.0, SR), SR)
    out = run_with(RubberBandSpeed(), audio=src, factor=1.25, preserve_pitch=True, max_output_s=1800).audio[0]
    assert out.duration_s == pytest.approx(2.0 / 1.25, abs=0.005)
    assert f0(out.samples, SR) == pytest.approx(300.0, rel=0.01)
    assert rms(out.samples) == pytest.approx(rms(src.samples), rel=0.1)  # same level


def test_tape_speed_changes_duration_and_pitch_together() -> None:
    src = Audio(tone(300.0, 2.0, SR), SR)
    out = run_with(RubberBandSpeed(), audio=src, factor=2.0, preserve_pitch=False, max_output_s=1800)
    fast = out.audio[0]
    assert fast.sample_rate == SR
    assert fast.duration_s == pytest.approx(1.0, abs=0.005)
    assert f0(fast.samples, SR) == pytest.approx(600.0, rel=0.01)
    assert "+12.0 semitones" in out.notes[0]


def test_speed_and_pitch_keep_stereo() -> None:
    stereo = Audio(np.stack([tone(300.0, 1.0, SR), tone(500.0, 1.0, SR)], axis=1), SR)
    for out in (
        run_with(RubberBandSpeed(), audio=stereo, factor=0.8, preserve_pitch=True, max_output_s=1800).audio[0],
        run_with(RubberBandSpeed(), audio=stereo, factor=0.8, preserve_pitch=False, max_output_s=1800).audio[0],
        run_with(RubberBandPitch(), audio=stereo, semitones=3, max_output_s=1800).audio[0],
    ):
        assert out.channels == 2
        assert f0(out.samples[:, 1], SR) > 1.5 * f0(out.samples[:, 0], SR)  # the channels are not mixed


def test_slowing_down_past_the_length_limit_is_refused() -> None:
    src = Audio(np.zeros(10 * 8000, np.float32), 8000)  # 10 s → 40 s at factor 0.25
    with pytest.raises(UserError, match=r"limit is 0\.5 minutes"):
        run_with(RubberBandSpeed(), audio=src, factor=0.25, preserve_pitch=True, max_output_s=30)


def test_clips_too_short_for_rubber_band_are_refused() -> None:
    blip = Audio(tone(440.0, 0.01, SR), SR)  # 10 ms: Rubber Band would return nothing
    with pytest.raises(UserError, match="at least 50 ms"):
        run_with(RubberBandPitch(), audio=blip, semitones=5, max_output_s=1800)
    with pytest.raises(UserError, match="at least 50 ms"):
        run_with(RubberBandSpeed(), audio=blip, factor=2.0, preserve_pitch=True, max_output_s=1800)
    tape = run_with(RubberBandSpeed(), audio=blip, factor=2.0, preserve_pitch=False, max_output_s=1800).audio[0]
    assert tape.frames == blip.frames // 2  # resampling has no such limit


# ---- effects ------------------------------------------------------------------------------------


def test_gain_plus_6_db_doubles_the_rms() -> None:
    src = Audio(tone(440.0, 1.0, SR, amp=0.1), SR)
    out, notes = effects(src, {"name": "gain", "gain_db": 6.0})
    assert rms(out.samples) / rms(src.samples) == pytest.approx(10 ** (6 / 20), rel=0.01)
    assert notes == []


def test_low_shelf_boosts_the_bass_and_leaves_the_treble() -> None:
    sr = 44100
    src = Audio(tone(50.0, 1.5, sr, amp=0.2) + tone(3000.0, 1.5, sr, amp=0.2), sr)
    out, _ = effects(src, {"name": "low_shelf", "cutoff_hz": 150.0, "gain_db": 9.0})
    steady = slice(sr // 2, None)  # after the filter has settled
    x, y = src.samples[steady], out.samples[steady]
    assert db(amplitude(y, sr, 50.0) / amplitude(x, sr, 50.0)) == pytest.approx(9.0, abs=0.5)
    assert abs(db(amplitude(y, sr, 3000.0) / amplitude(x, sr, 3000.0))) < 1.0


def test_highpass_and_lowpass_are_24_db_per_octave() -> None:
    low, high = Audio(tone(100.0, 1.0, SR, amp=0.5), SR), Audio(tone(4000.0, 1.0, SR, amp=0.5), SR)
    out, _ = effects(low, {"name": "highpass", "cutoff_hz": 1000.0})  # a decade below: ~80 dB down
    assert db(rms(out.samples[SR // 2 :]) / rms(low.samples[SR // 2 :])) < -60.0
    out, _ = effects(high, {"name": "highpass", "cutoff_hz": 1000.0})  # two octaves above: untouched
    assert abs(db(rms(out.samples[SR // 2 :]) / rms(high.samples[SR // 2 :]))) < 0.5
    mid = Audio(tone(1000.0, 1.0, SR, amp=0.5), SR)
    out, _ = effects(mid, {"name": "lowpass", "cutoff_hz": 500.0})  # an octave above the cutoff: ~24 dB down
    assert db(rms(out.samples[SR // 2 :]) / rms(mid.samples[SR // 2 :])) == pytest.approx(-24.1, abs=1.0)


def test_limiter_holds_the_peak_at_its_threshold() -> None:
    rng = np.random.default_rng(0)
    loud = tone(220.0, 1.0, SR, amp=0.9) + rng.uniform(-0.1, 0.1, SR).astype(np.float32)
    loud[4000:4010] = 0.99  # a sudden transient
    out, _ = effects(Audio(loud, SR), {"name": "limiter", "threshold_db": -6.0})
    assert db(float(np.max(np.abs(out.samples)))) <= -6.0 + 0.05
    quiet = Audio(tone(220.0, 1.0, SR, amp=0.1), SR)  # below the threshold: untouched, no make-up gain
    untouched, _ = effects(quiet, {"name": "limiter", "threshold_db": -6.0})
    assert rms(untouched.samples) == pytest.approx(rms(quiet.samples), rel=0.01)


def test_effects_run_in_the_order_given() -> None:
    src = Audio(tone(440.0, 1.0, SR, amp=0.5), SR)
    gain, limiter = {"name": "gain", "gain_db": 12.0}, {"name": "limiter", "threshold_db": -6.0}
    gain_then_limit, notes_a = effects(src, gain, limiter)
    limit_then_gain, notes_b = effects(src, limiter, gain)
    assert db(float(np.max(np.abs(gain_then_limit.samples)))) == pytest.approx(-6.0, abs=0.1)
    # limited to −6 dBFS, then +12 dB → would peak at +6 dBFS, so it is brought down to −0.1 dBFS and says so
    assert db(float(np.max(np.abs(limit_then_gain.samples)))) == pytest.approx(-0.1, abs=0.05)
    assert notes_a == [] and any("turned down by 6.1 dB" in n for n in notes_b), notes_b


def test_a_chain_that_would_clip_is_turned_down_and_says_so() -> None:
    src = Audio(tone(440.0, 1.0, SR, amp=0.5), SR)
    out, notes = effects(src, {"name": "gain", "gain_db": 20.0})
    assert db(float(np.max(np.abs(out.samples)))) == pytest.approx(-0.1, abs=0.05)
    assert any("would have clipped" in n for n in notes)


def test_reverse_equals_the_reversed_input() -> None:
    x = np.random.default_rng(1).uniform(-0.5, 0.5, (SR, 2)).astype(np.float32)
    out, _ = effects(Audio(x, SR), {"name": "reverse"})
    np.testing.assert_array_equal(out.samples, x[::-1])


def test_fades_start_and_end_at_silence() -> None:
    src = Audio(np.full(2 * SR, 0.5, np.float32), SR)
    faded, _ = effects(src, {"name": "fade_in", "duration_s": 0.5}, {"name": "fade_out", "duration_s": 0.5})
    y = faded.samples
    assert y[0] == 0.0 and y[-1] == 0.0
    assert np.all(np.diff(y[: SR // 2]) >= 0) and np.all(np.diff(y[-SR // 2 :]) <= 0)  # smooth ramps
    np.testing.assert_array_equal(y[SR // 2 : -SR // 2], 0.5)  # the middle is untouched
    assert y[SR // 4] == pytest.approx(0.5 * math.sin(math.pi / 4), abs=1e-3)  # equal-power: −3 dB halfway
    whole, notes = effects(Audio(np.full(SR // 2, 0.5, np.float32), SR), {"name": "fade_out", "duration_s": 5.0})
    assert whole.samples[0] == pytest.approx(0.5) and whole.samples[-1] == 0.0 and "whole" in notes[0]


def test_reverb_keeps_its_tail_after_a_short_click() -> None:
    click = np.zeros(SR // 4, np.float32)  # 0.25 s: a 10 ms burst, then silence
    click[:160] = np.random.default_rng(2).uniform(-0.8, 0.8, 160)
    out, notes = effects(Audio(click, SR), {"name": "reverb", "room_size": 0.9, "wet_level": 0.5})
    assert out.duration_s > 0.25 + 0.2  # the tail rings on past the end of the input
    after = out.samples[SR // 20 :]  # 50 ms on, where the input is silent
    assert db(rms(after) / rms(click[:160])) > -40.0
    assert any("reverb tail adds" in n for n in notes)


def test_delay_echo_repeats_after_the_end_of_the_input() -> None:
    clip = np.zeros(int(0.3 * SR), np.float32)
    clip[-800:] = tone(1000.0, 0.05, SR, amp=0.5)  # a blip in the last 50 ms
    out, _ = effects(Audio(clip, SR), {"name": "delay", "delay_s": 0.2, "feedback": 0.5, "mix": 0.5})
    first_echo = out.samples[clip.size - 800 + int(0.2 * SR) :][:800]
    assert out.frames >= clip.size + int(0.2 * SR) + 800
    assert amplitude(first_echo, SR, 1000.0) > 0.1


def test_stereo_stays_stereo() -> None:
    x = np.stack([tone(300.0, 1.0, SR), tone(2000.0, 1.0, SR)], axis=1)
    out, _ = effects(Audio(x, SR), {"name": "reverb"}, {"name": "lowpass", "cutoff_hz": 4000.0})
    assert out.channels == 2 and out.frames >= x.shape[0]
    assert not np.allclose(out.samples[:, 0], out.samples[:, 1])


def test_normalize_refuses_silent_or_too_short_audio() -> None:
    with pytest.raises(UserError, match=r"at least 0\.4 s"):
        effects(Audio(tone(440.0, 0.3, SR), SR), {"name": "normalize_loudness"})
    with pytest.raises(UserError, match="silent"):
        effects(Audio(np.zeros(SR, np.float32), SR), {"name": "normalize_loudness"})
    with pytest.raises(UserError, match="silent"):
        effects(Audio(np.zeros(SR, np.float32), SR), {"name": "normalize_peak"})


def test_normalize_peak_reaches_its_target() -> None:
    out, _ = effects(Audio(tone(440.0, 1.0, SR, amp=0.05), SR), {"name": "normalize_peak", "target_db": -3.0})
    assert db(float(np.max(np.abs(out.samples)))) == pytest.approx(-3.0, abs=0.01)


# ---- through the real TaskHandler ---------------------------------------------------------------


@pytest.fixture(scope="module")
def pool() -> ModelPool:
    return ModelPool(load_settings().models, "cpu")


@pytest.fixture
def handler(pool: ModelPool, _workspace: Path) -> TaskHandler:
    return TaskHandler(SessionStore(_workspace).create(), pool, Limits())


def upload(handler: TaskHandler, tmp_path: Path, samples: np.ndarray, sr: int, name: str = "in.wav") -> str:
    path = tmp_path / name
    sf.write(path, samples, sr, subtype="FLOAT")
    return handler.session.ingest(path, max_upload_mb=10, max_duration_s=60).name


@pytest.mark.parametrize("target", [-16.0, -23.0])
def test_normalize_loudness_hits_the_target(handler: TaskHandler, tmp_path: Path, target: float) -> None:
    sr = 44100
    rng = np.random.default_rng(3)
    music = tone(220.0, 2.0, sr, 0.05) + tone(1500.0, 2.0, sr, 0.03) + rng.normal(0, 0.01, 2 * sr).astype(np.float32)
    name = upload(handler, tmp_path, np.stack([music, 0.7 * music], axis=1), sr)
    loudness = {"name": "normalize_loudness", "target_lufs": target}
    obs = handler.call("apply_audio_effect", {"audio": name, "effects": [loudness]})
    assert obs.ok, obs.content
    out, out_sr = sf.read(handler.session.resolve(obs.files[0]).path, dtype="float64")
    assert out.shape[1] == 2
    assert pyln.Meter(out_sr).integrated_loudness(out) == pytest.approx(target, abs=0.5)
    assert f"→ {target:.1f} LUFS" in obs.content


def _bad_calls() -> list[tuple[str, dict[str, Any], list[str]]]:
    return [
        ("apply_audio_effect", {"effects": [{"name": "flanger"}]}, list(EFFECT_NAMES)),
        ("apply_audio_effect", {"effects": [{"name": "lowpass", "cutoff_hz": 12000}]}, ["8000 Hz", "lowpass"]),
        ("change_pitch", {"semitones": 0}, ["semitones", "changes nothing"]),
        ("change_speed", {"factor": float("nan")}, ["factor", "finite"]),
        ("change_speed", {"factor": 10}, ["factor", "4"]),
    ]


@pytest.mark.parametrize("tool, args, expected", _bad_calls())
def test_bad_requests_become_clear_error_observations(
    handler: TaskHandler, tmp_path: Path, tool: str, args: dict[str, Any], expected: list[str]
) -> None:
    name = upload(handler, tmp_path, tone(440.0, 1.0, SR), SR)
    path = handler.session.resolve(name).path
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    obs: Observation = handler.call(tool, {"audio": name, **args})
    assert not obs.ok and obs.content.startswith("Error:") and obs.files == []
    for word in expected:
        assert word in obs.content, (word, obs.content)
    assert name in obs.content  # the reply lists the session's files
    assert [a.name for a in handler.session.artifacts()] == [name]  # nothing new, input still there
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.mark.slow
def test_faster_speech_keeps_its_words(handler: TaskHandler, shared_data: Path, shared_truth: dict[str, dict]) -> None:
    key = "speech/coqui_LJ001-0001.wav"
    name = handler.session.ingest(shared_data / key, max_upload_mb=10, max_duration_s=60).name
    original = load_audio(shared_data / key)
    obs = handler.call("change_speed", {"audio": name, "factor": 1.25})
    assert obs.ok, obs.content
    assert obs.duration_s == pytest.approx(original.duration_s / 1.25, abs=0.01)
    heard = handler.call("speech_recognition", {"audio": obs.files[0]})
    assert heard.ok and heard.text is not None, heard.content
    assert wer(shared_truth[key]["transcript"], heard.text) < 0.3, heard.text
