"""Text rules of the offline router, in and out: split a request into steps, read the session's
file list, pull tool arguments (quoted text, speed, language, threshold, top-k, file references)
out of plain English, read tool results and compose the final reply from ``prompts/responses.yaml``.
Pure functions over strings and messages; no models here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from audiogpt.prompts import read_prompt_yaml
from audiogpt.session import ARTIFACT_NAME_RE

_RESPONSES = "responses.yaml"
MAX_STEPS = 6  # a longer chain is almost always a misread request

# "…", '…' (apostrophes inside words allowed), “…”, ‘…’
QUOTE_RE = re.compile(r"\"([^\"]+)\"|“([^”]+)”|‘([^’]+)’|(?<!\w)'((?:[^']|(?<=\w)'(?=\w))+)'(?!\w)")
_TOKEN_RE = re.compile(r"\x00(\d+)\x00")

_ACTION_VERBS = (
    "transcribe|translate|detect|find|tag|identify|list|clean|denoise|enhance|remove|say|speak|read|"
    "tell|show|give|label|classify|check|make|convert|generate|compose|create|separate|run|write|"
    "pronounce|reduce|locate|mark|turn|get"
)
_SPLIT_RE = re.compile(
    r"\s*(?:;|\bfollowed by\b|,?\s*\b(?:and then|and after that|after that|afterwards|and also|"
    r"and finally|then)\b|[,.]\s*(?:next|finally|also|lastly)\b|[.]\s+(?=[A-Z])"
    rf"|,?\s+and\s+(?=(?:please\s+)?(?:{_ACTION_VERBS})\b)|,\s+(?=(?:please\s+)?(?:{_ACTION_VERBS})\b))"
    r"[,:]?\s*",
    re.IGNORECASE,
)
_NUMBERED_RE = re.compile(r"(?:^|\s)(?:step\s*)?\d+\s*[.):]\s+", re.IGNORECASE)
_LEAD_RE = re.compile(
    r"^(?:(?:first(?:ly)?|first of all|to start|start by|please|pls|and|also|so|now|ok(?:ay)?|"
    r"hi|hello|hey(?: there)?|can you|could you|would you)\b[\s,:!.]*)+",
    re.IGNORECASE,
)


def mask_quotes(text: str) -> tuple[str, list[str]]:
    """Replace every quoted span by a ``\\x00<i>\\x00`` token so rules never look inside quotes."""
    quotes: list[str] = []

    def keep(m: re.Match[str]) -> str:
        quotes.append(next(g for g in m.groups() if g is not None).strip())
        return f"\x00{len(quotes) - 1}\x00"

    return QUOTE_RE.sub(keep, text), quotes


def unmask(text: str, quotes: list[str]) -> str:
    """Put the quoted spans back, in double quotes."""
    return _TOKEN_RE.sub(lambda m: f'"{quotes[int(m.group(1))]}"', text)


def split_steps(text: str) -> list[str]:
    """Split a request into at most MAX_STEPS steps on "then", ";", "after that", numbered steps…

    Text inside quotes is never split.
    """
    masked, quotes = mask_quotes(text.strip())
    parts = _NUMBERED_RE.split(masked) if len(_NUMBERED_RE.findall(masked)) >= 2 else [masked]
    steps: list[str] = []
    for part in parts:
        for piece in _SPLIT_RE.split(part):
            piece = _LEAD_RE.sub("", piece.strip()).strip(" \t\n,.;:!?")
            if piece:
                steps.append(unmask(piece, quotes))
    return steps[:MAX_STEPS] or [text.strip()]


# ---- the session's files ----------------------------------------------------------------------
@dataclass(frozen=True)
class SessionFile:
    """One line of the "Files in this session" section of the system prompt."""

    name: str
    label: str | None = None  # original file name of an upload
    tool: str | None = None  # the tool that made it; None for uploads

    @property
    def kind(self) -> str:
        return self.name.split("/", 1)[0]


_LABEL_RE = re.compile(r'uploaded as "([^"]*)"')
_MADE_BY_RE = re.compile(r"made by (\w+)")


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
            label, made = _LABEL_RE.search(line), _MADE_BY_RE.search(line)
            files.append(SessionFile(m.group(0), label and label.group(1), made and made.group(1)))
    return files


_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "oldest": 0}
_ORDINAL_RE = re.compile(
    r"\b(first|second|third|fourth|fifth|last|latest|newest|oldest|original|previous)\s+"
    r"(?:uploaded\s+)?(?:file|recording|clip|audio|one|upload|track|sample|sound)",
    re.IGNORECASE,
)


def explicit_file(text: str, files: list[SessionFile]) -> str | None:
    """A file the step names: an artifact name, an upload's original name, or "the second file"."""
    m = ARTIFACT_NAME_RE.search(text)
    if m:
        return m.group(0)
    lowered = text.lower()
    for f in reversed(files):  # the newest upload under that name wins, as in Session.resolve
        if f.label and f.label.lower() in lowered:
            return f.name
    audio = [f for f in files if f.kind == "audio"]
    m = _ORDINAL_RE.search(text)
    if m and audio:
        word = m.group(1).lower()
        if word == "original":
            uploads = [f for f in audio if f.tool is None]
            return (uploads or audio)[-1].name
        index = _ORDINALS.get(word, -1)
        return audio[index].name if index < len(audio) else None
    return None


