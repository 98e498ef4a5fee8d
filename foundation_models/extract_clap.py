"""Sound extraction by CLAP-guided time gating (not a separation model).

The described sound is located with CLAP over sliding windows (as in target detection); the
extracted file keeps the audio of the windows where it is heard (with 50 ms fades) and is
silent elsewhere, and the remainder file is the exact complement (extracted + remainder = input).
Honest limit: a sound that overlaps another in time comes out *with* it; nothing here unmixes
simultaneous sounds (that would need a text-queried separation model we do not ship).
"""

from __future__ import annotations

import numpy as np

from audiogpt.audio import Audio
from audiogpt.errors import UserError
from audiogpt.tools.sound_extraction import SoundExtractionInput
from foundation_models.audio_checks import require_sound
from foundation_models.base import ModelOutput, RunContext, audio_in
from foundation_models.clap import ClapTool, check_description, detect, merge_spans

WINDOW_S, HOP_S, THRESHOLD = 1.0, 0.25, 0.5
FADE_S = 0.05  # ramps at the edges of a kept span, so the gate does not click
METHOD = "CLAP-guided time gating"


def gate(frames: int, sample_rate: int, spans: list[tuple[float, float, float]]) -> np.ndarray:
    """A 0..1 gain per frame: 1 inside the spans, 0 outside, linear fades at their edges."""
    mask = np.zeros(frames, dtype=np.float32)
    for start, end, _ in spans:
        mask[int(start * sample_rate) : int(np.ceil(end * sample_rate))] = 1.0
    fade = max(1, int(FADE_S * sample_rate))
    kernel = np.ones(fade, dtype=np.float32) / fade
    return np.clip(np.convolve(mask, kernel, mode="same"), 0.0, 1.0)


class ClapSoundExtractor(ClapTool):
    """Pull a described sound out (by time). Options: ``window_s`` (1), ``hop_s`` (0.25), ``threshold`` (0.5)."""

    task = "sound_extraction"

    def run(self, inputs: SoundExtractionInput, ctx: RunContext) -> ModelOutput:
        """Two files: the target's spans, and the remainder; both as long as the input."""
        audio: Audio = require_sound(audio_in(inputs.audio), "sound extraction")
        target = check_description(inputs.target, "the sound to extract")
        self.load()
        assert self.clap is not None
        spans, scores = detect(
            self.clap,
            audio,
            target,
            float(self.options.get("window_s", WINDOW_S)),
            float(self.options.get("hop_s", HOP_S)),
        )
        found = merge_spans(spans, scores, float(self.options.get("threshold", THRESHOLD)))
        if not found:
            raise UserError(f"{target!r} was not heard in the recording, so there is nothing to extract")
        mask = gate(audio.frames, audio.sample_rate, found)
        if audio.channels > 1:
            mask = mask[:, None]
        kept = Audio(audio.samples * mask, audio.sample_rate)
        rest = Audio(audio.samples - kept.samples, audio.sample_rate)
        covered = sum(e - s for s, e, _ in found)
        notes = [
            f"{METHOD}: kept {covered:.1f} s where {target!r} is heard; sounds overlapping it in time stay with it."
        ]
        return ModelOutput(
            audio=[kept, rest], notes=notes, info={"labels": [target, "remainder"], "method": METHOD, "spans": found}
        )
