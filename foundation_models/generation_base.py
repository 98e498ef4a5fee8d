"""What the text-to-audio/music/scene adapters share: inputs, checks, seeds, dtype, errors.

An adapter's ``run(inputs, ctx)`` takes any object with the fields below (the tool's validated
pydantic model, or :class:`GenerationRequest` in tests and benchmarks). Several prompts
(``prompts``) and several candidates per prompt (``candidates``) run as ONE batch: the
pipelines cost about the same at batch 4 as at batch 1 on a GPU.
"""

from __future__ import annotations

import logging
import math
import random
from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from audiogpt.audio import Audio
from audiogpt.errors import UserError
from foundation_models import rerank
from foundation_models.base import FoundationModel, ModelOutput, RunContext
from foundation_models.rerank import Ranked
from foundation_models.weights import is_hub_id, locate

log = logging.getLogger(__name__)

MAX_PROMPT_CHARS = 2000  # far beyond any text encoder's window (T5: 128-512 tokens); longer is a mistake
MAX_BATCH = 16  # prompts × candidates in one call
SEED_RANGE = 2**31 - 1


@dataclass
class GenerationRequest:
    """The inputs a generation adapter reads (the tools' input models carry the same names)."""

    prompt: str = ""
    prompts: list[str] = field(default_factory=list)  # several prompts in one batch (overrides prompt)
    duration_s: float | None = None
    negative_prompt: str | None = None
    seed: int | None = None
    steps: int | None = None
    preset: str | None = None  # fast | default | quality
    candidates: int = 1  # waveforms per prompt
    # a scene's parts (generate_audio_scene): the caption is its prompt
    caption: str | None = None
    speech: str | None = None
    transcript: str | None = None
    sfx: str | None = None
    music: str | None = None
    env: str | None = None


@dataclass
class Plan:
    """One call, checked: what the adapter's ``_generate`` receives."""

    prompts: list[str]
    per_prompt: int
    duration_s: float | None
    negative_prompt: str | None
    seed: int
    steps: int
    extra: dict[str, Any] = field(default_factory=dict)  # more provenance (scheduler, tokens, …)
    notes: list[str] = field(default_factory=list)  # said in the reply (e.g. a length not applied)


class DoesNotFit(UserError):
    """A model that cannot be loaded in the memory left (the pool frees others and retries once)."""


