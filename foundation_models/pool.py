"""ModelPool: one adapter per task, preloaded or lazy, resident, one lock per model, LRU budget.

In-process today; the same interface can front a remote backend (e.g. one Ray Serve deployment
per model) because adapters hold no global state.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from audiogpt.errors import UserError
from foundation_models import adapter_class
from foundation_models.base import FoundationModel, resolve_device
from foundation_models.devices import gpu_memory_used_mb, torch_allocated_mb
from foundation_models.generation_base import DoesNotFit

log = logging.getLogger(__name__)


@dataclass
class ModelStatus:
    """What the pool reports per task (health checks, `audiogpt models`, the UI)."""

    task: str
    adapter: str
    model: str
    loaded: bool
    device: str
    memory_mb: float | None
    load_s: float | None
    last_used: float | None
    error: str | None = None
    device_note: str | None = None  # why it runs where it does, when not where asked (e.g. a CUDA failure)
    device_error: str | None = None  # the error behind a fallback to the CPU (operators; never shown in chat)
    gpu_memory_mb: float | None = None  # GPU memory taken by loading it (device-wide reading), on CUDA only
    memory_source: str = "rss"  # how memory_mb was measured: "cuda" (GPU memory in use, device-wide) or "rss"


class ModelPool:
    """Serves each configured task with its adapter; the only way the agent reaches a model."""

    def __init__(self, models: dict[str, dict[str, Any]], device: str = "auto", memory_budget_mb: float = 0):
        self._specs = {task: dict(spec) for task, spec in models.items()}
        self._device = device
        self._budget_mb = memory_budget_mb
        self._adapters: dict[str, FoundationModel] = {}
        self._locks: dict[str, threading.Lock] = {task: threading.Lock() for task in models}
        self._load_s: dict[str, float] = {}
        self._memory_mb: dict[str, float] = {}
        self._on_gpu: set[str] = set()  # tasks whose memory_mb is GPU memory
        self._last_used: dict[str, float] = {}
        self._errors: dict[str, str] = {}
        self._guard = threading.Lock()

    @property
    def tasks(self) -> list[str]:
        return list(self._specs)

    def adapter(self, task: str) -> FoundationModel:
        """The (possibly unloaded) adapter serving ``task``; constructing it is cheap."""
        if task not in self._specs:
            raise UserError(f"no model is configured for {task}; configured tasks = {sorted(self._specs)}")
        with self._guard:
            if task not in self._adapters:
                spec = dict(self._specs[task])
                cls = adapter_class(spec.pop("adapter"))
                device = spec.pop("device", self._device)
                self._adapters[task] = cls(model=spec.pop("model", None), device=device, **spec)
            return self._adapters[task]

    @contextmanager
    def use(self, task: str) -> Iterator[FoundationModel]:
        """Hold ``task``'s lock with its model loaded (loading it first if needed)."""
        model = self.adapter(task)
        with self._locks[task]:
            if not model.loaded:
                self._load_locked(task, model)
            self._last_used[task] = time.time()
            if model.exclusive:
                yield model
        if not model.exclusive:  # stateless DSP: calls run side by side
            yield model
        self._enforce_budget(keep=task)

    def _load_locked(self, task: str, model: FoundationModel) -> None:
        before = _rss_mb()
        gpu_before = _gpu_reading(resolve_device(model.requested_device))
        start = time.perf_counter()
        try:
            try:
                model.load()
            except DoesNotFit:  # free the GPU of the others (least recently used first) and try once more
                if not self._evict_all_but(task):
                    raise
                gpu_before = _gpu_reading(resolve_device(model.requested_device))
                model.load()
        except Exception as exc:
            self._errors[task] = f"{type(exc).__name__}: {exc}"
            raise
        self._errors.pop(task, None)
        self._load_s[task] = time.perf_counter() - start
        if model.device_note:
            log.warning("%s: %s", task, model.device_note)
        gpu_after = _gpu_reading(model.device)
        if model.device.startswith("cuda") and gpu_before is not None and gpu_after is not None:
            # GPU weights do not show in the process RSS: the device's own figure (device-wide, so
            # ctranslate2 and ONNX Runtime count as well as torch), or torch's tensors when more
            # (weights placed in blocks torch's allocator already held take no new device memory)
            self._memory_mb[task] = max(0.0, *(a - b for a, b in zip(gpu_after, gpu_before, strict=True)))
            self._on_gpu.add(task)
        else:
            self._memory_mb[task] = max(0.0, _rss_mb() - before)
            self._on_gpu.discard(task)
        log.info("%s loaded on %s in %.1f s (%.0f MiB)", task, model.device, self._load_s[task], self._memory_mb[task])
        if self._budget_mb > 0 and task in self._on_gpu and self._memory_mb[task] > self._budget_mb:
            need = self._memory_mb[task]
            model.unload()
            self._memory_mb.pop(task, None)
            raise DoesNotFit(
                f"The {task} model needs about {need:,.0f} MiB, more than the memory budget of "
                f"{self._budget_mb:,.0f} MiB (limits.memory_budget_mb); raise the budget or use a smaller model"
            )

    def _evict_all_but(self, task: str) -> bool:
        """Unload every other loaded model, least recently used first; False when there was none."""
        others = sorted(
            (t for t, m in self._adapters.items() if m.loaded and t != task and not self._locks[t].locked()),
            key=lambda t: self._last_used.get(t, 0.0),
        )
        for other in others:
            self.unload(other)
        return bool(others)

    def preload(self, tasks: Iterable[str]) -> dict[str, str]:
        """Load ``tasks`` now (the resident set); returns task → error for those that failed."""
        failed: dict[str, str] = {}
        for task in tasks:
            try:
                with self.use(task):
                    pass
            except Exception as exc:  # a broken model must not stop the agent from serving others
                log.warning("could not preload %s: %s", task, exc)
                failed[task] = str(exc)
        return failed

    def unload(self, task: str) -> None:
        model = self._adapters.get(task)
        if model is None or not model.loaded:
            return
        with self._locks[task]:
            model.unload()
            self._memory_mb.pop(task, None)
            self._on_gpu.discard(task)
            log.info("unloaded %s", task)

    def _enforce_budget(self, keep: str) -> None:
        if self._budget_mb <= 0:
            return
        # GPU and CPU memory are separate pools: count the models that live where ``keep`` lives
        on_gpu = keep in self._on_gpu
        loaded = [t for t, m in self._adapters.items() if m.loaded and (t in self._on_gpu) == on_gpu]
        while sum(self._memory_mb.get(t, 0.0) for t in loaded) > self._budget_mb and len(loaded) > 1:
            victim = min((t for t in loaded if t != keep), key=lambda t: self._last_used.get(t, 0.0))
            self.unload(victim)
            loaded.remove(victim)

    def status(self) -> list[ModelStatus]:
        out = []
        for task, spec in self._specs.items():
            model = self._adapters.get(task)
            out.append(
                ModelStatus(
                    task=task,
                    adapter=str(spec.get("adapter")),
                    model=model.model_id if model else str(spec.get("model", "default")),
                    loaded=bool(model and model.loaded),
                    device=model.device if model else "unloaded",
                    memory_mb=self._memory_mb.get(task),
                    load_s=self._load_s.get(task),
                    last_used=self._last_used.get(task),
                    error=self._errors.get(task),
                    device_note=model.device_note if model else None,
                    device_error=model.device_error if model else None,
                    gpu_memory_mb=self._memory_mb.get(task) if task in self._on_gpu else None,
                    memory_source="cuda" if task in self._on_gpu else "rss",
                )
            )
        return out


def _gpu_reading(device: str) -> tuple[float, float] | None:
    """(device-wide MiB in use, torch's tensors MiB) on a CUDA device; None elsewhere."""
    used = gpu_memory_used_mb(device)
    return None if used is None else (used, torch_allocated_mb(device) or 0.0)


def _rss_mb() -> float:
    """Resident memory of this process in MiB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
