"""music_source_separation: split a song into stems (vocals, drums, bass, other)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, Self, get_args

from pydantic import Field, model_validator

from audiogpt.tools.base import AudioFile, Tool, ToolInput
from audiogpt.tools.speech_separation import labelled_outputs

Stem = Literal["vocals", "drums", "bass", "other"]


_STEM_WORDS: dict[str, str] = {
    r"vocals?|voice|singing|singer|a ?cap+el+a|lyrics": "vocals",
    r"drums?|drummer|percussion|beat": "drums",
    r"bass(?:line)?": "bass",
    r"instrumental|accompaniment|backing|karaoke|guitar|piano|keys|synth|strings|other": "other",
}
# "take out only the voice" keeps the voice: a removing verb followed by only/just names what to keep
_REMOVE = re.compile(r"\b(?:remove|without|strip|take out|get rid of|mute|no|minus|except|drop|lose)\b"
                     r"(?!\s+(?:only|just)\b)(?P<what>[^,.]*)", re.I)  # fmt: skip
# said after the part: "with the original drums taken out", "the drummer removed", "a drumless version"
_REMOVED = re.compile(r"(?P<what>\b[\w\s]{0,40}?)\s+(?:taken\s+out|removed|muted|stripped(?:\s+out)?|dropped|gone)\b"
                      r"|\b(?P<less>drum|vocal|voice|bass)-?less\b", re.I)  # fmt: skip


def _named(text: str) -> list[str]:
    """The stems a text names, in the order it names them."""
    found = {
        stem: m.start() for pattern, stem in _STEM_WORDS.items() if (m := re.search(rf"\b(?:{pattern})\b", text, re.I))
    }
    return sorted(found, key=found.__getitem__)


def stems_argument(text: str, duration_s: float | None) -> dict[str, Any]:
    """The router's reader for ``stems`` and ``remove``: the stems a request names ("the vocals and the
    drums"); removing a part ("remove the drums", "without vocals", "a drumless mix", karaoke) is
    ``remove``, which gives the song without it as one file. None named: all stems."""
    removed = _REMOVE.search(text)
    gone = _named(removed.group("what")) if removed else []
    if not gone and (after := _REMOVED.search(text)):
        gone = _named(after.group("less") or after.group("what"))
    if re.search(r"\bkaraoke|instrumental\b", text, re.I):
        gone = list(dict.fromkeys([*gone, "vocals"]))
    if gone:
        return {"remove": gone}
    found = _named(text)
    return {"stems": list(dict.fromkeys(found))} if found else {}


class MusicSourceSeparationInput(ToolInput):
    audio: AudioFile
    stems: list[Stem] | None = Field(
        None, min_length=1, max_length=4, description="which stems to return: vocals, drums, bass, other (default all)"
    )
    remove: list[Stem] | None = Field(
        None,
        min_length=1,
        max_length=3,
        description="stems to take out: the song without them comes back as one file (karaoke: remove vocals)",
    )

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if self.stems and self.remove:
            raise ValueError("give stems (the parts to return) or remove (the parts to take out), not both")
        return self


TOOL = Tool(
    name="music_source_separation",
    outputs=lambda inputs: 1 if inputs.remove else len(inputs.stems or get_args(Stem)),
    category="processing",
    description="Split music into stems — vocals, drums, bass and other (the accompaniment) — one file each, "
    "at the input's sample rate and channel count, to isolate vocals or an instrument; or, with remove, return "
    "the song without some stems as one file (karaoke: remove vocals).",
    input_model=MusicSourceSeparationInput,
    output="audio",
    reply="Split {input} into {outputs}",  # {input} {outputs}
    arguments=stems_argument,
    describe=labelled_outputs,
    hint="Upload a song, then ask for the vocals, drums, bass or the rest as separate files.",
    capability="audiogpt.evaluation.listening:music_source_separation",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