class GenerationModel(FoundationModel):
    """A hub generator: weights via :func:`locate`, fp16/bf16 on CUDA, fp32 on CPU, batched, seeded."""

    max_duration_s: ClassVar[float | None] = None  # the model's longest clip; None = it picks its length
    default_duration_s: ClassVar[float] = 10.0
    presets: ClassVar[dict[str, int]] = {}  # preset -> steps ("steps" = tokens for autoregressive models)
    unit: ClassVar[str] = "diffusion step"
    ranks_candidates: ClassVar[str | None] = None  # how the model itself orders several clips, if it does

    def __init__(self, model: str | None = None, device: str = "auto", **options: Any) -> None:
        self.auto_download = bool(options.pop("auto_download", False))
        self.dtype_name = str(options.pop("dtype", "auto"))  # auto | float16 | bfloat16 | float32
        # the CLAP checkpoint that orders several candidates (models.<task>.rank_with); loaded on first use
        self.rank_with: str | None = options.pop("rank_with", None) or None
        self.ranker: Any = None  # the shared Clap (foundation_models.clap.load_clap) once loaded
        super().__init__(model=model, device=device, **options)

    # ---------------------------------------------------------------- loading
    def model_name(self) -> str:
        """How to name the model to a user: its hub id, or only the folder's name (no server paths)."""
        return self.model_id if is_hub_id(self.model_id) else f"in folder {Path(self.model_id).name!r}"

    def weights_dir(self) -> str:
        """The folder to load from (raises WeightsMissing with the pull command when absent)."""
        return locate(self.model_id, self.task, auto_download=self.auto_download)

    def torch_dtype(self) -> Any:
        import torch

        if self.dtype_name != "auto":
            return getattr(torch, self.dtype_name)
        # Half precision halves memory and time on a GPU; CPUs are slow or lossy in it.
        return torch.float16 if self.device.startswith("cuda") else torch.float32

    def load(self) -> None:
        """Load, turning library failures into one sentence (details go to the log)."""
        if self.loaded:
            return
        try:
            super().load()
        except UserError:
            raise
        except Exception as exc:
            log.exception("loading %s for %s failed", self.model_id, self.task)
            self.device = "unloaded"
            if _is_oom(exc):
                _empty_cuda_cache()
                raise DoesNotFit(
                    f"The {self.task} model {self.model_name()} does not fit in the GPU's free memory; "
                    "free memory (other models unload past limits.memory_budget_mb) or use a smaller model"
                ) from None
            fix = (
                f"Fetch it again with: audiogpt models pull {self.task}"
                if is_hub_id(self.model_id)
                else "Check that the folder holds every file of the checkpoint"
            )
            raise UserError(
                f"The {self.task} model {self.model_name()} could not be loaded: a file of the checkpoint is "
                f"missing or damaged. {fix}"
            ) from None

    # ---------------------------------------------------------------- running
    def plan(self, inputs: Any) -> Plan:
        """Check the request against this model (bad input → one clear sentence) and fix seed and steps."""
        prompts = list(getattr(inputs, "prompts", None) or [getattr(inputs, "prompt", "")])
        for text in prompts:
            if not str(text).strip():
                raise UserError("The description is empty; say what the sound should be")
            if len(text) > MAX_PROMPT_CHARS:
                raise UserError(
                    f"The description is {len(text):,} characters long; keep it under {MAX_PROMPT_CHARS:,} "
                    "(a sentence or two works best)"
                )
        per_prompt = int(getattr(inputs, "candidates", 1) or 1)
        if per_prompt < 1 or per_prompt * len(prompts) > MAX_BATCH:
            raise UserError(f"Ask for between 1 and {MAX_BATCH} clips in one request")
        duration = getattr(inputs, "duration_s", None)
        if duration is not None:
            duration = float(duration)
            if not math.isfinite(duration) or duration <= 0:
                raise UserError(f"The length must be a positive number of seconds, not {duration}")
            if self.max_duration_s is not None and duration > self.max_duration_s:
                raise UserError(
                    f"The {self.task} model makes at most {self.max_duration_s:g} seconds per clip; "
                    f"ask for {self.max_duration_s:g} s or less (you asked for {duration:g} s)"
                )
        seed = getattr(inputs, "seed", None)
        seed = random.randrange(SEED_RANGE) if seed is None else int(seed) % SEED_RANGE
        return Plan(
            prompts=[str(p).strip() for p in prompts],
            per_prompt=per_prompt,
            duration_s=duration,
            negative_prompt=getattr(inputs, "negative_prompt", None) or None,
            seed=seed,
            steps=self.steps_for(getattr(inputs, "steps", None), getattr(inputs, "preset", None)),
        )

    def steps_for(self, steps: int | None, preset: str | None) -> int:
        if steps is not None:
            if int(steps) < 1 or int(steps) > 1000:
                raise UserError(f"steps must be between 1 and 1000, not {steps}")
            return int(steps)
        preset = preset or "default"
        if preset not in self.presets:
            raise UserError(f"Unknown quality preset {preset!r}; choose one of {', '.join(self.presets)}")
        return self.presets[preset]

    def generate(self, inputs: Any, ctx: RunContext | None = None) -> ModelOutput:
        """Generate ``candidates`` clips for each prompt in one batch; provenance in ``info``.

        Subclasses' ``run(inputs, ctx)`` (typed with their tool's input model) call this.
        """
        ctx = ctx or RunContext()
        plan = self.plan(inputs)
        if plan.duration_s is not None and plan.duration_s > ctx.max_output_s:
            raise UserError(f"Clips may be at most {ctx.max_output_s:g} s long here")
        self.load()
        try:
            waves, sample_rate = self._generate(plan, ctx)
        except UserError:
            raise
        except Exception as exc:
            if not _is_oom(exc):
                raise
            log.warning("out of GPU memory in %s: %s", self.task, exc)
            _empty_cuda_cache()
            raise UserError(
                f"The GPU ran out of memory making {len(plan.prompts) * plan.per_prompt} clip(s); "
                "ask for fewer or shorter clips"
            ) from None
        audio = [Audio(np.ascontiguousarray(w, dtype=np.float32), sample_rate) for w in waves]
        info = {"model": self.model_id, "seed": plan.seed, "steps": plan.steps, "prompts": plan.prompts}
        if plan.negative_prompt:
            info["negative_prompt"] = plan.negative_prompt
        info.update(plan.extra)
        if plan.per_prompt > 1:
            ranked = self.rank(plan, audio)
            audio, info["ranking"], info["candidates"] = ranked.audio, ranked.ranking, ranked.candidates
            plan.notes += ranked.notes
        return ModelOutput(audio=audio, info=info, notes=plan.notes)

    def rank(self, plan: Plan, audio: list[Audio]) -> Ranked:
        """Several candidates per prompt, best first: by the model's own ranking, else by CLAP when its
        weights are here, else in the order made (and the reply says why)."""
        args = (plan.prompts, plan.per_prompt, audio)
        if self.ranks_candidates:
            return rerank.by_model(self.ranks_candidates, *args)
        if self.ranker is None:
            self.ranker, why_not = rerank.load_ranker(self.rank_with, self.device, self.task, self.auto_download)
            if self.ranker is None:
                return rerank.unranked(why_not, *args)
        try:
            name = str(self.rank_with) if is_hub_id(str(self.rank_with)) else f"folder {Path(str(self.rank_with)).name}"
            return rerank.by_clap(self.ranker, name, *args)  # a folder by its name only: never a server path
        except Exception:  # the clips are made: keep them all, unranked, rather than lose them
            log.exception("ranking %s candidates with CLAP failed", self.task)
            return rerank.unranked("scoring them with CLAP failed (see the log)", *args)

    def unload(self) -> None:
        """Drop the weights, and this model's hold on the shared CLAP (freed with its last user)."""
        self.ranker = None
        super().unload()

    @abstractmethod
    def _generate(self, plan: Plan, ctx: RunContext) -> tuple[list[np.ndarray], int]:
        """Run the model; returns (frames,) or (frames, channels) arrays in prompt-major order, and the rate."""

    # ---------------------------------------------------------------- helpers for subclasses
    def generators(self, seed: int, count: int) -> list[Any]:
        """One generator per output on the model's device (seed, seed+1, …): clip i is reproducible alone."""
        import torch

        device = "cpu" if self.device.startswith("mps") else self.device
        return [torch.Generator(device=device).manual_seed(seed + i) for i in range(count)]

    def diffusers_arguments(self, plan: Plan, ctx: RunContext) -> dict[str, Any]:
        """What every diffusers text-to-audio pipeline call here shares: the prompts' negative prompt, the
        steps, the versions per prompt, one seeded generator per output, and progress per step."""
        count = len(plan.prompts) * plan.per_prompt
        return {
            "negative_prompt": [plan.negative_prompt] * len(plan.prompts) if plan.negative_prompt else None,
            "num_inference_steps": plan.steps,
            "num_waveforms_per_prompt": plan.per_prompt,
            "generator": self.generators(plan.seed, count),
            "callback": self.step_callback(ctx, plan.steps),
            "callback_steps": 1,
        }

    def step_callback(self, ctx: RunContext, total: int) -> Any:
        """A diffusers ``callback(step, timestep, latents)``: progress and cancellation once per step."""

        done = [0]

        def callback(_step: int, _timestep: Any, _latents: Any) -> None:
            done[0] += 1  # counted here: second-order schedulers report the same step index twice
            ctx.progress(min(done[0], total), total, self.unit)
            ctx.check_cancelled()

        return callback


@contextmanager
def seeded(seed: int, device: str) -> Iterator[None]:
    """Seed torch's global RNG for code that has no generator argument, restoring it afterwards."""
    import torch

    devices = [torch.device(device).index or 0] if device.startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def fit_length(wave: np.ndarray, frames: int) -> np.ndarray:
    """Crop (or zero-pad at the end) to exactly ``frames`` samples along the first axis."""
    if wave.shape[0] >= frames:
        return wave[:frames]
    pad = [(0, frames - wave.shape[0])] + [(0, 0)] * (wave.ndim - 1)
    return np.pad(wave, pad)


def _is_oom(exc: BaseException) -> bool:
    import sys

    torch = sys.modules.get("torch")
    oom = getattr(getattr(torch, "cuda", None), "OutOfMemoryError", None) if torch else None
    return (oom is not None and isinstance(exc, oom)) or "out of memory" in str(exc).lower()


def _empty_cuda_cache() -> None:
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
