"""concatenate_audio: join files end to end with an optional equal-power crossfade or a gap (numpy).

Files with different sample rates or channel counts are converted to the highest rate (soxr) and
the most channels first, and the reply says so.
"""

from __future__ import annotations

import numpy as np

from audiogpt.errors import UserError
from audiogpt.tools.concatenate_audio import ConcatenateAudioInput
from foundation_models.base import ModelOutput, RunContext, audios_in
from foundation_models.edit_base import EditingTool, check_output_length, from_frames, reconcile


class ConcatenateAudio(EditingTool):
    task = "concatenate_audio"
    default_model = "dsp:numpy+soxr"
    libraries = ("numpy", "soxr")

    def run(self, inputs: ConcatenateAudioInput, ctx: RunContext) -> ModelOutput:
        items = audios_in(inputs.audio_files)
        names = [f"file {i + 1}" for i in range(len(items))]
        crossfade_s, gap_s = inputs.crossfade_s, inputs.gap_s
        total_s = sum(a.duration_s for a in items) + (len(items) - 1) * (gap_s - crossfade_s)
        check_output_length(total_s, ctx.max_output_s, "the joined audio")
        arrays, rate, notes = reconcile(items, names)
        fade = round(crossfade_s * rate)
        shortest = min(len(x) for x in arrays)
        if fade and fade >= shortest:
            raise UserError(f"a {crossfade_s:g} s crossfade is longer than the shortest file ({shortest / rate:.2f} s)")
        gap = np.zeros((round(gap_s * rate), arrays[0].shape[1]), dtype=np.float32)
        out = arrays[0]
        for x in arrays[1:]:
            out = _crossfade(out, x, fade) if fade else np.concatenate([out, gap, x])
        return ModelOutput(audio=[from_frames(out, rate)], notes=notes)


def _crossfade(a: np.ndarray, b: np.ndarray, frames: int) -> np.ndarray:
    """``a`` then ``b`` overlapping by ``frames`` with equal-power (sin/cos) gains."""
    t = np.linspace(0.0, np.pi / 2, frames, dtype=np.float32)[:, None]
    middle = a[-frames:] * np.cos(t) + b[:frames] * np.sin(t)
    return np.concatenate([a[:-frames], middle, b[frames:]])
