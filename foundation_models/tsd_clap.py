"""Target sound detection: when does the described sound occur? CLAP over sliding windows.

Each window (2 s every 0.5 s by default, the last one ending at the clip's end) is scored by
CLAP's zero-shot rule: the softmax probability of the description against a set of everyday
contrast sounds. Windows at or above the threshold are merged into spans. "Not found" is an
answer (no spans), not an error.
"""

from __future__ import annotations

from audiogpt.audio import Audio, check_samples
from audiogpt.tools.target_sound_detection import TargetSoundDetectionInput
from foundation_models.base import Event, ModelOutput, RunContext, audio_in
from foundation_models.clap import ClapTool, check_description, detect, merge_spans

WINDOW_S, HOP_S, THRESHOLD = 2.0, 0.5, 0.5


class ClapTargetDetector(ClapTool):
    """Find a described sound in time. Options: ``window_s`` (2), ``hop_s`` (0.5), ``threshold`` (0.5)."""

    task = "target_sound_detection"

    def run(self, inputs: TargetSoundDetectionInput, ctx: RunContext) -> ModelOutput:
        """Spans (start, end, score) where ``target`` is heard, and every window's score as the timeline."""
        audio: Audio = check_samples(audio_in(inputs.audio))
        target = check_description(inputs.target)
        self.load()
        assert self.clap is not None
        window_s = float(self.options.get("window_s", WINDOW_S))
        spans, scores = detect(self.clap, audio, target, window_s, float(self.options.get("hop_s", HOP_S)))
        found = merge_spans(spans, scores, float(self.options.get("threshold", THRESHOLD)))
        events = [Event(target, start, end, score) for start, end, score in found]
        timeline = [{"start_s": s, "end_s": e, "score": float(p)} for (s, e), p in zip(spans, scores, strict=True)]
        text = "" if events else f"not found: {target!r} was not heard in the recording"
        return ModelOutput(
            text=text,
            events=events,
            info={"target": target, "found": bool(events), "windows": timeline, "window_s": window_s},
        )
