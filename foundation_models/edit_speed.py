"""change_speed: time-stretch with Rubber Band (through pedalboard), or tape-style resampling with soxr.

``preserve_pitch=True`` keeps the pitch and changes only the tempo; ``False`` plays the audio
faster or slower like a tape, so the pitch moves with the speed (×2 = one octave up).
Either way the result lasts ``input / factor``.
"""

from __future__ import annotations

import math

import numpy as np

from audiogpt.audio import Audio
from audiogpt.errors import UserError
from audiogpt.tools.change_speed import ChangeSpeedInput
from foundation_models.base import ModelOutput, RunContext, audio_in
from foundation_models.edit_base import EditingTool, as_channels, check_output_length, from_frames

MIN_STRETCH_S = 0.05  # Rubber Band returns nothing (or garbage) for clips of a few milliseconds


def rubberband(audio: Audio, speed: float = 1.0, semitones: float = 0.0) -> Audio:
    """Rubber Band via ``pedalboard.time_stretch``: ``speed`` > 1 is faster (shorter), ``semitones`` shifts pitch.

    Formants move with the pitch (``preserve_formants=False``, Rubber Band's own default): the
    level of tones and instruments stays as it was, as with ``pedalboard.PitchShift``.
    """
    from pedalboard import time_stretch

    if audio.duration_s < MIN_STRETCH_S:
        have_ms, need_ms = audio.duration_s * 1000, MIN_STRETCH_S * 1000
        raise UserError(f"the audio is {have_ms:.0f} ms long; Rubber Band needs at least {need_ms:.0f} ms")
    planar = np.ascontiguousarray(as_channels(audio, audio.channels).T, dtype=np.float32)  # (channels, frames)
    out = time_stretch(
        planar, audio.sample_rate, stretch_factor=speed, pitch_shift_in_semitones=semitones, preserve_formants=False
    )
    return from_frames(np.asarray(out, dtype=np.float32).T, audio.sample_rate)


class RubberBandSpeed(EditingTool):
    """Faster or slower audio, with or without keeping the pitch."""

    task = "change_speed"
    default_model = "dsp:rubberband"
    libraries = ("pedalboard", "soxr")

    def run(self, inputs: ChangeSpeedInput, ctx: RunContext) -> ModelOutput:
        audio = audio_in(inputs.audio)
        factor = inputs.factor
        check_output_length(audio.duration_s / factor, ctx.max_output_s)
        if inputs.preserve_pitch:
            out = rubberband(audio, speed=factor)
            how = "pitch kept"
        else:
            import soxr

            # Tape: resample as if recorded at factor × the rate, then label it with the original rate.
            resampled = soxr.resample(audio.samples, factor * audio.sample_rate, audio.sample_rate, quality="HQ")
            out = Audio(np.ascontiguousarray(resampled, dtype=np.float32), audio.sample_rate)
            if out.frames == 0:
                raise UserError(f"the audio is too short ({audio.frames} samples) to play {factor:g}× faster")
            how = f"like a tape, pitch {12 * math.log2(factor):+.1f} semitones"
        note = f"Speed ×{factor:g} ({how}): {audio.duration_s:.2f} s → {out.duration_s:.2f} s."
        return ModelOutput(audio=[out], notes=[note])
