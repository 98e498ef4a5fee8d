"""mix_audio: overlay files with a gain and start offset each, optional ducking, never clipping (numpy).

Ducking follows the first file (the foreground, e.g. a voice): while its level is above
``DUCK_GATE_DB`` below its own loudest moment, the other files are lowered by ``duck_db``, with a
smooth attack and release. If the sum would exceed full scale, the whole mix is lowered
(peak-safe gain) and the reply says by how much.
"""

from __future__ import annotations

import numpy as np

from audiogpt.tools.mix_audio import MixAudioInput
from foundation_models.base import ModelOutput, RunContext, audios_in
from foundation_models.edit_base import EditingTool, check_output_length, from_frames, peak_safe, reconcile

HOP_S = 0.010  # the foreground's level is measured every 10 ms
DUCK_GATE_DB = 30.0  # foreground counts as sounding within this many dB of its loudest 10 ms
ATTACK_S, RELEASE_S = 0.05, 0.40  # how fast the background goes down and comes back up


class MixAudio(EditingTool):
    task = "mix_audio"
    default_model = "dsp:numpy+soxr"
    libraries = ("numpy", "soxr")

    def run(self, inputs: MixAudioInput, ctx: RunContext) -> ModelOutput:
        items = audios_in(inputs.audio_files)
        n = len(items)
        gains_db = inputs.gains_db or [0.0] * n
        offsets_s = inputs.offsets_s or [0.0] * n
        total_s = max(off + a.duration_s for off, a in zip(offsets_s, items, strict=True))
        check_output_length(total_s, ctx.max_output_s, "the mix")
        arrays, rate, notes = reconcile(items, [f"file {i + 1}" for i in range(n)])
        starts = [round(off * rate) for off in offsets_s]
        length = max(s + len(x) for s, x in zip(starts, arrays, strict=True))
        tracks = []
        for x, start, gain in zip(arrays, starts, gains_db, strict=True):
            track = np.zeros((length, x.shape[1]), dtype=np.float32)
            track[start : start + len(x)] = x * np.float32(10 ** (gain / 20))
            tracks.append(track)
        duck_db = inputs.duck_db
        if duck_db > 0:
            duck = _duck_curve(tracks[0], rate, duck_db)[:, None]
            tracks[1:] = [t * duck for t in tracks[1:]]
        mix = np.asarray(np.sum(tracks, axis=0), dtype=np.float32)
        lowered = peak_safe(mix)
        if lowered:
            notes.append(f"The mix was lowered by {lowered:.1f} dB so it does not clip.")
        return ModelOutput(audio=[from_frames(mix, rate)], notes=notes)


def _duck_curve(foreground: np.ndarray, rate: int, duck_db: float) -> np.ndarray:
    """Per-sample gain for the background: ``-duck_db`` dB while the foreground sounds, else 1."""
    hop = max(1, round(HOP_S * rate))
    mono = foreground.mean(axis=1)
    frames = -(-len(mono) // hop)
    padded = np.zeros(frames * hop, dtype=np.float64)
    padded[: len(mono)] = mono
    level = 20 * np.log10(np.sqrt(np.mean(padded.reshape(frames, hop) ** 2, axis=1)) + 1e-12)
    active = level > level.max() - DUCK_GATE_DB
    target = np.where(active, 10 ** (-duck_db / 20), 1.0)
    # one-pole smoothing, quick attack when ducking and slower release (a loop over 10 ms frames: cheap)
    smooth = np.empty_like(target)
    state = 1.0
    a_att, a_rel = np.exp(-HOP_S / ATTACK_S), np.exp(-HOP_S / RELEASE_S)
    for i, goal in enumerate(target):
        coef = a_att if goal < state else a_rel
        state = coef * state + (1 - coef) * goal
        smooth[i] = state
    return np.repeat(smooth, hop)[: len(mono)].astype(np.float32)
