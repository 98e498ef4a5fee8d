"""Speech separation with ConvTasNet through asteroid (``ConvTasNet.from_pretrained``).

asteroid is installed without its dependencies (its metadata pulls torchaudio, which breaks beside
CPU torch); the model code and ``from_pretrained`` need only torch, numpy, scipy and
huggingface_hub. A hub id is fetched through :mod:`foundation_models.weights` (never silently);
a local ``.pth``/``.bin`` file or a folder holding ``pytorch_model.bin`` loads directly. The model
works at its own rate (8 or 16 kHz): the input is resampled to it and each speaker back to the
input's rate, and long recordings go through in chunks whose speaker order is aligned.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from audiogpt.audio import Audio
from audiogpt.errors import UserError
from audiogpt.tools.speech_separation import SpeechSeparationInput
from foundation_models.audio_checks import fit_length, limit_peak, require_sound
from foundation_models.base import FoundationModel, ModelOutput, RunContext, audio_in
from foundation_models.chunking import process_in_chunks

log = logging.getLogger(__name__)

CHECKPOINT_NAMES = ("pytorch_model.bin", "model.pth", "best_model.pth")  # asteroid's file names
MIN_DURATION_S = 0.5  # shorter input has too little speech to tell voices apart
CHUNK_S, OVERLAP_S = 30.0, 2.0  # long input: 30 s chunks, speakers matched on 2 s of overlap


def checkpoint_file(model_id: str, task: str, auto_download: bool = False) -> str:
    """The asteroid checkpoint file for ``model_id`` (a file, a folder, or a hub id via weights)."""
    path = Path(model_id).expanduser()
    if not path.exists():
        from foundation_models.weights import locate

        path = Path(locate(model_id, task, auto_download=auto_download))
    if path.is_dir():
        found = next((path / n for n in CHECKPOINT_NAMES if (path / n).is_file()), None)
        if found is None:
            log.error("%s holds none of %s", path, CHECKPOINT_NAMES)
            raise UserError(
                f"the configured speech separation model folder holds no asteroid checkpoint "
                f"({', '.join(CHECKPOINT_NAMES)})"
            )
        path = found
    return str(path)


class ConvTasNetSeparator(FoundationModel):
    """Separate a mixture of voices into one file per speaker. Options: ``chunk_s`` (30), ``overlap_s`` (2)."""

    task = "speech_separation"
    default_model = "JorisCos/ConvTasNet_Libri2Mix_sepclean_16k"

    def _load(self) -> None:
        import torch

        try:
            from asteroid.models import ConvTasNet
        except ImportError:
            raise UserError(
                "Speech separation needs asteroid: pip install --no-deps asteroid==0.7.0 "
                "asteroid-filterbanks==0.4.0 (see install.sh)"
            ) from None
        from torch.torch_version import TorchVersion

        # asteroid checkpoints record torch.__version__ (a TorchVersion, a str subclass) in their
        # "infos"; allow that one class so torch.load stays weights-only (no arbitrary pickles).
        with torch.serialization.safe_globals([TorchVersion]):
            model = ConvTasNet.from_pretrained(
                checkpoint_file(self.model_id, self.task, bool(self.options.get("auto_download")))
            )
        self.model = model.eval().to(self.device)
        self.sample_rate = int(self.model.sample_rate)
        self.n_src = int(self.model.masker.n_src)
        self._torch = torch

    def _separate(self, chunk: np.ndarray, rate: int) -> np.ndarray:
        """Mono chunk at ``rate`` → (speakers, frames) at ``rate``."""
        audio = Audio(chunk, rate).resample(self.sample_rate)
        with self._torch.inference_mode():
            wav = self._torch.from_numpy(audio.samples).to(self.device)[None]
            est = self.model(wav)[0].float().cpu().numpy()  # (n_src, frames at the model rate)
        back = [Audio(s, self.sample_rate).resample(rate).samples for s in est]
        return np.stack([fit_length(s, chunk.shape[0]) for s in back])

    def run(self, inputs: SpeechSeparationInput, ctx: RunContext) -> ModelOutput:
        """One file per speaker, each as long as the input and at its rate (mono)."""
        audio: Audio = require_sound(audio_in(inputs.audio), "speech separation", MIN_DURATION_S)
        wanted = inputs.num_speakers
        if wanted < 2:
            raise UserError("separating speakers needs at least 2 speakers; a single voice is already separate")
        self.load()
        if wanted != self.n_src:
            raise UserError(
                f"the configured speech separation model separates exactly {self.n_src} speakers; "
                f"{wanted} were asked for"
            )
        chunk_s, overlap_s = (
            float(self.options.get("chunk_s", CHUNK_S)),
            float(self.options.get("overlap_s", OVERLAP_S)),
        )
        parts = process_in_chunks(
            audio.mono().samples,
            audio.sample_rate,
            lambda c: self._separate(c, audio.sample_rate),
            self.n_src,
            ctx,
            chunk_s=chunk_s,
            overlap_s=overlap_s,
            align_speakers=True,
            what="chunks",
        )
        speakers = [Audio(limit_peak(p), audio.sample_rate) for p in parts]
        notes = []
        if audio.channels > 1:
            notes.append(f"The {audio.channels} channels were mixed to mono before separating.")
        if audio.sample_rate != self.sample_rate:
            notes.append(f"Separated at the model's {self.sample_rate} Hz and returned at {audio.sample_rate} Hz.")
        from audiogpt.separation_plot import before_after_png

        labels = [f"speaker {i + 1}" for i in range(self.n_src)]
        picture = before_after_png(audio, speakers, labels)
        return ModelOutput(
            audio=speakers, images=[picture], notes=notes, info={"labels": labels, "speakers": self.n_src}
        )
