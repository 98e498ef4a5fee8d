"""The session's files as the offline router sees them: read from the system prompt's file list,
and picked for a step's file arguments: one audio file, a video, or an ordered list of audio files
for concatenate_audio / mix_audio (with the mix's gains, offsets and ducking, which depend on which
file is the voice and which the music)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from audiogpt.engines.router_edit_args import DB_RE, TIME, has, seconds
from audiogpt.session import ARTIFACT_NAME_RE


@dataclass(frozen=True)
class SessionFile:
    """One line of the "Files in this session" section of the system prompt (or a file made this turn)."""

    name: str
    label: str | None = None  # original file name of an upload
    tool: str | None = None  # the tool that made it; None for uploads
    duration_s: float | None = None
    origin: str | None = None  # the upload label a file made this turn derives from

    @property
    def kind(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def role(self) -> str | None:
        """ "voice" or "music" as far as the file's name or maker tells (for mixing)."""
        if self.tool in ("text_to_speech", "speech_enhancement"):
            return "voice"
        name = (self.label or self.origin or "").lower()
        for role, rx in _ROLE_WORDS.items():
            if re.search(rx, name):
                return role
        return None


_ROLE_WORDS = {
    "voice": r"voice|vocal|speech|speak|narrat|talk|podcast|interview|dialog|spoken|singer|sing|host|lecture|memo|"
    r"announce|\bvo\b|\bmic\b",
    "music": r"music|song|beat|instrumental|backing|bgm|background|ambien|\bbed\b|loop|rain|drone|\bpad\b|score|"
    r"jingle|guitar|piano|drum|sfx|effect",
}
_LABEL_RE = re.compile(r'uploaded as "([^"]*)"')
_MADE_BY_RE = re.compile(r"made by (\w+)")
_DURATION_RE = re.compile(r"\(\w+;\s*(\d+(?:\.\d+)?)\s*s\b")


def parse_files(system_text: str) -> list[SessionFile]:
    """The files listed in the system prompt (oldest first); [] when there is no such section."""
    start = system_text.find("Files in this session")
    if start < 0:
        return []
    files: list[SessionFile] = []
    for line in system_text[start:].splitlines()[1:]:
        line = line.strip()
        if not line.startswith("- "):
            if files or line:
                break
            continue
        m = ARTIFACT_NAME_RE.search(line)
        if m:
            label, made, dur = _LABEL_RE.search(line), _MADE_BY_RE.search(line), _DURATION_RE.search(line)
            files.append(
                SessionFile(m.group(0), label and label.group(1), made and made.group(1), dur and float(dur.group(1)))
            )
    return files


_AUDIO_EXTS = "wav|mp3|flac|ogg|oga|m4a|opus|aac|aiff?"
_VIDEO_EXTS = "mp4|mov|mkv|webm|avi"
_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "oldest": 0}
_NOUNS = r"(?:file|recording|clip|audio|one|upload|track|sample|sound|video|movie|take|song)"
_ORDINAL_RE = re.compile(
    rf"\b(first|second|third|fourth|fifth|last|latest|newest|oldest|original|previous)\s+(?:uploaded\s+)?{_NOUNS}",
    re.IGNORECASE,
)


def explicit_file(text: str, files: list[SessionFile], kind: str = "audio") -> str | None:
    """A file of this kind the step names: an artifact name, an upload's name, or "the second file"."""
    named = [m.group(0) for m in ARTIFACT_NAME_RE.finditer(text)]
    if named:
        return next((n for n in named if n.startswith(kind + "/")), named[0])
    lowered = text.lower()
    for f in reversed(files):  # the newest upload under that name wins, as in Session.resolve
        if f.label and f.label.lower() in lowered and f.kind == kind:
            return f.name
    exts = _VIDEO_EXTS if kind == "video" else _AUDIO_EXTS
    missing = re.search(rf"\b[\w-]+\.(?:{exts})\b", text, re.I)
    if missing:  # named but not in this session: the handler answers with the files there are
        return missing.group(0)
    of_kind = [f for f in files if f.kind == kind]
    m = _ORDINAL_RE.search(text)
    if m and of_kind:
        word = m.group(1).lower()
        if word == "original":
            uploads = [f for f in of_kind if f.tool is None]
            return (uploads or of_kind)[-1].name
        index = _ORDINALS.get(word, -1)
        return of_kind[index].name if index < len(of_kind) else None
    return None


