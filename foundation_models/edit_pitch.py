"""change_pitch: shift the pitch by semitones with Rubber Band (through pedalboard); the length stays."""

from __future__ import annotations

from typing import Any

from audiogpt.audio import Audio
from foundation_models.base import ModelOutput
from foundation_models.edit_base import EditingTool
from foundation_models.edit_speed import rubberband


class RubberBandPitch(EditingTool):
    """Higher or lower pitch at the same tempo and duration."""

    task = "change_pitch"
    default_model = "dsp:rubberband"
    libraries = ("pedalboard",)

    def run(self, **inputs: Any) -> ModelOutput:
        audio: Audio = inputs["audio"]
        semitones = float(inputs["semitones"])
        out = rubberband(audio, speed=1.0, semitones=semitones)
        note = f"Pitch {semitones:+g} semitones (frequencies ×{2 ** (semitones / 12):.3g}); duration unchanged."
        return ModelOutput(audio=[out], notes=[note])
