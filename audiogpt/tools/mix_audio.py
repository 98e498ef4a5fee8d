"""mix_audio: overlay audio files (a voice over music) with gains, offsets and ducking."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import Field, model_validator

from audiogpt.observation import Observation, SessionFile
from audiogpt.slots import DB_RE, TIME, has, mentions, seconds
from audiogpt.tools.base import AudioFiles, Seconds, Tool, ToolInput


class MixAudioInput(ToolInput):
    audio_files: AudioFiles
    gains_db: list[Annotated[float, Field(ge=-60, le=24)]] | None = Field(
        None, description="gain per file in dB, in the same order (omit = 0 dB each); e.g. [0, -12] = 2nd quieter"
    )
    offsets_s: list[Seconds] | None = Field(
        None, description="when each file starts in the mix, seconds (omit = all start at 0)"
    )
    duck_db: float = Field(
        0.0, ge=0, le=40, description="lower the other files by this many dB while the FIRST file is sounding"
    )

    @model_validator(mode="after")
    def _check_lengths(self) -> Self:
        n = len(self.audio_files)
        for name in ("gains_db", "offsets_s"):
            values = getattr(self, name)
            if values is not None and len(values) != n:
                raise ValueError(f"{name} has {len(values)} values for {n} files; give one per file")
        return self


_ROLE_MENTION = {
    "voice": r"\b(?:voice|vocals?|speech|narration|talking|dialogue|podcast|speaker|singing)\b",
    "music": r"\b(?:music|song|beat|backing(?: track)?|background|ambience|instrumental|bed)\b",
}
_QUIETER = r"\b(?:quiet\w*|softer|lower\w*|down|reduc\w*|under\w*|beneath|below|behind|background)\b"
_LOUDER = r"\b(?:louder|up|boost\w*|rais\w*|on top|over)\b"
_BREAK = re.compile(r",|;|\band\b|\bwith\b|\bthen\b|\bwhile\b", re.I)


def _segment(text: str, start: int, stop: int) -> str:
    seg = text[start:stop]
    cut = _BREAK.search(seg, 1)
    return seg[: cut.start()] if cut else seg


def mix_args(text: str, chosen: list[str], files: list[SessionFile]) -> tuple[list[str], dict[str, Any]]:
    """(audio_files in mix order, gains_db / offsets_s / duck_db): the voice first, e.g. "put my voice
    over the music, music 10 dB quieter" → ([voice, music], {"gains_db": [0, -10]})."""
    info = {f.name: f for f in files}
    roles = {n: info[n].role if n in info else None for n in chosen}
    if sum(r is None for r in roles.values()) == 1 and len(set(roles.values()) - {None}) == 1:
        missing = "music" if "voice" in roles.values() else "voice"
        roles = {n: r or missing for n, r in roles.items()}  # two files, one known: the other is the other
    audio = [f for f in files if f.kind == "audio"]
    marks = [(p, n) for p, n in mentions(text, audio) if n in chosen]
    for role, rx in _ROLE_MENTION.items():
        owner = [n for n in chosen if roles[n] == role]
        marks += [(m.start(), owner[0]) for m in re.finditer(rx, text, re.I) if len(owner) == 1]
    marks.sort()
    order = sorted(chosen, key=lambda n: {"voice": 0, None: 1, "music": 2}[roles[n]])
    if not any(roles.values()):  # nothing known: "X under Y" sends X to the back
        for p, n in marks:
            if has(r"^\W*(?:\w+\s+){0,2}?(?:under\w*|beneath|behind|below|in the background)\b", text[p:]):
                order = [*(x for x in order if x != n), n]
    background = order[-1]
    gains: dict[str, float] = {}
    offsets: dict[str, float] = {}
    for i, (p, n) in enumerate(marks):
        seg = _segment(text, p, marks[i + 1][0] if i + 1 < len(marks) else len(text))
        db = DB_RE.search(seg)
        if db:
            value = float(db.group(1).replace(" ", "").replace("−", "-"))
            gains[n] = value if value <= 0 and not has(_LOUDER, seg) else -abs(value) if has(_QUIETER, seg) else value
        elif has(r"\b(?:quiet\w*|softer|lower\w*|in the background)\b", seg):
            gains[n] = -12.0
        at = re.search(rf"\b(?:at|after|from|by)\s+({TIME})", seg, re.I)
        if at and has(r"\bstart\w*|\bbegin\w*|\bcome\w*\s+in|\benter\w*|\bdelay\w*|\bbring\w*\s+in|\bkick\w*\s+in",
                      text[max(0, p - 30) : p + len(seg)]):  # fmt: skip
            offsets[n] = seconds(at.group(1)) or 0.0
    if not gains and len(order) > 1:
        db = DB_RE.search(text)
        if db and has(_QUIETER, text):
            gains[background] = -abs(float(db.group(1).replace(" ", "").replace("−", "-")))
        elif has(r"\bquiet\w*|\bsofter\b|\bbackground\b|\bunder(?:neath)?\b|\bbehind\b|\bbeneath\b", text):
            gains[background] = -12.0
    if not offsets and len(order) > 1:
        starts = r"\b(?:start\w*|begin\w*|come\w*\s+in|enter\w*|kick\w*\s+in|at|after)\s+(?:at\s+|after\s+)?"
        at = re.search(rf"{starts}({TIME})", text, re.I)
        if at and not DB_RE.match(text[at.start(1) :]):
            offsets[order[-1]] = seconds(at.group(1)) or 0.0
    args: dict[str, Any] = {}
    if gains:
        args["gains_db"] = [gains.get(n, 0.0) for n in order]
    if offsets:
        args["offsets_s"] = [offsets.get(n, 0.0) for n in order]
    dips = (
        r"\b(?:dip|drop|go(?:es)?\s+down|lower\w*|fade\w*\s+down|get\w*\s+quieter)\b.{0,60}\b(?:whenever|when|while)\b"
    )
    if has(r"\bduck\w*|\bsidechain\w*", text) or has(dips, text):
        duck = re.search(r"\b(?:duck|dip)\w*\s+(?:\w+\s+){0,4}?by\s+(\d+(?:\.\d+)?)\s*db", text, re.I)
        said = duck or (
            re.search(r"\bby\s+(?:about\s+|around\s+)?(\d+(?:\.\d+)?)\s*db", text, re.I) if has(dips, text) else None
        )
        args["duck_db"] = float(said.group(1)) if said else 12.0
        if not DB_RE.search(text):  # "duck the music under the voice": ducking, not a fixed lower level
            args.pop("gains_db", None)
    return order, args


def describe(r: Observation) -> dict[str, Any]:
    """{detail}: the gains, offsets and ducking used."""
    a = r.args
    parts = []
    if a.get("gains_db"):
        parts.append("gains " + ", ".join(f"{g:+g} dB" if g else "0 dB" for g in a["gains_db"]))
    if a.get("offsets_s"):
        parts.append("starting at " + ", ".join(f"{o:g} s" for o in a["offsets_s"]))
    if a.get("duck_db"):
        parts.append(f"the others ducked {a['duck_db']:g} dB under the first")
    return {"detail": f" ({'; '.join(parts)})" if parts else ""}


TOOL = Tool(
    name="mix_audio",
    category="editing",
    description="Overlay (mix) two or more audio files, e.g. a voice over music, with a gain in dB and start "
    "offset per file and optional ducking of the others under the first; the mix never clips.",
    input_model=MixAudioInput,
    output="audio",
    reply="Mixed {inputs}{detail}: {output}{facts}",
    capability="audiogpt.evaluation.properties:mix_audio",
    examples_path=Path(__file__).with_suffix(".yaml"),
    describe=describe,
    order_files=mix_args,
)
