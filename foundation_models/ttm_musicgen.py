"""Text to music with MusicGen (transformers ``MusicgenForConditionalGeneration`` + ``AutoProcessor``).

32 kHz mono, 50 EnCodec frames a second, CC-BY-NC-4.0 weights. Autoregressive: one decoder step per
frame, plus ``num_codebooks - 1`` steps for the delay pattern, so 10 s is ~503 sequential steps.
Progress and cancellation come from a logits processor that runs once per step.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from audiogpt.tools.text_to_music import TextToMusicInput
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
        with seeded(plan.seed, self.device), torch.inference_mode():
            codes = self.model.generate(
                **batch,
                do_sample=True,
                guidance_scale=guidance,
                max_new_tokens=plan.steps,
                logits_processor=LogitsProcessorList([_StepProgress(ctx, plan.steps, self.unit)]),
            )
        waves = codes.float().cpu().numpy()  # (batch, channels, samples)
        return [fit_length(w.T, round(duration * sr)) for w in waves], sr

    def _unload(self) -> None:
        self.model = self.processor = None


class _StepProgress:
    """A logits processor that only reports: called once per decoding step, before sampling."""

    def __init__(self, ctx: RunContext, total: int, unit: str) -> None:
        self.ctx, self.total, self.unit, self.done = ctx, total, unit, 0

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        self.done += 1
        self.ctx.progress(min(self.done, self.total), self.total, self.unit)
        self.ctx.check_cancelled()
        return scores
