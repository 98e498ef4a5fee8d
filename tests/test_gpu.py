"""On a CUDA machine (marker `gpu`, excluded by default; bench/gpu_check.py runs them): every embedded
model asked for CUDA either runs there and passes its probe, or says why it is on the CPU."""

from __future__ import annotations

import pytest

from audiogpt.config import load_settings
from audiogpt.handler import TaskHandler
from audiogpt.metrics import wer
from audiogpt.session import SessionStore
from foundation_models.pool import ModelPool

pytestmark = pytest.mark.gpu
EMBEDDED = ("speech_recognition", "speech_translation", "text_to_speech", "speech_enhancement",
            "voice_activity_detection", "sound_event_detection")  # fmt: skip


@pytest.fixture(scope="module")
def cuda_pool() -> ModelPool:
    torch = pytest.importorskip("torch")
    assert torch.cuda.is_available(), "the gpu marker is for machines with CUDA"
    models = load_settings().models
    return ModelPool({t: models[t] for t in EMBEDDED}, device="cuda")


@pytest.mark.parametrize("task", EMBEDDED)
def test_each_embedded_model_runs_on_cuda_or_says_why_not(cuda_pool: ModelPool, task: str) -> None:
    with cuda_pool.use(task) as model:
        assert model.probe()
    status = next(s for s in cuda_pool.status() if s.task == task)
    assert status.device == "cuda" or status.device_note, f"{task} is on {status.device} with no reason"
    if status.device == "cuda":
        assert status.device_note is None


def test_faster_whisper_runs_on_cuda_with_the_gpu_extra(cuda_pool: ModelPool) -> None:
    import ctranslate2

    assert ctranslate2.get_cuda_device_count() > 0
    with cuda_pool.use("speech_recognition") as model:
        assert model.device == "cuda", model.device_note


def test_speech_round_trip_on_the_gpu(cuda_pool: ModelPool, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(workspace=tmp_path)
    handler = TaskHandler(SessionStore(tmp_path).create(), cuda_pool, settings.limits)
    spoken = handler.call("text_to_speech", {"text": "Please call Stella and ask her to bring these things."})
    assert spoken.ok, spoken.error
    heard = handler.call("speech_recognition", {"audio": spoken.files[0]})
    assert heard.ok and heard.text is not None
    assert wer("please call stella and ask her to bring these things", heard.text) < 0.2, heard.text