_UPLOAD_REF_RE = re.compile(
    r"\b(?:this|my|the uploaded|the attached)\s+(?:\w+\s+)?(?:file|recording|clip|audio|upload|track|memo|sample)\b",
    re.IGNORECASE,
)


def upload_ref(text: str, files: list[SessionFile]) -> str | None:
    """ "this recording" / "my file" → the newest upload (not a file a tool made)."""
    uploads = [f for f in files if f.kind == "audio" and f.tool is None]
    return uploads[-1].name if uploads and _UPLOAD_REF_RE.search(text) else None


# ---- arguments ----------------------------------------------------------------------------------
_WORDS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
_NUMBER_WORDS = {w: i for i, w in enumerate([*_WORDS.split(), "sixteen", "seventeen", "eighteen", "nineteen"])}
_NUMBER_WORDS["twenty"] = 20
_NUM = r"(\d+|" + "|".join(_NUMBER_WORDS) + r")"
_TOP_K_RES = (
    re.compile(rf"\btop[\s-]*{_NUM}\b", re.IGNORECASE),
    re.compile(
        rf"\b{_NUM}\s+(?:most\s+\w+\s+|main\s+|top\s+|loudest\s+|likely\s+|different\s+)?"
        r"(?:sounds?|labels?|tags?|classes|categories|events?|things|results?|guesses)\b",
        re.IGNORECASE,
    ),
)


def top_k(text: str) -> int | None:
    """ "top 3 sounds", "five labels" → the number."""
    for rx in _TOP_K_RES:
        m = rx.search(text)
        if m:
            word = m.group(1).lower()
            return int(word) if word.isdigit() else _NUMBER_WORDS[word]
    return None


_THRESHOLD_RES = (
    re.compile(r"threshold\s*(?:of|=|:|to|at|is)?\s*(\d*\.?\d+)\s*(%)?", re.IGNORECASE),
    re.compile(r"(\d*\.?\d+)\s*(%)?\s*(?:threshold|confidence|probability)", re.IGNORECASE),
)


def threshold(text: str) -> float | None:
    """ "threshold 0.3", "with a 30% threshold" → 0.3."""
    for rx in _THRESHOLD_RES:
        m = rx.search(text)
        if m:
            value = float(m.group(1))
            return value / 100 if m.group(2) or value > 1 else value
    if re.search(r"\b(?:very sensitive|sensitive|lenient)\b", text, re.IGNORECASE):
        return 0.3
    if re.search(r"\b(?:strict|conservative)\b", text, re.IGNORECASE):
        return 0.7
    return None


_SPEED_NUM_RE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:x|×|times)\b|\bspeed\s*(?:of|to|at|=|:)?\s*(\d+(?:\.\d+)?)|(\d+)\s*%\s*speed",
    re.IGNORECASE,
)
_SLOW_RE = re.compile(r"\b(?:slowly|slower|slow)\b", re.IGNORECASE)
_FAST_RE = re.compile(r"\b(?:quickly|fast|faster|rapidly|speedily)\b", re.IGNORECASE)


def speed(masked_text: str) -> float | None:
    """Speaking rate from "slowly" (0.8), "fast" (1.3) or "at 1.5x speed" (quotes masked)."""
    m = _SPEED_NUM_RE.search(masked_text)
    if m:
        if m.group(3):
            return float(m.group(3)) / 100
        return float(m.group(1) or m.group(2))
    if _SLOW_RE.search(masked_text):
        return 0.8
    if _FAST_RE.search(masked_text):
        return 1.3
    return None