_UPLOAD_REF_RE = re.compile(
    r"\b(?:this|my|the uploaded|the attached)\s+(?:\w+\s+)?(?:file|recording|clip|audio|upload|track|memo|sample)\b",
    re.IGNORECASE,
)


def upload_ref(text: str, files: list[SessionFile]) -> str | None:
    """ "this recording" / "my file" → the newest upload (not a file a tool made)."""
    uploads = [f for f in files if f.kind == "audio" and f.tool is None]
    return uploads[-1].name if uploads and _UPLOAD_REF_RE.search(text) else None


# ---- lists of files (concatenate_audio, mix_audio) -----------------------------------------------
_LIST_ORDINAL_RE = re.compile(
    r"\b(?:the|and|,)\s+(first|second|third|fourth|fifth|last)\b(?!\s+(?:\d|few|couple|half|seconds?|minutes?|time))",
    re.I,
)
_PREVIOUS_RE = re.compile(r"\b(?:it|this|that|the result|the output|the (?:new|processed|edited) (?:one|file|version))"
                          r"\b(?!\s+(?:two|three|four|both|files|clips|recordings))", re.I)  # fmt: skip
_COUNT = {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5}


def mentions(text: str, audio: list[SessionFile]) -> list[tuple[int, str]]:
    """(position, name) of each audio file the text names: artifact name, upload name or its stem, ordinal."""
    found: list[tuple[int, str]] = [(m.start(), m.group(0)) for m in ARTIFACT_NAME_RE.finditer(text)]
    lowered = text.lower()
    for f in audio:
        if not f.label:
            continue
        stem = f.label.rsplit(".", 1)[0].lower()
        for rx in (re.escape(f.label.lower()), rf"\b{re.escape(stem)}\b" if len(stem) >= 3 else None):
            hits = [m.start() for m in re.finditer(rx, lowered)] if rx else []
            if hits:
                found += [(p, f.name) for p in hits]
                break
    for m in _LIST_ORDINAL_RE.finditer(text):
        index = -1 if m.group(1).lower() == "last" else _ORDINALS[m.group(1).lower()]
        if index < len(audio):
            found.append((m.start(1), audio[index].name))
    return sorted(found)


def choose_files(text: str, files: list[SessionFile], previous: str | None, replaces: list[str]) -> list[str]:
    """The audio files a join/mix step means, in order: the files it names ("the first and the third",
    "intro.wav"), with the previous step's output where the step says "it" or names too few; else
    every upload in upload order, the previous output standing in for the file it was made from."""
    audio = [f for f in files if f.kind == "audio"]
    named: list[str] = []
    for _, name in mentions(text, audio):
        if name not in named:
            named.append(name)
    if previous and any(n in replaces for n in named):  # "denoise a.wav, then mix a.wav with b.wav"
        named = [previous if n in replaces else n for n in named]
    elif previous and previous not in named and (named or _PREVIOUS_RE.search(text)):
        first = not re.search(r"\b(?:before|in front of|ahead of)\s+(?:it|this|that)\b|\bas (?:an|the) intro\b", text)
        named = [previous, *named] if first else [*named, previous]
    if len(named) >= 2:
        return named
    pool = [f.name for f in audio if f.tool is None] or [f.name for f in audio]
    if previous:
        pool = [previous if n in replaces else n for n in pool]
        if previous not in pool:
            pool = [previous, *pool]
    count = re.search(r"\b(both|two|three|four|five)\b", text, re.I)
    if count and len(pool) > _COUNT[count.group(1).lower()]:
        pool = pool[-_COUNT[count.group(1).lower()] :]
    if named:
        at_end = has(r"\b(?:at|to) the end\b|\bappend\w*|\bafter (?:it|them|that)\b|\boutro\b", text)
        others = [n for n in pool if n != named[0]]
        return [*others, named[0]] if at_end else [named[0], *others]
    return pool


# ---- mix_audio: which file is the voice, gains, offsets, ducking ---------------------------------
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
