"""The adapter contract: cheap to construct, heavy work in ``load()``, typed outputs from ``run()``."""

from __future__ import annotations

import gc
import importlib.util
import logging
import os
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from audiogpt.audio import Audio
from audiogpt.errors import UserError

log = logging.getLogger(__name__)


@dataclass
class Event:
    """Something heard over a span of time (a sound class, or speech for VAD)."""

    label: str
    start_s: float
    end_s: float
    score: float = 1.0


@dataclass
class ModelOutput:
    """What an adapter returns; the task handler turns it into artifacts and an observation."""

    text: str = ""
    audio: list[Audio] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    labels: list[tuple[str, float]] = field(default_factory=list)  # clip-level (label, score)
    info: dict[str, Any] = field(default_factory=dict)  # e.g. detected language, segments
    images: list[bytes] = field(default_factory=list)  # PNG pictures (visualize_audio)
    audio_format: str = "wav"  # container of the audio outputs: wav, flac, mp3, ogg, opus
    audio_subtype: str | None = None  # soundfile subtype, e.g. PCM_24; None = the format's default
    notes: list[str] = field(default_factory=list)  # what the tool changed on its own, said in the reply


class CallCancelled(Exception):
    """Raised inside an adapter when the handler abandoned the call (time limit, user stop)."""


@dataclass
class RunContext:
    """What the handler gives an adapter besides its validated inputs: limits, progress, cancellation.

    The target contract (being migrated to): ``run(self, inputs, ctx)`` where ``inputs`` is the
    tool's validated input model with file fields resolved to :class:`Audio` (lists of them, or a
    path for videos). Long loops call ``ctx.progress(done, total, what)`` and
    ``ctx.check_cancelled()`` so a call past its time limit stops and releases its model.
    """

    max_output_s: float = 1800.0  # the longest audio a tool may produce, seconds
    on_progress: Callable[[int, int, str], None] | None = None  # (done, total, what)
    cancel_event: threading.Event = field(default_factory=threading.Event)

    def progress(self, done: int, total: int, what: str = "") -> None:
        """Report that ``done`` of ``total`` units (diffusion steps, tokens, chunks) are finished."""
        if self.on_progress is not None:
            self.on_progress(done, total, what)

    def check_cancelled(self) -> None:
        """Stop here if the call was abandoned."""
        if self.cancel_event.is_set():
            raise CallCancelled("the call was stopped")


def audio_in(value: object) -> Audio:
    """A resolved audio file field (the handler replaced its name by the decoded :class:`Audio`)."""
    if not isinstance(value, Audio):
        raise TypeError(f"expected decoded Audio in a resolved file field, got {type(value).__name__}")
    return value


def audios_in(value: object) -> list[Audio]:
    """A resolved list-of-audio-files field."""
    if not isinstance(value, list):
        raise TypeError(f"expected a list of decoded Audio, got {type(value).__name__}")
    return [audio_in(v) for v in value]


def resolve_device(device: str = "auto") -> str:
    """``auto`` means CUDA when torch sees a GPU, else CPU; anything else is taken as given."""
    if device != "auto":
        return device
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


class FoundationModel(ABC):
    """One task served by one model. Subclasses set ``task`` and ``default_model``."""

    task: ClassVar[str]
    default_model: ClassVar[str]
    exclusive: ClassVar[bool] = True  # one call at a time (a model); False for stateless DSP tools

    def __init__(self, model: str | None = None, device: str = "auto", **options: Any) -> None:
        self.model_id = model or self.default_model
        self.requested_device = device
        self.device = "unloaded"
        self.options = options
        self.loaded = False

    def load(self) -> None:
        """Import the library and load the weights (idempotent)."""
        if self.loaded:
            return
        self.device = resolve_device(self.requested_device)
        log.info("loading %s for %s on %s", self.model_id, self.task, self.device)
        self._load()
        self.loaded = True

    @abstractmethod
    def _load(self) -> None: ...

    @abstractmethod
    def run(self, inputs: Any, ctx: RunContext) -> ModelOutput:
        """Serve one request: ``inputs`` is the tool's validated input model (``audiogpt.tools``) with
        its file fields resolved to :class:`Audio` (a list of them, or a path for a video); ``ctx``
        carries the output limit, progress and cancellation. Subclasses annotate ``inputs`` with
        their tool's input model."""

    def unload(self) -> None:
        """Drop the weights and give memory back."""
        self._unload()
        self.loaded = False
        self.device = "unloaded"
        gc.collect()
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available():
            torch.cuda.empty_cache()

    def _unload(self) -> None:
        """Release references to the model; subclasses with other attributes override this."""
        for attr in ("model", "pipeline", "session", "voice"):
            if hasattr(self, attr):
                setattr(self, attr, None)

    def describe(self) -> str:
        return f"{type(self).__name__}({self.model_id})"


def cache_root() -> Path:
    """Where derived model files go (unzipped, joined): ``$AUDIOGPT_CACHE_DIR`` or ``~/.cache/audiogpt``."""
    return Path(os.environ.get("AUDIOGPT_CACHE_DIR") or Path.home() / ".cache" / "audiogpt").expanduser()


def package_dir(module: str, install_hint: str) -> Path:
    """The folder of an installed package *without importing it* (``find_spec`` runs no package code)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(install_hint)
    return Path(next(iter(spec.submodule_search_locations)))


def run_with(model: FoundationModel, max_output_s: float = 1800.0, **values: Any) -> ModelOutput:
    """Run an adapter outside the handler (tests, benchmarks): ``values`` are validated by its tool's
    input model, file fields given already resolved (an :class:`Audio`, a list of them, a path)."""
    from audiogpt.tools import get_tool

    inputs = get_tool(model.task).input_model.with_files(**values)
    return model.run(inputs, RunContext(max_output_s=max_output_s))
