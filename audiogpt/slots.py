"""Reading values from plain English, for filling tool arguments: numbers (digits or words), times
("1.5 s", "0:05", "1 min 30 s"), time ranges, the first/last span of a clip, frequencies (Hz),
levels (dB), language names, and file mentions. Pure functions over one step's text, with quoted
text masked and file names already replaced. A value measured from the end of a file ("the last 5
seconds") needs the file's duration; without it a reader returns ``NEEDS_DURATION``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from audiogpt.observation import SessionFile
from audiogpt.session import ARTIFACT_NAME_RE

NEEDS_DURATION = "_needs_duration"

# ---- numbers, times, frequencies ----------------------------------------------------------------
NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "ninety": 90, "half a": 0.5,
    "half an": 0.5, "half": 0.5, "a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3, "few": 3,
    "a quarter": 0.25, "quarter": 0.25, "a": 1, "an": 1, "single": 1,
}  # fmt: skip
# the words that count whole things ("five labels"), without articles or fractions ("a sound" is no count)
_NOT_COUNTS = ("a", "an", "single")
COUNT_WORDS = {w: int(v) for w, v in NUMBER_WORDS.items() if " " not in w and v == int(v) and w not in _NOT_COUNTS}
_DIGITS = r"(?:\d+(?:\.\d+)?|\.\d+)"
_WORD_NUM = r"(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)).replace(" ", r"\s+") + r")"
NUM = rf"(?:{_DIGITS}|{_WORD_NUM})"
_UNIT = r"(?:milli-?seconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?"
# a decade is no length: "1920s jazz", "the 80s", "90s hip hop", "'70s" (but "a 30s loop", "a 60s clip" are)
_STYLE = (
    r"music|style|songs?|synth\w*|rock|pop|disco|jazz|funk|soul|hip[- ]?hop|rap|r&b|house|techno|metal|punk|vibes?|"
    r"sound|retro|arcade|sitcoms?|tv|movies?|films?|cartoons?|horror|games?|new wave|grunge|dance|ballads?|video|"
    r"commercials?|adverts?|radio|aesthetic|feel|nostalgi\w*|hits?|band|boy band|rave|club|goth\w*|slasher"
)
DECADE = (
    rf"(?:(?:1[0-9]|20)\d0'?s\b|(?<=\bthe )[5-9]0'?s\b|[5-9]0'?s(?=[\s-]+(?:[a-z&-]+\s+)?(?:{_STYLE})\b)"
    r"|(?<=')\d0s\b)"
)
TIME = (
    rf"(?:{_CLOCK}|(?<![\w.])(?!{DECADE})(?:{_DIGITS}\s*-?\s*|{_WORD_NUM}[\s-]+){_UNIT}"
    rf"(?:\s*(?:and\s+)?\d+(?:\.\d+)?\s*{_UNIT})?)"
)
_POINT = rf"(?:{_CLOCK}|(?:\d+(?:\.\d+)?|\.\d+)(?:\s*{_UNIT})?)"  # a time whose unit may come later
_RANGE_RES = (
    re.compile(rf"\bbetween\s+(?P<a>{_POINT})\s+and\s+(?P<b>{_POINT})", re.I),
    re.compile(rf"(?:\b(?P<lead>from|since|seconds?|secs?)\s+)?(?P<a>{_POINT})\s*(?:to|-|–|—|until|till|through|thru)"
               rf"\s*(?P<b>{_POINT})(?!\s*(?:db|hz|khz|%|x\b|times|lufs|semi|bpm))", re.I),
)  # fmt: skip
_HZ_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(k?hz|k)\b", re.I)
DB_RE = re.compile(r"([+\-−]?\s?\d+(?:\.\d+)?)\s*(?:db|decibels?)\b", re.I)
BREAK_RE = re.compile(r",|;|\band\b|\bwith\b|\bthen\b|\bplus\b|\+(?!\s?\d)", re.I)  # "+6 dB" is a sign


def number(word: str) -> float:
    """ "2.5" → 2.5, "two" → 2, "half a" → 0.5."""
    word = re.sub(r"\s+", " ", word.strip().lower())
    return float(word) if re.fullmatch(r"\d+(?:\.\d+)?|\.\d+", word) else float(NUMBER_WORDS[word])


def _unit_s(unit: str) -> float:
    unit = unit.lower().replace("-", "")
    if unit.startswith(("ms", "milli", "msec")):
        return 0.001
    return {"m": 60.0, "h": 3600.0}.get(unit[0], 1.0)


def seconds(text: str, default_unit: str | None = None) -> float | None:
    """The first time in ``text`` in seconds: "1.5 s", "500 ms", "0:05", "1 min 30 s", "two seconds"."""
    m = re.search(TIME, text, re.I)
    if m:
        value = m.group(0)
        sign = -1.0 if re.search(r"(?:^|\s)[-−]$", text[: m.start()]) else 1.0  # "a −5 second gap"
        if ":" in value:
            parts = [float(p) for p in value.split(":")]
            return sign * sum(p * 60**i for i, p in enumerate(reversed(parts)))
        pairs = re.findall(rf"({NUM})\s*-?\s*({_UNIT})", value, re.I)
        return sign * sum(number(n) * _unit_s(u) for n, u in pairs)
    if default_unit:
        m = re.search(r"(?<![\w.-])(\d+(?:\.\d+)?|\.\d+)\b(?!\s*(?:db|hz|khz|%|lufs|x\b))", text, re.I)
        return float(m.group(1)) * _unit_s(default_unit) if m else None
    return None


_UNIT_FIRST_RE = re.compile(r"\b(second|minute|hour)\s+(\d+(?:\.\d+)?)\b(?!\s*(?::\d|[a-z]))", re.I)


def unit_first(text: str) -> str:
    """ "from second 12 until second 40" → "from 12 seconds until 40 seconds": a unit said before its number."""
    return _UNIT_FIRST_RE.sub(lambda m: f"{m.group(2)} {m.group(1)}s", text)


def time_range(text: str, bare_ok: bool = False) -> tuple[float, float] | None:
    """ "from 0:05 to 0:12", "1.0 to 2.5 s", "between 10 and 15 seconds", "from second 12 until second 40"
    → (start, end) in seconds."""
    text = unit_first(text)
    for rx in _RANGE_RES:
        for m in rx.finditer(text):
            a, b = m.group("a"), m.group("b")
            unit = re.search(_UNIT, b, re.I) or re.search(_UNIT, a, re.I)
            timed = ":" in a + b or unit or "between" in m.group(0).lower() or m.groupdict().get("lead")
            if not timed and not bare_ok:
                continue
            u = unit.group(0) if unit else "s"
            start, end = (seconds(x) if re.search(_UNIT, x, re.I) or ":" in x else seconds(x, u) for x in (a, b))
            if start is not None and end is not None and start != end:
                return (start, end)  # as said: reversed ends are refused by the tool's input, never swapped
    return None


def hz(text: str) -> float | None:
    """The first frequency in Hz: "200 Hz", "3 kHz", "44.1k"."""
    m = _HZ_RE.search(text)
    return float(m.group(1)) * (1 if m.group(2).lower() == "hz" else 1000) if m else None


def decibels(text: str) -> float | None:
    """The first level in dB, with its sign: "-6 dB", "+3dB"."""
    m = DB_RE.search(text)
    return float(m.group(1).replace(" ", "").replace("−", "-")) if m else None


def _near(text: str, start: int, end: int) -> tuple[str, str]:
    """The words after a keyword (to the next clause break) and before it (from the last break)."""
    after = text[end:]
    cut = BREAK_RE.search(after)
    before = text[:start]
    breaks = list(BREAK_RE.finditer(before))
    return after[: cut.start()] if cut else after, before[breaks[-1].end() :] if breaks else before


_ODD_NUMBER_RE = re.compile(r"[+\-−]?\b(?:nan|inf(?:inity)?|\d+(?:\.\d+)?e[+\-]?\d+)\b", re.I)


def odd_number(text: str) -> str | None:
    """A number written so that no reader takes it faithfully ("1e9", "nan", "inf"), or None. Such a
    value is refused with a sentence rather than read as some other number."""
    m = _ODD_NUMBER_RE.search(text)
    return m.group(0) if m else None


def has(rx: str, text: str) -> bool:
    """Whether the pattern occurs in the text (case-insensitive)."""
    return re.search(rx, text, re.I) is not None


# ---- the first / last span of a clip ("the first 3 seconds", "the last minute") ------------------
_OPT_TIME = rf"(?:{TIME}|(?:{NUM}\s*)?{_UNIT})"
FIRST_RE = re.compile(rf"\b(?:first|opening|initial|beginning)\s+({_OPT_TIME})|({TIME})\s+(?:off|from|at|of)\s+"
                       r"the\s+(?:start|beginning|front|top|head)", re.I)  # fmt: skip
LAST_RE = re.compile(rf"\b(?:last|final|ending|closing|trailing)\s+({_OPT_TIME})|({TIME})\s+(?:off|from|at|of)\s+"
                      r"the\s+(?:end|back|tail)", re.I)  # fmt: skip
_AFTER_RE = re.compile(rf"\b(?:after|from|past|start(?:ing)?\s+(?:at|from)|begin(?:ning)?\s+at)\s+({TIME})", re.I)
_BEFORE_RE = re.compile(rf"\b(?:before|until|till|up\s+to|to|at)\s+({TIME})", re.I)


def span_s(m: re.Match[str]) -> float:
    text = m.group(1) or m.group(2)
    if re.fullmatch(rf"{_UNIT}", text.strip(), re.I):  # "the first second"
        return _unit_s(text.strip())
    if not re.search(NUM + r"\s*-?\s*" + _UNIT, text, re.I) and ":" not in text:
        word = re.match(NUM, text, re.I)
        return number(word.group(0)) * _unit_s(text[word.end() :].strip()) if word else 1.0
    return seconds(text) or 0.0


# ---- languages ----------------------------------------------------------------------------------
LANGUAGES = {
    "english": "en", "french": "fr", "spanish": "es", "german": "de", "italian": "it",
    "portuguese": "pt", "dutch": "nl", "russian": "ru", "chinese": "zh", "mandarin": "zh",
    "japanese": "ja", "korean": "ko", "arabic": "ar", "hindi": "hi", "turkish": "tr", "polish": "pl",
    "swedish": "sv", "norwegian": "no", "danish": "da", "finnish": "fi", "greek": "el", "czech": "cs",
    "ukrainian": "uk", "hebrew": "he", "vietnamese": "vi", "thai": "th", "indonesian": "id",
    "romanian": "ro", "hungarian": "hu", "catalan": "ca",
}  # fmt: skip

LANGUAGE_NAME = "(" + "|".join(LANGUAGES) + ")"  # a regex group matching one language name


# ---- file mentions ------------------------------------------------------------------------------
_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "oldest": 0}
_LIST_ORDINAL_RE = re.compile(
    r"\b(?:the|and|,)\s+(first|second|third|fourth|fifth|last)\b(?!\s+(?:\d|few|couple|half|seconds?|minutes?|time))",
    re.I,
)


def mentions(text: str, audio: Sequence[SessionFile]) -> list[tuple[int, str]]:
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
