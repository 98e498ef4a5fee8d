"""The session's files as the offline router sees them (``SessionFile`` data the agent hands it with
``OfflineRouter.session``, never text scraped from the prompt), and picked for a step's
file arguments: one audio file, a video, or an ordered list of audio files for concatenate_audio /
mix_audio (with the mix's gains, offsets and ducking, which depend on which file is the voice and
which the music)."""

from __future__ import annotations

import re
from dataclasses import replace

from audiogpt.formats import extension_pattern
from audiogpt.observation import SessionFile
from audiogpt.session import ARTIFACT_NAME_RE
from audiogpt.slots import _ORDINALS, has, mentions
from audiogpt.tools import CATALOG

_ROLE_WORDS = {
    "voice": r"voice|vocal|speech|speak|narrat|talk|podcast|interview|dialog|spoken|singer|sing|host|lecture|memo|"
    r"announce|\bvo\b|\bmic\b",
    "music": r"music|song|beat|instrumental|backing|bgm|background|ambien|\bbed\b|loop|rain|drone|\bpad\b|score|"
    r"jingle|guitar|piano|drum|sfx|effect",
}


def with_roles(files: list[SessionFile]) -> list[SessionFile]:
    """The files with their ``role`` ("voice"/"music") as far as the maker or the name tells (for mixing)."""
    voices = {name for name, spec in CATALOG.items() if "voice_output" in spec.traits}
    out = []
    for f in files:
        role = "voice" if f.tool in voices else None
        name = (f.label or f.origin or "").lower()
        for kind, rx in _ROLE_WORDS.items():
            if role is None and re.search(rx, name):
                role = kind
        out.append(replace(f, role=role))
    return out


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
    missing = _PATH_RE.search(text) or _NAMED_RE.search(text)
    labels = {f.label.lower() for f in files if f.label}
    if missing and missing.group(0).lower() not in labels:  # not in this session: the binding says so
        return missing.group(0)
    for f in reversed(files):  # "the dog recording" for an upload named dog.wav
        stem = (f.label or "").rsplit(".", 1)[0].lower()
        if f.kind == kind and len(stem) >= 3 and re.search(rf"\b{re.escape(stem)}\b", lowered):
            return f.name
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


# a file named as where the result goes, not as an input: "save it as out.wav", "convert a.wav to b.mp3"
_OUTPUT_NAME_RE = re.compile(r"\b(?:as|to|into|named|called)\s+(?:a\s+(?:new\s+)?file\s+)?$", re.I)


def named_files(text: str, files: list[SessionFile], kind: str = "audio") -> list[tuple[str, int]]:
    """The files of this kind a step's text names, in the order it names them, each once, with where it
    is first named: session files by their upload name or artifact name, and names of this kind's
    extensions the session lacks (binding then says they are missing). A name said as where the
    result goes ("save it as b.wav") is not an input. Names only, unlike ``slots.mentions`` (stems,
    ordinals): "make the voice louder on music.wav" names one file even when voice.wav was uploaded."""
    found: dict[str, int] = {}
    labels = {f.label.lower(): f.name for f in reversed(files) if f.label and f.kind == kind}
    pattern = re.compile(rf"\b[\w-]+\.(?:{extension_pattern(kind)})\b", re.I)
    artifacts = list(ARTIFACT_NAME_RE.finditer(text))
    for m in [*artifacts, *pattern.finditer(text)]:
        word = m.group(0)
        if any(a.start() < m.start() < a.end() for a in artifacts):  # the tail of an artifact name
            continue
        name = word if ARTIFACT_NAME_RE.fullmatch(word) else labels.get(word.lower(), word)
        if name.startswith(("audio/", "video/", "image/")) and not name.startswith(kind + "/"):
            continue
        if _OUTPUT_NAME_RE.search(text[: m.start()]):
            continue
        found.setdefault(name, m.start())
    return sorted(found.items(), key=lambda item: item[1])


# a path ("/etc/passwd", "../../etc/hosts", "~/x.wav") or a file name with a media or document extension
_PATH_RE = re.compile(r"(?<![\w/])(?:~|\.{1,2})?/[\w.\-]+(?:/[\w.\-]+)*")
_NAMED_RE = re.compile(
    rf"\b[\w-]+\.(?:{extension_pattern('audio', 'video', 'image')}|txt|pdf|docx?|json|csv|srt|zip)\b", re.I
)


def missing_file(name: str, files: list[SessionFile]) -> str:
    """What to say about a file the request names that this session does not have."""
    listing = ", ".join(f"{f.label} ({f.name})" if f.label else f.name for f in files) or "no files yet"
    return f"I don't have {name}; this session has: {listing}."


_UPLOAD_REF_RE = re.compile(
    r"\b(?:this|my|the uploaded|the attached)\s+(?:\w+\s+)?(?:file|recording|clip|audio|upload|track|memo|sample)\b",
    re.IGNORECASE,
)


def upload_ref(text: str, files: list[SessionFile]) -> str | None:
    """ "this recording" / "my file" → the newest upload (not a file a tool made)."""
    uploads = [f for f in files if f.kind == "audio" and f.tool is None]
    return uploads[-1].name if uploads and _UPLOAD_REF_RE.search(text) else None


# ---- lists of files (concatenate_audio, mix_audio) -----------------------------------------------
_PREVIOUS_RE = re.compile(r"\b(?:it|this|that|the result|the output|the (?:new|processed|edited) (?:one|file|version))"
                          r"\b(?!\s+(?:two|three|four|both|files|clips|recordings))", re.I)  # fmt: skip
_COUNT = {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5}


def choose_files(
    text: str, files: list[SessionFile], previous: str | None, replaces: list[str], latest: dict[str, str] | None = None
) -> list[str]:
    """The audio files a join/mix step means, in order: the files it names ("the first and the third",
    "intro.wav"), with the previous step's output where the step says "it" or names too few; else
    every upload in upload order, the previous output standing in for the file it was made from.
    A file an earlier step of this turn changed is taken as it is now (``latest``: input → newest output)."""
    latest = latest or {}
    audio = [f for f in files if f.kind == "audio"]
    named: list[str] = []
    for _, name in mentions(text, audio):
        name = latest.get(name, name)
        if name not in named:
            named.append(name)
    if previous and any(n in replaces for n in named):  # "denoise a.wav, then mix a.wav with b.wav"
        named = [previous if n in replaces else n for n in named]
    elif previous and previous not in named and (named or _PREVIOUS_RE.search(text)):
        first = not re.search(r"\b(?:before|in front of|ahead of)\s+(?:it|this|that)\b|\bas (?:an|the) intro\b", text)
        named = [previous, *named] if first else [*named, previous]
    if len(named) >= 2:
        return named
    uploads = [f.name for f in audio if f.tool is None] or [f.name for f in audio]
    pool = list(dict.fromkeys(latest.get(n, n) for n in uploads))
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
