"""Text to music with MusicGen (transformers ``MusicgenForConditionalGeneration`` + ``AutoProcessor``).

32 kHz mono, 50 EnCodec frames a second, CC-BY-NC-4.0 weights. Autoregressive: one decoder step per
frame, plus ``num_codebooks - 1`` steps for the delay pattern, so 10 s is ~503 sequential steps.
The steps run over a static key/value cache, one CUDA graph replay each on a GPU
(``musicgen_static``: the same codes as ``generate``, several times faster); option
``static_decoding: false`` goes back to ``generate``. Progress and cancellation are checked every step.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from audiogpt.tools.text_to_music import TextToMusicInput
from foundation_models import musicgen_static
from foundation_models.base import ModelOutput, RunContext
from foundation_models.generation_base import GenerationModel, Plan, fit_length, seeded


class MusicGenTTM(GenerationModel):
    """Music from a description."""

    task = "text_to_music"
    default_model = "facebook/musicgen-small"
    max_duration_s = 30.0  # trained on 30 s excerpts
    presets: ClassVar[dict[str, int]] = {"default": 0}  # steps follow from the duration (one per frame)
    unit = "token"

    def run(self, inputs: TextToMusicInput, ctx: RunContext | None = None) -> ModelOutput:
        """Generate from the validated tool input (or any object with the same fields)."""
        return self.generate(inputs, ctx)

    def _load(self) -> None:
        from transformers import AutoProcessor, MusicgenForConditionalGeneration

        path = self.weights_dir()
        self.processor = AutoProcessor.from_pretrained(path, local_files_only=True)
        model = MusicgenForConditionalGeneration.from_pretrained(path, dtype=self.torch_dtype(), local_files_only=True)
        self.model = model.to(self.device).eval()  # type: ignore[arg-type]  # transformers' .to stub is too narrow
        self.static: Any = None  # the static decoder (and CUDA graph) of the last batch shape, reused

    def _generate(self, plan: Plan, ctx: RunContext) -> tuple[list[np.ndarray], int]:
        import torch
        from transformers import LogitsProcessorList

        cfg = self.model.config
        sr = int(cfg.audio_encoder.sampling_rate)
        duration = plan.duration_s or self.default_duration_s
        frames = max(1, round(duration * cfg.audio_encoder.frame_rate))
        plan.steps = frames + cfg.decoder.num_codebooks - 1  # the delay pattern costs num_codebooks - 1 steps
        texts = [p for p in plan.prompts for _ in range(plan.per_prompt)]
        batch = self.processor(text=texts, padding=True, return_tensors="pt").to(self.device)
        guidance = float(self.options.get("guidance_scale", 3.0))
        plan.extra["guidance_scale"] = guidance
        progress = _StepProgress(ctx, plan.steps, self.unit)
        with seeded(plan.seed, self.device), torch.inference_mode():
            if self.options.get("static_decoding", True):
                _, audio, self.static = musicgen_static.generate(
                    self.model, batch, plan.steps, guidance, on_step=progress.step, reuse=self.static
                )
                plan.extra["decoding"] = "static cache, CUDA graph" if self.static.graph else "static cache"
            else:
                audio = self.model.generate(
                    **batch,
                    do_sample=True,
                    guidance_scale=guidance,
                    max_new_tokens=plan.steps,
                    logits_processor=LogitsProcessorList([progress]),
                )
                plan.extra["decoding"] = "transformers generate"
        waves = audio.float().cpu().numpy()  # (batch, channels, samples)
        return [fit_length(w.T, round(duration * sr)) for w in waves], sr

    def _unload(self) -> None:
        self.model = self.processor = self.static = None


class _StepProgress:
    """Reports each decoding step and stops on cancellation; also a logits processor (for ``generate``)."""

    def __init__(self, ctx: RunContext, total: int, unit: str) -> None:
        self.ctx, self.total, self.unit, self.done = ctx, total, unit, 0

    def step(self, done: int) -> None:
        self.done = done
        self.ctx.progress(min(done, self.total), self.total, self.unit)
        self.ctx.check_cancelled()

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        self.step(self.done + 1)
        return scores
