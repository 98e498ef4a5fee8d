"""The pool's GPU accounting without a GPU: a fake GPU stands in for torch.cuda's memory figures.

What is checked is the pool's own logic: memory read from the GPU (not RSS), least recently
used models leaving past the budget, a model that alone exceeds the budget refused with a clear
sentence, and an out-of-memory load retried after freeing the others.
"""

from __future__ import annotations

from typing import Any

import pytest

from audiogpt.errors import UserError
from foundation_models import pool as pool_module
from foundation_models.base import FoundationModel, ModelOutput, RunContext
from foundation_models.generation_base import DoesNotFit
from foundation_models.pool import ModelPool

ALLOCATED = {"mb": 0.0}  # the device-wide figure (torch.cuda.mem_get_info)
TENSORS = {"mb": 0.0}  # torch's tensors (torch.cuda.memory_allocated)
CAPACITY_MB = 10_000.0


class FakeGPUModel(FoundationModel):
    """Takes ``size_mb`` of the fake GPU when loaded; refuses to load past its capacity, like CUDA OOM."""

    task = "fake"
    default_model = "fake/model"

    def _load(self) -> None:
        size = float(self.options["size_mb"])
        if ALLOCATED["mb"] + size > CAPACITY_MB:
            raise DoesNotFit("out of GPU memory")
        if not self.options.get("in_cached_blocks"):  # else torch reuses blocks it holds: no new device memory
            ALLOCATED["mb"] += size
        TENSORS["mb"] += size
        self.device = "cuda"

    def _unload(self) -> None:
        if not self.options.get("in_cached_blocks"):
            ALLOCATED["mb"] -= float(self.options["size_mb"])
        TENSORS["mb"] -= float(self.options["size_mb"])

    def run(self, inputs: Any, ctx: RunContext) -> ModelOutput:
        return ModelOutput(text="ok")


@pytest.fixture
def gpu_pool(monkeypatch: pytest.MonkeyPatch) -> Any:
    ALLOCATED["mb"] = TENSORS["mb"] = 0.0
    monkeypatch.setattr(pool_module, "gpu_memory_used_mb", lambda device="cuda": ALLOCATED["mb"])
    monkeypatch.setattr(pool_module, "torch_allocated_mb", lambda device="cuda": TENSORS["mb"])
    monkeypatch.setattr(pool_module, "_rss_mb", lambda: 0.0)  # RSS must not be what is counted

    def make(budget: float, **sizes: float) -> ModelPool:
        specs = {t: {"adapter": "tests.test_pool_gpu:FakeGPUModel", "size_mb": mb} for t, mb in sizes.items()}
        return ModelPool(specs, device="cuda", memory_budget_mb=budget)

    return make


def test_gpu_memory_is_accounted_and_lru_leaves(gpu_pool: Any) -> None:
    pool = gpu_pool(6000, tta=3000, ttm=2000, scene=2500)
    for task in ("tta", "ttm"):
        with pool.use(task):
            pass
    status = {s.task: s for s in pool.status()}
    assert status["tta"].memory_mb == 3000 and status["tta"].memory_source == "cuda"
    with pool.use("scene"):  # 7500 > 6000: the least recently used (tta) leaves the GPU
        pass
    status = {s.task: s for s in pool.status()}
    assert not status["tta"].loaded and status["ttm"].loaded and status["scene"].loaded
    assert ALLOCATED["mb"] == 4500


def test_weights_in_blocks_torch_already_held_are_still_counted(gpu_pool: Any) -> None:
    # seen on an H200: models built and freed earlier in the process left torch's cache full, so the
    # device-wide figure did not move when the pool loaded Stable Audio and the pool said 0 MiB
    pool = ModelPool(
        {"tta": {"adapter": "tests.test_pool_gpu:FakeGPUModel", "size_mb": 2500, "in_cached_blocks": True}},
        device="cuda",
    )
    with pool.use("tta"):
        pass
    assert ALLOCATED["mb"] == 0  # the device saw nothing new
    status = pool.status()[0]
    assert status.memory_mb == 2500 and status.memory_source == "cuda"


def test_a_model_larger_than_the_budget_says_so(gpu_pool: Any) -> None:
    pool = gpu_pool(1000, big=3000, small=500)
    with (
        pytest.raises(UserError, match=r"needs about 3,000 MiB, more than the memory budget of 1,000 MiB"),
        pool.use("big"),
    ):
        pass
    assert ALLOCATED["mb"] == 0  # nothing left behind
    with pool.use("small") as model:  # still serving
        assert model.run(None, RunContext()).text == "ok"


def test_out_of_memory_frees_the_others_and_retries(gpu_pool: Any) -> None:
    pool = gpu_pool(0, a=6000, b=7000)  # no budget: only the device's capacity limits
    with pool.use("a"):
        pass
    with pool.use("b"):  # 13000 > capacity: a is unloaded, b loads on the second try
        pass
    status = {s.task: s for s in pool.status()}
    assert not status["a"].loaded and status["b"].loaded and ALLOCATED["mb"] == 7000
