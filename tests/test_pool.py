"""ModelPool: lazy loading, preload failures reported not raised, per-task status, LRU budget, device."""

from __future__ import annotations

import pytest

from audiogpt.config import load_settings
from audiogpt.errors import UserError
from foundation_models.pool import ModelPool


def test_lazy_preload_status_and_lru_budget() -> None:
    models = load_settings().models
    pool = ModelPool(
        {"voice_activity_detection": models["voice_activity_detection"],
         "sound_event_detection": models["sound_event_detection"]},
        device="cpu", memory_budget_mb=1e-6,
    )  # fmt: skip
    assert not any(s.loaded for s in pool.status())  # constructing loads nothing
    failed = pool.preload(["voice_activity_detection"])
    assert failed == {}
    status = {s.task: s for s in pool.status()}
    assert status["voice_activity_detection"].loaded and status["voice_activity_detection"].device == "cpu"
    assert status["voice_activity_detection"].load_s is not None
    with pool.use("sound_event_detection"):
        pass
    status = {s.task: s for s in pool.status()}
    # a budget this small keeps only the model used last
    assert status["sound_event_detection"].loaded and not status["voice_activity_detection"].loaded
    with pytest.raises(UserError, match="no model is configured for text_to_music"):
        pool.adapter("text_to_music")


def test_unknown_adapter_names_the_available_ones() -> None:
    pool = ModelPool({"speech_recognition": {"adapter": "whisperx"}})
    with pytest.raises(UserError, match="available adapters"):
        pool.adapter("speech_recognition")
    assert pool.preload(["speech_recognition"])["speech_recognition"]


@pytest.mark.gpu
def test_models_load_on_cuda_when_there_is_one() -> None:
    torch = pytest.importorskip("torch")
    assert torch.cuda.is_available(), "the gpu marker is for machines with CUDA"
    pool = ModelPool(load_settings().models, device="auto")
    with pool.use("speech_recognition") as model:
        assert model.device == "cuda"
    with pool.use("speech_enhancement") as model:
        assert model.device == "cpu" and model.device_note  # CPU-only runtimes say where they run and why
