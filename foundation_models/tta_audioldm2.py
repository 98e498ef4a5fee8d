"""Text to audio with AudioLDM 2 (diffusers ``AudioLDM2Pipeline``): 16 kHz mono, CC-BY-NC-SA weights.

On transformers 5 the plain pipeline load fails (its GPT-2 is stored as ``GPT2Model``, which lacks
the generation helpers the pipeline calls), so the language model is loaded as ``GPT2LMHeadModel``
from the ``language_model`` subfolder and handed in. Up to 50 steps run DPM++ (multistep DPM-Solver);
more run the checkpoint's own DDIM scheduler (the model card's 200 steps).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import numpy as np

from audiogpt.errors import UserError
from audiogpt.tools.text_to_audio import TextToAudioInput
from foundation_models.base import ModelOutput, RunContext
from foundation_models.generation_base import GenerationModel, Plan, fit_length

log = logging.getLogger(__name__)

DPM_MAX_STEPS = 50  # DPM++ converges in ~20 steps; past 50 the original DDIM sampler is used


class AudioLDM2TTA(GenerationModel):
    """Sound effects and ambience from a description."""

    task = "text_to_audio"
    default_model = "cvssp/audioldm2"
    max_duration_s = 30.0  # trained on 10 s clips; longer ones drift, far longer ones exhaust memory
    # with several waveforms per prompt the pipeline sorts them by its own CLAP text encoder's score
    ranks_candidates = "AudioLDM 2's own CLAP text-audio score"
    presets: ClassVar[dict[str, int]] = {"fast": 20, "default": 200, "quality": 400}

    def run(self, inputs: TextToAudioInput, ctx: RunContext | None = None) -> ModelOutput:
        """Generate from the validated tool input (or any object with the same fields)."""
        return self.generate(inputs, ctx)

    def _load(self) -> None:
        from diffusers import AudioLDM2Pipeline, DPMSolverMultistepScheduler
        from transformers import GPT2LMHeadModel

        path, dtype = self.weights_dir(), self.torch_dtype()
        lm = GPT2LMHeadModel.from_pretrained(path, subfolder="language_model", dtype=dtype, local_files_only=True)
        pipe = AudioLDM2Pipeline.from_pretrained(path, language_model=lm, torch_dtype=dtype, local_files_only=True)
        pipe.set_progress_bar_config(disable=True)
        self.pipeline = pipe.to(self.device)
        self.ddim = pipe.scheduler
        self.dpm = DPMSolverMultistepScheduler.from_config(self.ddim.config)

    def _generate(self, plan: Plan, ctx: RunContext) -> tuple[list[np.ndarray], int]:
        import torch

        duration = plan.duration_s or self.default_duration_s
        self.pipeline.scheduler = self.dpm if plan.steps <= DPM_MAX_STEPS else self.ddim
        plan.extra["scheduler"] = type(self.pipeline.scheduler).__name__
        try:
            with torch.inference_mode():
                out: Any = self.pipeline(
                    plan.prompts, audio_length_in_s=duration, output_type="np", **self.diffusers_arguments(plan, ctx)
                )
        except ValueError as exc:  # e.g. a length the VAE cannot tile; the library's words stay in the log
            log.info("AudioLDM 2 refused %g s: %s", duration, exc)
            raise UserError(f"AudioLDM 2 cannot make a clip of {duration:g} s; try a whole number of seconds") from None
        sr = int(self.pipeline.vocoder.config.sampling_rate)
        frames = round(duration * sr)
        return [fit_length(np.asarray(w), frames) for w in out.audios], sr

    def _unload(self) -> None:
        self.pipeline = self.ddim = self.dpm = None
