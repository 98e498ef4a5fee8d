"""Music source separation with Demucs 4 (Hybrid Transformer Demucs, ``htdemucs``).

Loading goes through demucs' own code: a named model (``htdemucs``) or its hub repo
(``adefossez/HTDemucs``) is fetched through :mod:`foundation_models.weights` and read with
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
from audiogpt.tools.music_source_separation import MusicSourceSeparationInput
from foundation_models.audio_checks import fit_length, require_sound
from foundation_models.base import FoundationModel, ModelOutput, RunContext, audio_in
from foundation_models.chunking import process_in_chunks

log = logging.getLogger(__name__)

HUB_NAMESPACE = "adefossez"  # where demucs publishes its named models (demucs.hf)
STEMS = ("vocals", "drums", "bass", "other")
MIN_DURATION_S = 1.0  # a stem needs at least a beat of music to mean anything
CHUNK_S, OVERLAP_S = 60.0, 2.0  # long input: one minute at a time, cross-faded over 2 s


def load_demucs(model_id: str, task: str, auto_download: bool = False) -> Any:
    """A demucs model (or bag of models) from a local file or a named hub model, in eval mode."""
    try:
        import demucs  # noqa: F401
    except ImportError:
        raise UserError("Music separation needs demucs: pip install 'audiogpt[separation]'") from None
    from demucs.apply import BagOfModels
    from demucs.hf import hf_repo_name, load_safetensors_model
    from demucs.states import load_model

    path = Path(model_id).expanduser()
    if path.is_file():
        model = load_safetensors_model(path) if path.suffix == ".safetensors" else load_model(path)
        return model.eval()
    if path.is_dir():
        folder = path
    else:  # a hub repo ("adefossez/HTDemucs") or a demucs name ("htdemucs", "htdemucs_ft")
        from foundation_models.weights import is_hub_id, locate

        repo = model_id if is_hub_id(model_id) else f"{HUB_NAMESPACE}/{hf_repo_name(model_id)}"
        folder = Path(locate(repo, task, auto_download=auto_download))
    import yaml

    bags = sorted(folder.glob("*.yaml"))  # the bag definition: which models, their weights, segment
    if not bags:
        log.error("%s holds no demucs bag .yaml", folder)
        raise UserError("the configured music separation model is not a demucs model folder (no bag .yaml in it)")
    bag = yaml.safe_load(bags[0].read_text())
    models = [load_safetensors_model(folder / f"{sig}.safetensors") for sig in bag["models"]]
    return BagOfModels(models, bag.get("weights"), bag.get("segment")).eval()


class DemucsSeparator(FoundationModel):
    """Split music into stems. Options: ``chunk_s`` (60), ``overlap_s`` (2), ``shifts`` (0: deterministic)."""

    task = "music_source_separation"
    default_model = "adefossez/HTDemucs"

    def _load(self) -> None:
        import torch

        self.model = load_demucs(self.model_id, self.task, bool(self.options.get("auto_download"))).to(self.device)
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

    def run(self, inputs: MusicSourceSeparationInput, ctx: RunContext) -> ModelOutput:
        """One file per requested stem (default all), at the input's rate and channel count."""
        audio: Audio = require_sound(audio_in(inputs.audio), "music source separation", MIN_DURATION_S)
        wanted = list(dict.fromkeys(inputs.stems or STEMS))
        self.load()
        missing = [s for s in [*wanted, *(inputs.remove or [])] if s not in self.sources]
        if missing:
            raise UserError(
                f"the music model gives the stems {', '.join(self.sources)}; it has no {', '.join(missing)}"
            )
        if audio.channels > 2:
            raise UserError(f"the audio has {audio.channels} channels; music separation takes mono or stereo")
        notes = []
        stereo = audio.samples if audio.channels == 2 else np.repeat(audio.samples[:, None], 2, axis=1)
        if audio.channels == 1:
            notes.append("The mono input was separated as stereo (the channel doubled) and the stems returned mono.")
        if audio.sample_rate < self.sample_rate:
            notes.append(
                f"The input is {audio.sample_rate} Hz; the model works at {self.sample_rate} Hz, so the "
                f"stems hold nothing above {audio.sample_rate // 2} Hz."
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

        def as_input(part: np.ndarray) -> Audio:  # back to the input's channel count
            return Audio(part.mean(axis=1) if audio.channels == 1 else part, audio.sample_rate)

        if inputs.remove:  # the song without those stems: the sum of the others, one file
            gone = list(dict.fromkeys(inputs.remove))
            kept = [s for s in self.sources if s not in gone]
            rest = np.sum([parts[self.sources.index(s)] for s in kept], axis=0)
            label = "without " + " and ".join(gone)
            notes.append(f"The {', '.join(kept)} stems were mixed back together without the {' and '.join(gone)}.")
            return ModelOutput(audio=[as_input(rest)], notes=notes, info={"labels": [label], "removed": gone})
        stems = [as_input(parts[self.sources.index(name)]) for name in wanted]
        return ModelOutput(audio=stems, notes=notes, info={"labels": wanted, "stems": wanted})