LANGUAGES = {
    "english": "en", "french": "fr", "spanish": "es", "german": "de", "italian": "it",
    "portuguese": "pt", "dutch": "nl", "russian": "ru", "chinese": "zh", "mandarin": "zh",
    "japanese": "ja", "korean": "ko", "arabic": "ar", "hindi": "hi", "turkish": "tr", "polish": "pl",
    "swedish": "sv", "norwegian": "no", "danish": "da", "finnish": "fi", "greek": "el", "czech": "cs",
    "ukrainian": "uk", "hebrew": "he", "vietnamese": "vi", "thai": "th", "indonesian": "id",
    "romanian": "ro", "hungarian": "hu", "catalan": "ca",
}  # fmt: skip
_LANG = "(" + "|".join(LANGUAGES) + ")"
_LANGUAGE_RES = (
    re.compile(rf"\b(?:in|from)\s+{_LANG}\b", re.IGNORECASE),
    re.compile(
        rf"\b{_LANG}\s+(?:audio|speech|recording|clip|file|speaker|interview|voice|podcast|"
        r"conversation|message|lecture|voicemail|memo|song|news)",
        re.IGNORECASE,
    ),
    re.compile(rf"\b(?:language\s*(?:is|:|=)?|speaks?|speaking|spoken in)\s+{_LANG}\b", re.IGNORECASE),
)


def language(text: str) -> str | None:
    """ISO 639-1 code of a language the request clearly names ("in French" → "fr")."""
    for rx in _LANGUAGE_RES:
        m = rx.search(text)
        if m:
            return LANGUAGES[m.group(1).lower()]
    return None


def translation_note(text: str) -> str | None:
    """speech_translation only produces English: say so when another target language is asked."""
    m = re.search(rf"\b(?:into|to|in)\s+{_LANG}\b", text, re.IGNORECASE)
    if not m or LANGUAGES[m.group(1).lower()] == "en":
        return None
    return read_prompt_yaml(_RESPONSES)["translation_target"].format(language=m.group(1).title())


_SPEAK_RE = re.compile(
    r"\b(?:say|says|saying|speak|speaking|read\s+(?:out|aloud)|read|pronounce|utter|announce|narrate|"
    r"voice|tts|text[- ]to[- ]speech)\b(?:\s+(?:out loud|aloud|out))?\s*:?\s*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_CONVERT_RE = re.compile(r"\b(?:convert|turn)\s+(.+?)\s+(?:to|into)\s+(?:speech|audio|voice)\b", re.IGNORECASE)
_TEXT_LEAD_RE = re.compile(
    r"^(?:(?:the following|following|this|the|my|a)\s+(?:sentence|text|words?|phrase|line|message|note)\b"
    r"|the following\b)\s*[:,]?\s*",
    re.IGNORECASE,
)
_MANNER_RE = re.compile(
    r"[\s,]*(?:in (?:an? )?[\w\s-]{0,30}?\b(?:voice|tone|accent|way|manner)|with an? [\w\s-]{0,30}?\b"
    r"(?:voice|tone|accent)|very|really|slowly|quickly|fast|faster|slower|out loud|aloud|please|for me|"
    r"to me|at (?:a )?(?:normal|slow|fast|high|low|quick) (?:speed|pace|rate)|at \d+(?:\.\d+)?\s*(?:x|×|times)"
    r"(?: (?:the )?speed)?|at \d+ ?% speed)[\s.!?]*$",
    re.IGNORECASE,
)


def speech_text(step: str) -> str | None:
    """The words to speak: the quoted text, else the words after say/speak/read out/pronounce."""
    masked, quotes = mask_quotes(step)
    if quotes:
        return quotes[0]
    colon = masked.find(":")
    m = _CONVERT_RE.search(masked)
    if m:
        text = m.group(1)
    elif colon >= 0 and masked[colon + 1 :].strip():
        text = masked[colon + 1 :]
    else:
        m = _SPEAK_RE.search(masked)
        if not m:
            return None
        text = m.group(1)
    text = _TEXT_LEAD_RE.sub("", text.strip(), count=1)
    previous = None
    while previous != text:
        previous, text = text, _MANNER_RE.sub("", text)
    text = text.strip(" \t\n,;:")
    return None if text.lower() in ("", "this", "that", "it", "something", "this text", "it out") else text
