"""CLAP (contrastive language-audio pretraining) through transformers ``ClapModel`` + ``ClapProcessor``.

Not an adapter itself: the target-detection, sound-extraction and captioning adapters share this
one loader and scorer, and other code (e.g. re-ranking generated candidates by their prompt) can
use :meth:`Clap.rank` directly. The feature extractor and the tokenizer are called separately
(the processor would hand text options to the audio side); ``truncation="rand_trunc"`` is what
the unfused checkpoints were trained with (the default "fusion" is for the fused ones), and the
windows we score are never longer than the model's 10 s input, so no random crop happens.
"""

from __future__ import annotations

import itertools
import logging
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from audiogpt.audio import Audio
from audiogpt.errors import UserError
from foundation_models.base import FoundationModel

log = logging.getLogger(__name__)

DEFAULT_CLAP = "laion/clap-htsat-unfused"
MAX_TEXT_CHARS = 300  # a sound description longer than this is not a description
BATCH = 16  # audio windows per forward pass


def model_folder(model_id: str, task: str, auto_download: bool = False) -> str:
    """A local folder to load ``model_id`` from (hub ids go through weights, never silently)."""
    if Path(model_id).expanduser().is_dir():
        return str(Path(model_id).expanduser())
    from foundation_models.weights import locate

    return locate(model_id, task, auto_download=auto_download)


def check_description(text: str | None, what: str = "the sound to look for") -> str:
    """A usable sound description, or a clear sentence about why not."""
    text = " ".join((text or "").split())
    if not text:
        raise UserError(f"{what} is empty; describe it in a few words, e.g. 'dog barking'")
    if len(text) > MAX_TEXT_CHARS:
        raise UserError(
            f"{what} is {len(text)} characters long; describe the sound in a few words "
            f"(at most {MAX_TEXT_CHARS} characters), e.g. 'dog barking'"
        )
    return text


