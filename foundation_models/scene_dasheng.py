"""Whole audio scenes with Dasheng-AudioGen (``AutoModel`` with ``trust_remote_code``), Apache-2.0.

One pass from structured parts: ``compose_prompt(caption, speech, asr, sfx, music, env)`` then
``generate(prompts, num_steps, guidance_scale)``; 16 kHz; it predicts its own length (no duration
argument). Its remote code (run from the checkpoint folder, hence ``trust_remote_code``) imports
torchaudio and loads ``google/flan-t5-large`` and ``mispeech/dashengtokenizer`` by name;
``audiogpt models pull generate_audio_scene`` fetches all three.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np

from audiogpt.tools.generate_audio_scene import GenerateAudioSceneInput
from foundation_models.base import ModelOutput, RunContext
from foundation_models.generation_base import GenerationModel, Plan, seeded

SCENE_PARTS = {"speech": "speech", "transcript": "asr", "sfx": "sfx", "music": "music", "env": "env"}
DEFAULT_SAMPLE_RATE = 16000


class DashengAudioGenScene(GenerationModel):
    """A scene (speech, effects, music, ambience) from a caption and optional parts."""

    task = "generate_audio_scene"
    default_model = "mispeech/Dasheng-AudioGen"
    presets: ClassVar[dict[str, int]] = {"fast": 10, "default": 25, "quality": 50}

    def run(self, inputs: GenerateAudioSceneInput, ctx: RunContext | None = None) -> ModelOutput:
        """Generate from the validated tool input (or any object with the same fields)."""
        return self.generate(inputs, ctx)

    def _load(self) -> None:
        from transformers import AutoModel

        model = AutoModel.from_pretrained(
            self.weights_dir(), trust_remote_code=True, dtype=self.torch_dtype(), local_files_only=True
        )
        self.model = model.to(self.device).eval()

    def plan(self, inputs: Any) -> Plan:
        """The caption is the prompt; the other parts are composed in by the model's own template."""
        plan = super().plan(_CaptionAsPrompt(inputs))
        parts = {key: getattr(inputs, name, None) for name, key in SCENE_PARTS.items()}
        plan.prompts = [self.compose(plan.prompts[0], parts)] * len(plan.prompts)
        plan.extra["scene"] = {k: v for k, v in parts.items() if v}
        if getattr(inputs, "duration_s", None):
            plan.notes.append(
                "Dasheng-AudioGen chooses the scene's length itself; the requested length was not applied"
            )
        return plan

    def compose(self, caption: str, parts: dict[str, Any]) -> str:
        self.load()  # compose_prompt is the model's own template
        return str(self.model.compose_prompt(caption=caption, **{k: v for k, v in parts.items() if v}))

    def _generate(self, plan: Plan, ctx: RunContext) -> tuple[list[np.ndarray], int]:
        import torch

        prompts = [p for p in plan.prompts for _ in range(plan.per_prompt)]
        kwargs: dict[str, Any] = {
            "num_steps": plan.steps,
            "guidance_scale": float(self.options.get("guidance_scale", 5.0)),
        }
        if "callback" in inspect.signature(self.model.generate).parameters:

            def callback(step: int) -> None:
                ctx.progress(step + 1, plan.steps, self.unit)
                ctx.check_cancelled()

            kwargs["callback"] = callback
        else:
            ctx.progress(0, 1, "scene")
        with seeded(plan.seed, self.device), torch.inference_mode():
            out = self.model.generate(prompts, **kwargs)
        if "callback" not in kwargs:
            ctx.progress(1, 1, "scene")
        sr = int(getattr(self.model.config, "sample_rate", None) or DEFAULT_SAMPLE_RATE)
        return [_as_waveform(w) for w in (out if isinstance(out, (list, tuple)) else list(out))], sr

    def _unload(self) -> None:
        self.model = None


class _CaptionAsPrompt:
    """Presents a scene request to :meth:`GenerationModel.plan`, whose prompt is the caption."""

    def __init__(self, inputs: Any) -> None:
        self._inputs = inputs
        self.prompt = getattr(inputs, "caption", None) or getattr(inputs, "prompt", "")

    def __getattr__(self, name: str) -> Any:
        return None if name == "prompts" else getattr(self._inputs, name, None)


def _as_waveform(wave: Any) -> np.ndarray:
    """A (frames,) float array from a tensor/array shaped (frames,), (1, frames) or (channels, frames)."""
    arr = wave.float().cpu().numpy() if hasattr(wave, "cpu") else np.asarray(wave, dtype=np.float32)
    arr = np.squeeze(arr)
    return arr.T if arr.ndim == 2 else arr
