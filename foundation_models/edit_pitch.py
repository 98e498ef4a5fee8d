"""change_pitch: shift the pitch by semitones with Rubber Band (through pedalboard); the length stays."""

from __future__ import annotations

from audiogpt.tools.change_pitch import ChangePitchInput
from foundation_models.base import ModelOutput, RunContext, audio_in
from foundation_models.edit_base import EditingTool
from foundation_models.edit_speed import rubberband


class RubberBandPitch(EditingTool):
    """Higher or lower pitch at the same tempo and duration."""

    task = "change_pitch"
    default_model = "dsp:rubberband"
    libraries = ("pedalboard",)

    def run(self, inputs: ChangePitchInput, ctx: RunContext) -> ModelOutput:
        audio = audio_in(inputs.audio)
        semitones = inputs.semitones
        out = rubberband(audio, speed=1.0, semitones=semitones)
        note = f"Pitch {semitones:+g} semitones (frequencies ×{2 ** (semitones / 12):.3g}); duration unchanged."
        return ModelOutput(audio=[out], notes=[note])
