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

from audiogpt.audio import DEFAULT_DECODE_LIMITS, Audio, DecodeLimits
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
    decode_limits: DecodeLimits = DEFAULT_DECODE_LIMITS  # for a file the adapter decodes itself (a video)
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


# What a GPU driver leaves on Linux: NVIDIA (inside containers too), AMD ROCm, WSL's GPU bridge.
_GPU_DRIVER_FILES = ("/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/kfd", "/dev/dxg")


def _no_gpu_driver() -> bool:
    """A Linux machine without any GPU driver, where torch cannot see CUDA: no need to import
    torch (~1 s) only to ask — a one-shot CPU turn (Piper speaking) never needs it otherwise."""
    return sys.platform == "linux" and not any(os.path.exists(p) for p in _GPU_DRIVER_FILES)


def resolve_device(device: str = "auto") -> str:
    """``auto`` means CUDA when torch sees a GPU, else CPU; anything else is taken as given."""
    if device != "auto":
        return device
    if "torch" not in sys.modules and _no_gpu_driver():
        return "cpu"
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
        self.device_note: str | None = None  # why the model runs where it does, when not where asked
        self.device_error: str | None = None  # the error that moved it to the CPU (for operators, logs)

    def load(self) -> None:
        """Import the library and load the weights (idempotent), on the asked device or else the CPU.

        Off the CPU, the adapter's probe (one tiny real computation) runs right after loading: a
        missing CUDA library, a GPU without kernels for it or too little memory shows up here, and
        the model is loaded on the CPU instead, with the reason kept in ``device_note``. On the CPU
        there is nowhere to fall back to, so the probe is left to ``audiogpt doctor``.
        """
        if self.loaded:
            return
        wanted = resolve_device(self.requested_device)
        self.device, self.device_note, self.device_error = wanted, None, None
        log.info("loading %s for %s on %s", self.model_id, self.task, wanted)
        try:
            self._load()
            if self.device != "cpu":
                self._probe()
        except UserError:
            raise  # a missing package or model fails the same on every device
        except Exception as exc:
            if wanted == "cpu":
                raise
            self._fall_back_to_cpu(wanted, exc)
        self.loaded = True

    def _fall_back_to_cpu(self, wanted: str, exc: Exception) -> None:
        from foundation_models.devices import DeviceUnavailable

        detail = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"[:300]
        log.warning("%s could not run on %s (%s); loading it on the CPU", self.task, wanted, detail)
        self._release()
        self.device = "cpu"
        self._load()
        if isinstance(exc, DeviceUnavailable):
            self.device_note = f"not on {wanted}: {exc}"
        else:
            self.device_note = f"{wanted} failed its check at load ({type(exc).__name__}); running on the CPU"
        self.device_error = detail

    def run_on_cpu(self, reason: str) -> None:
        """For ``_load``: run on the CPU; when another device was asked, ``reason`` is kept as the note."""
        if self.device != "cpu":
            self.device_note = f"on the CPU: {reason}"
            self.device = "cpu"

    def probe(self) -> bool:
        """Run the adapter's tiny real computation on the loaded model; False when it has none."""
        if not self.has_probe:
            return False
        self.load()
        self._probe()
        return True

    @property
    def has_probe(self) -> bool:
        """Whether the adapter defines a probe (DSP tools do not)."""
        return type(self)._probe is not FoundationModel._probe

    def _probe(self) -> None:  # noqa: B027 (optional hook: DSP tools have no probe)
        """One tiny real computation on ``self.device`` that raises if the device cannot serve the model.

        Adapters override this: e.g. a second of quiet noise through the recognizer, one frame
        through the enhancer. Errors raised on the GPU surface here, not in a user's first request.
        """

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
        self._release()
        self.loaded = False
        self.device = "unloaded"
        self.device_note = self.device_error = None

    def _release(self) -> None:
        self._unload()
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