class Clap:
    """Audio and text embeddings in CLAP's shared space, and their similarities."""

    def __init__(
        self,
        model_id: str = DEFAULT_CLAP,
        device: str = "cpu",
        task: str = "target_sound_detection",
        auto_download: bool = False,
    ) -> None:
        import torch
        from transformers import ClapModel, ClapProcessor

        folder = model_folder(model_id, task, auto_download)
        self.model = ClapModel.from_pretrained(folder).eval().to(device)
        processor = ClapProcessor.from_pretrained(folder)
        self.features, self.tokenizer = processor.feature_extractor, processor.tokenizer
        self.sample_rate = int(self.features.sampling_rate)
        self.max_window_s = float(self.features.nb_max_samples) / self.sample_rate
        self.device = device
        self._torch = torch

    @property
    def logit_scale(self) -> float:
        """CLAP's learned temperature for audio-text similarities."""
        return float(self.model.logit_scale_a.exp().item())

    def audio_embeddings(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """Unit-length embeddings of mono clips at :attr:`sample_rate`, shape (n, dim)."""
        out = []
        for i in range(0, len(clips), BATCH):
            batch = [np.asarray(c, dtype=np.float32) for c in clips[i : i + BATCH]]
            feats = self.features(
                batch, sampling_rate=self.sample_rate, truncation="rand_trunc", padding="repeatpad", return_tensors="pt"
            )
            with self._torch.inference_mode():
                emb = self.model.get_audio_features(**{k: v.to(self.device) for k, v in feats.items()})
            out.append(_unit(_pooled(emb)))
        return np.concatenate(out) if out else np.zeros((0, 1), dtype=np.float32)

    def text_embeddings(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings of texts, shape (n, dim)."""
        tokens = self.tokenizer(list(texts), padding=True, truncation=True, return_tensors="pt")
        with self._torch.inference_mode():
            emb = self.model.get_text_features(**{k: v.to(self.device) for k, v in tokens.items()})
        return _unit(_pooled(emb))

    def windows(
        self, audio: Audio, window_s: float, hop_s: float
    ) -> tuple[list[np.ndarray], list[tuple[float, float]]]:
        """Mono windows at the model rate that cover the whole clip (the last one ends at its end)."""
        mono = audio.mono().resample(self.sample_rate).samples
        win = max(1, round(min(window_s, self.max_window_s) * self.sample_rate))
        hop = max(1, round(hop_s * self.sample_rate))
        if mono.size <= win:
            return [mono], [(0.0, audio.duration_s)]
        starts = [*range(0, mono.size - win, hop), mono.size - win]
        spans = [(s / self.sample_rate, min((s + win) / self.sample_rate, audio.duration_s)) for s in starts]
        return [mono[s : s + win] for s in starts], spans

    def rank(self, text: str, candidates: Sequence[Audio]) -> list[float]:
        """Cosine similarity of each candidate clip to ``text`` (higher = closer); e.g. to re-rank generations.

        A clip longer than the model's window is scored by the mean embedding of windows that cover
        it (rather than one random crop), so the same clip always gets the same score.
        """
        counts, clips = [], []
        for audio in candidates:
            windows, _ = self.windows(audio, self.max_window_s, self.max_window_s)
            counts.append(len(windows))
            clips += windows
        emb = self.audio_embeddings(clips)
        bounds = np.cumsum([0, *counts])
        means = _unit(np.stack([emb[a:b].mean(axis=0) for a, b in itertools.pairwise(bounds)]))
        return [float(s) for s in means @ self.text_embeddings([text])[0]]


def _pooled(output: Any) -> np.ndarray:
    """transformers 5 returns a model output whose ``pooler_output`` is the projected embedding."""
    tensor = getattr(output, "pooler_output", output)
    return np.asarray(tensor.float().cpu().numpy(), dtype=np.float32)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def target_probabilities(clap: Clap, audio_emb: np.ndarray, target: str, contrasts: Sequence[str]) -> np.ndarray:
    """Per window, the softmax probability of ``target`` against contrast descriptions (CLAP's zero-shot rule)."""
    texts = [target, *[c for c in contrasts if c.lower() != target.lower()]]
    logits = clap.logit_scale * audio_emb @ clap.text_embeddings(texts).T
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    return np.asarray(probs[:, 0] / probs.sum(axis=1), dtype=np.float32)


# One CLAP per checkpoint and device, shared by the tools that use it (detection, extraction, captions):
# held weakly, so it is freed once the last of them unloads.
_LOADED: weakref.WeakValueDictionary[tuple[str, str], Clap] = weakref.WeakValueDictionary()
_LOADING = threading.Lock()


def load_clap(model_id: str, device: str, task: str, auto_download: bool = False) -> Clap:
    """:class:`Clap` for this checkpoint and device (the one already loaded, if any), turning a missing
    library into an install hint."""
    try:
        import transformers  # noqa: F401
    except ImportError:
        raise UserError("CLAP needs transformers: pip install transformers") from None
    with _LOADING:
        clap = _LOADED.get((model_id, device))
        if clap is None:
            log.info("loading CLAP %s for %s", model_id, task)
            clap = _LOADED[(model_id, device)] = Clap(model_id, device, task, auto_download)
        return clap


class ClapTool(FoundationModel):
    """Base of the adapters that work in CLAP's space; ``self.clap`` is the shared model."""

    default_model = DEFAULT_CLAP

    def _load(self) -> None:
        self.clap: Clap | None = load_clap(
            self.model_id, self.device, self.task, bool(self.options.get("auto_download"))
        )

    def _unload(self) -> None:
        self.clap = None


# Everyday sounds a target is contrasted with; CLAP's zero-shot rule needs alternatives to choose from.
CONTRASTS = (
    "silence",
    "background noise",
    "people talking",
    "music",
    "wind",
    "traffic",
    "footsteps",
    "a door",
    "birds",
    "a dog",
    "rain",
    "a machine humming",
)


def detect(
    clap: Clap, audio: Audio, target: str, window_s: float, hop_s: float
) -> tuple[list[tuple[float, float]], np.ndarray]:
    """Windows covering the clip and the probability that each holds ``target``; silent windows score 0."""
    from foundation_models.audio_checks import SILENCE_DBFS, rms_dbfs

    clips, spans = clap.windows(audio, window_s, hop_s)
    probs = target_probabilities(clap, clap.audio_embeddings(clips), target, CONTRASTS)
    audible = np.array([rms_dbfs(c) >= SILENCE_DBFS for c in clips])
    return spans, np.where(audible, probs, 0.0).astype(np.float32)


def merge_spans(
    spans: Sequence[tuple[float, float]], scores: np.ndarray, threshold: float
) -> list[tuple[float, float, float]]:
    """Overlapping windows at or above ``threshold`` joined into (start, end, best score) spans."""
    merged: list[tuple[float, float, float]] = []
    for (start, end), score in zip(spans, scores, strict=True):
        if score < threshold or score <= 0.0:  # a silent window never holds the target
            continue
        if merged and start <= merged[-1][1]:
            s0, _, best = merged[-1]
            merged[-1] = (s0, max(end, merged[-1][1]), max(best, float(score)))
        else:
            merged.append((start, end, float(score)))
    return merged
