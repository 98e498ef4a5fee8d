"""Music source separation with Demucs 4 (Hybrid Transformer Demucs, ``htdemucs``).

Loading goes through demucs' own code: a named model (``htdemucs``) is the hub repo
``adefossez/HTDemucs`` fetched through :mod:`foundation_models.weights` and read with
``demucs.hf.load_safetensors_model`` as a bag of models; a local ``.th`` file loads with
``demucs.states.load_model`` and a local ``.safetensors`` with ``load_safetensors_model``.
Demucs works on stereo at its own rate (44.1 kHz): a mono input is duplicated to stereo and each
stem is returned at the input's rate and channel count. Long recordings go through in chunks
(``apply_model`` splits each chunk into the model's segments), so memory stays bounded.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from audiogpt.audio import Audio
from audiogpt.errors import UserError
from foundation_models.audio_checks import fit_length, require_sound
from foundation_models.base import FoundationModel, ModelOutput, RunContext
from foundation_models.chunking import process_in_chunks

log = logging.getLogger(__name__)

HUB_NAMESPACE = "adefossez"  # where demucs publishes its named models (demucs.hf)
STEMS = ("vocals", "drums", "bass", "other")
MIN_DURATION_S = 1.0  # a stem needs at least a beat of music to mean anything
CHUNK_S, OVERLAP_S = 60.0, 2.0  # long input: one minute at a time, cross-faded over 2 s


def load_demucs(model_id: str, task: str) -> Any:
    """A demucs model (or bag of models) from a local file or a named hub model, in eval mode."""
    from demucs.apply import BagOfModels
    from demucs.hf import hf_repo_name, load_safetensors_model
    from demucs.states import load_model

    path = Path(model_id).expanduser()
    if path.is_file():
        model = load_safetensors_model(path) if path.suffix == ".safetensors" else load_model(path)
        return model.eval()
    if path.is_dir():
        folder, name = path, next((p.stem for p in sorted(path.glob("*.yaml"))), "")
    else:
        from foundation_models.weights import locate

        namespace, _, name = model_id.rpartition("/")
        folder = Path(locate(f"{namespace or HUB_NAMESPACE}/{hf_repo_name(name)}", task))
    import yaml

    bag_file = folder / f"{name}.yaml"
    if not bag_file.is_file():
        raise UserError(f"{model_id} is not a demucs model folder (no {name or '<name>'}.yaml in it)")
    bag = yaml.safe_load(bag_file.read_text())
    models = [load_safetensors_model(folder / f"{sig}.safetensors") for sig in bag["models"]]
    return BagOfModels(models, bag.get("weights"), bag.get("segment")).eval()


class DemucsSeparator(FoundationModel):
    """Split music into stems. Options: ``chunk_s`` (60), ``overlap_s`` (2), ``shifts`` (0: deterministic)."""

    task = "music_source_separation"
    default_model = "htdemucs"

    def _load(self) -> None:
        import torch

        self.model = load_demucs(self.model_id, self.task).to(self.device)
        self.sample_rate = int(self.model.samplerate)
        self.sources = list(self.model.sources)
        self._torch = torch

    def _separate(self, chunk: np.ndarray, rate: int) -> np.ndarray:
        """Stereo chunk (frames, 2) at ``rate`` → (sources, frames, 2) at ``rate``."""
        from demucs.apply import apply_model

        audio = Audio(chunk, rate).resample(self.sample_rate)
        mix = self._torch.from_numpy(np.ascontiguousarray(audio.samples.T))[None]  # (1, 2, frames)
        with self._torch.inference_mode():
            est = (
                apply_model(
                    self.model,
                    mix,
                    shifts=int(self.options.get("shifts", 0)),
                    split=True,
                    overlap=0.25,
                    progress=False,
                    device=self.device,
                )[0]
                .float()
                .numpy()
            )
        back = [Audio(s.T, self.sample_rate).resample(rate).samples for s in est]
        return np.stack([fit_length(s, chunk.shape[0]) for s in back])

    def run(self, inputs: Any, ctx: RunContext | None = None) -> ModelOutput:  # type: ignore[override]
        """One file per requested stem (default all), at the input's rate and channel count."""
        ctx = ctx or RunContext()
        audio: Audio = require_sound(inputs.audio, "music source separation", MIN_DURATION_S)
        wanted = list(dict.fromkeys(getattr(inputs, "stems", None) or STEMS))
        self.load()
        missing = [s for s in wanted if s not in self.sources]
        if missing:
            raise UserError(
                f"the music model gives the stems {', '.join(self.sources)}; it has no {', '.join(missing)}"
            )
        if audio.channels > 2:
            raise UserError(f"the audio has {audio.channels} channels; music separation takes mono or stereo")
        notes = []
        stereo = audio.samples if audio.channels == 2 else np.repeat(audio.samples[:, None], 2, axis=1)
        if audio.channels == 1:
            notes.append("the mono input was separated as stereo (the channel doubled) and the stems returned mono")
        if audio.sample_rate < self.sample_rate:
            notes.append(
                f"the input is {audio.sample_rate} Hz; the model works at {self.sample_rate} Hz, so the "
                f"stems hold nothing above {audio.sample_rate // 2} Hz"
            )
        chunk_s, overlap_s = (
            float(self.options.get("chunk_s", CHUNK_S)),
            float(self.options.get("overlap_s", OVERLAP_S)),
        )
        parts = process_in_chunks(
            stereo,
            audio.sample_rate,
            lambda c: self._separate(c, audio.sample_rate),
            len(self.sources),
            ctx,
            chunk_s=chunk_s,
            overlap_s=overlap_s,
        )
        stems = []
        for name in wanted:
            part = parts[self.sources.index(name)]
            stems.append(Audio(part.mean(axis=1) if audio.channels == 1 else part, audio.sample_rate))
        return ModelOutput(audio=stems, notes=notes, info={"labels": wanted, "stems": wanted})
