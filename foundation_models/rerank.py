"""Several versions of a generated clip, ordered by how well each matches its description.

A generation adapter asked for ``candidates`` > 1 makes them all in one batch; here CLAP scores each
against its prompt (cosine similarity in CLAP's shared text-audio space, :meth:`Clap.rank`), the best
comes first and the others follow best first — none is dropped, so a user who prefers another can
still take it. Every file's provenance says which version it is and what every version scored.
Without CLAP (not configured, not downloaded, failed to load) the versions stay in the order they
were made, and the reply says they are unranked and why.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from audiogpt.audio import Audio

if TYPE_CHECKING:
    from foundation_models.clap import Clap

log = logging.getLogger(__name__)


@dataclass
class Ranked:
    """The clips in the order they are returned, and what the reply and provenance say about them."""

    audio: list[Audio]
    ranking: dict[str, Any]  # provenance of the whole call: how, and every version's score per prompt
    candidates: list[dict[str, Any]]  # provenance of each returned clip, in the returned order
    notes: list[str] = field(default_factory=list)


def by_clap(clap: Clap, name: str, prompts: Sequence[str], per_prompt: int, audio: Sequence[Audio]) -> Ranked:
    """Order each prompt's ``per_prompt`` clips (prompt-major in ``audio``) by CLAP similarity to it."""
    out: list[Audio] = []
    groups: list[dict[str, Any]] = []
    candidates: list[dict[str, Any]] = []
    notes: list[str] = []
    for p, prompt in enumerate(prompts):
        clips = list(audio[p * per_prompt : (p + 1) * per_prompt])
        scores = [round(s, 4) for s in clap.rank(prompt, clips)]
        order = sorted(range(per_prompt), key=lambda i: -scores[i])  # stable: ties keep the order made
        out += [clips[i] for i in order]
        best = order[0]
        groups.append({"prompt": prompt, "scores": scores, "kept_version": best + 1})
        candidates += [
            {"prompt": prompt, "version": i + 1, "of": per_prompt, "rank": r + 1, "best": r == 0,
             "clap_score": scores[i]}
            for r, i in enumerate(order)
        ]  # fmt: skip
        others = ", ".join(f"{scores[i]:.2f}" for i in order[1:])
        about = f" for “{prompt}”" if len(prompts) > 1 else ""
        notes.append(
            f"I made {per_prompt} versions{about} and kept version {best + 1} of {per_prompt} as the best: "
            f"CLAP text–audio similarity {scores[best]:.2f} vs {others}. It is the first file; the other "
            "versions follow, best first."
        )
    ranking = {"by": "CLAP text-audio similarity", "model": name, "prompts": groups}
    return Ranked(out, ranking, candidates, notes)


def by_model(how: str, prompts: Sequence[str], per_prompt: int, audio: Sequence[Audio]) -> Ranked:
    """Clips the model itself already ordered best first (AudioLDM 2 scores with its own CLAP)."""
    candidates = [
        {"prompt": prompt, "rank": r + 1, "of": per_prompt, "best": r == 0}
        for prompt in prompts
        for r in range(per_prompt)
    ]
    note = (
        f"I made {per_prompt} versions; the first file is the best by {how} (the model ranks them itself and "
        "does not report the scores); the other versions follow, best first."
    )
    ranking = {"by": how, "prompts": [{"prompt": p} for p in prompts]}
    return Ranked(list(audio), ranking, candidates, [note])


def unranked(reason: str, prompts: Sequence[str], per_prompt: int, audio: Sequence[Audio]) -> Ranked:
    """Clips in the order they were made, and why they were not ranked."""
    candidates = [
        {"prompt": prompt, "version": i + 1, "of": per_prompt} for prompt in prompts for i in range(per_prompt)
    ]
    note = f"I kept all {per_prompt} versions, unranked, in the order they were made: {reason} (listen and pick)."
    return Ranked(list(audio), {"by": None, "why_not": reason}, candidates, [note])


def load_ranker(model_id: str | None, device: str, task: str, auto_download: bool = False) -> tuple[Clap | None, str]:
    """The shared CLAP for ``model_id`` on ``device`` (the one other tools hold, if loaded), or None
    and why not, as a sentence for the reply. Never downloads unless ``auto_download``."""
    from foundation_models.clap import load_clap
    from foundation_models.weights import human_size, is_hub_id, presence, pull_command

    if not model_id:
        return None, f"no CLAP model is configured to score them (models.{task}.rank_with)"
    name = model_id if is_hub_id(model_id) else "the configured CLAP folder"  # never a server path
    if not auto_download:
        found = presence(model_id)
        if not found.present:
            size = f" (about {human_size(found.size_bytes)})" if found.size_bytes else ""
            fetch = f"; fetch it with: {pull_command(task)}" if is_hub_id(model_id) else ""
            return None, f"the CLAP model {name} that scores them is not on this machine{size}{fetch}"
    try:
        return load_clap(model_id, device, task, auto_download), ""
    except Exception:  # ranking is a bonus: the clips are made, keep them whatever happens here
        log.exception("could not load the CLAP model %s to rank %s candidates", model_id, task)
        return None, f"the CLAP model {name} that scores them could not be loaded (see the log)"
