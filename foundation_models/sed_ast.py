"""Sound event detection with the Audio Spectrogram Transformer (AST, AudioSet's 527 classes).

transformers ``ASTForAudioClassification`` + ``ASTFeatureExtractor`` at 16 kHz; the labels come
from the checkpoint's ``config.id2label``. Clip tags are the mean of window scores; the timeline
comes from windows (1 s every 0.5 s by default) scored with a sigmoid (AudioSet is multi-label).
For the GPU profile; YAMNet stays the embedded default.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from audiogpt.audio import Audio, check_samples
from audiogpt.tools.sound_event_detection import SoundEventDetectionInput
from foundation_models.base import Event, FoundationModel, ModelOutput, RunContext, audio_in

WINDOW_S, HOP_S, THRESHOLD = 1.0, 0.5, 0.3
BATCH = 8


class ASTSED(FoundationModel):
    """Tag sounds and give a timeline. Options: ``window_s`` (1), ``hop_s`` (0.5), ``event_threshold`` (0.3)."""

    task = "sound_event_detection"
    default_model = "MIT/ast-finetuned-audioset-10-10-0.4593"

    def _load(self) -> None:
        import torch
        from transformers import ASTFeatureExtractor, ASTForAudioClassification

        folder = Path(self.model_id).expanduser()
        if not folder.is_dir():
            from foundation_models.weights import locate

            folder = Path(locate(self.model_id, self.task, auto_download=bool(self.options.get("auto_download"))))
        self.model = ASTForAudioClassification.from_pretrained(str(folder)).eval().to(self.device)
        self.features = ASTFeatureExtractor.from_pretrained(str(folder))
        self.labels = [self.model.config.id2label[i] for i in range(self.model.config.num_labels)]
        self._torch = torch

    def _scores(self, clips: list[np.ndarray], ctx: RunContext) -> np.ndarray:
        rate = int(self.features.sampling_rate)
        out = []
        for i in range(0, len(clips), BATCH):
            ctx.check_cancelled()
            feats = self.features(clips[i : i + BATCH], sampling_rate=rate, return_tensors="pt")
            with self._torch.inference_mode():
                logits = self.model(**{k: v.to(self.device) for k, v in feats.items()}).logits
            out.append(self._torch.sigmoid(logits).float().cpu().numpy())
            ctx.progress(min(i + BATCH, len(clips)), len(clips), "windows")
        return np.concatenate(out)

    def run(self, inputs: SoundEventDetectionInput, ctx: RunContext) -> ModelOutput:
        """Top ``top_k`` clip labels and the spans where each of them scores above the threshold."""
        audio: Audio = check_samples(audio_in(inputs.audio))
        top_k = inputs.top_k
        self.load()
        rate = int(self.features.sampling_rate)
        mono = audio.mono().resample(rate).samples
        win = int(float(self.options.get("window_s", WINDOW_S)) * rate)
        hop = int(float(self.options.get("hop_s", HOP_S)) * rate)
        starts = [0] if mono.size <= win else [*range(0, mono.size - win, hop), mono.size - win]
        spans = [(s / rate, min((s + win) / rate, audio.duration_s)) for s in starts]
        scores = self._scores([mono[s : s + win] for s in starts], ctx)
        clip = scores.mean(axis=0)
        top = np.argsort(-clip)[:top_k]
        threshold = float(self.options.get("event_threshold", THRESHOLD))
        events: list[Event] = []
        for i in top:
            for (start, end), score in zip(spans, scores[:, i], strict=True):
                if score < threshold:
                    continue
                last = events[-1] if events and events[-1].label == self.labels[i] else None
                if last is not None and start <= last.end_s:
                    last.end_s, last.score = max(last.end_s, end), max(last.score, float(score))
                else:
                    events.append(Event(self.labels[i], start, end, float(score)))
        events.sort(key=lambda e: (e.start_s, -e.score))
        return ModelOutput(
            labels=[(self.labels[i], float(clip[i])) for i in top], events=events, info={"windows": len(starts)}
        )
