"""Arguments of the editing tools read from plain English (fields of their input models in ``audiogpt.tools``).

Pure functions over one step's text, with quotes masked and file names already replaced. A value
measured from the end of a file ("the last 5 seconds") needs the file's duration; without it the
result holds ``NEEDS_DURATION``. Numbers are clamped to the schema's bounds by the caller.
"""

from __future__ import annotations

import re
from typing import Any

NEEDS_DURATION = "_needs_duration"

# ---- numbers, times, frequencies ----------------------------------------------------------------
_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90, "half a": 0.5,
    "half an": 0.5, "half": 0.5, "a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3, "few": 3,
    "a quarter": 0.25, "quarter": 0.25, "a": 1, "an": 1, "single": 1,
}  # fmt: skip
_DIGITS = r"(?:\d+(?:\.\d+)?|\.\d+)"
_WORD_NUM = r"(?:" + "|".join(sorted(_WORDS, key=len, reverse=True)).replace(" ", r"\s+") + r")"
NUM = rf"(?:{_DIGITS}|{_WORD_NUM})"
_UNIT = r"(?:milli-?seconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?"
TIME = (
    rf"(?:{_CLOCK}|(?<![\w.])(?:{_DIGITS}\s*-?\s*|{_WORD_NUM}[\s-]+){_UNIT}(?:\s*(?:and\s+)?\d+(?:\.\d+)?\s*{_UNIT})?)"
)
_POINT = rf"(?:{_CLOCK}|(?:\d+(?:\.\d+)?|\.\d+)(?:\s*{_UNIT})?)"  # a time whose unit may come later
_RANGE_RES = (
    re.compile(rf"\bbetween\s+(?P<a>{_POINT})\s+and\s+(?P<b>{_POINT})", re.I),
    re.compile(rf"(?:\b(?P<lead>from|since|seconds?|secs?)\s+)?(?P<a>{_POINT})\s*(?:to|-|–|—|until|till|through|thru)"
               rf"\s*(?P<b>{_POINT})(?!\s*(?:db|hz|khz|%|x\b|times|lufs|semi|bpm))", re.I),
)  # fmt: skip
_HZ_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(k?hz|k)\b", re.I)
DB_RE = re.compile(r"([+\-−]?\s?\d+(?:\.\d+)?)\s*(?:db|decibels?)\b", re.I)
BREAK_RE = re.compile(r",|;|\band\b|\bwith\b|\bthen\b|\bplus\b|\+", re.I)


def number(word: str) -> float:
    """ "2.5" → 2.5, "two" → 2, "half a" → 0.5."""
    word = re.sub(r"\s+", " ", word.strip().lower())
    return float(word) if re.fullmatch(r"\d+(?:\.\d+)?|\.\d+", word) else float(_WORDS[word])


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
        if ":" in value:
            parts = [float(p) for p in value.split(":")]
            return sum(p * 60**i for i, p in enumerate(reversed(parts)))
        pairs = re.findall(rf"({NUM})\s*-?\s*({_UNIT})", value, re.I)
        return sum(number(n) * _unit_s(u) for n, u in pairs)
    if default_unit:
        m = re.search(r"(?<![\w.-])(\d+(?:\.\d+)?|\.\d+)\b(?!\s*(?:db|hz|khz|%|lufs|x\b))", text, re.I)
        return float(m.group(1)) * _unit_s(default_unit) if m else None
    return None


def time_range(text: str, bare_ok: bool = False) -> tuple[float, float] | None:
    """ "from 0:05 to 0:12", "1.0 to 2.5 s", "between 10 and 15 seconds" → (start, end) in seconds."""
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
                return (min(start, end), max(start, end))
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


def has(rx: str, text: str) -> bool:
    """Whether the pattern occurs in the text (case-insensitive)."""
    return re.search(rx, text, re.I) is not None


# ---- trim_audio ---------------------------------------------------------------------------------
_OPT_TIME = rf"(?:{TIME}|(?:{NUM}\s*)?{_UNIT})"
_FIRST_RE = re.compile(rf"\b(?:first|opening|initial|beginning)\s+({_OPT_TIME})|({TIME})\s+(?:off|from|at|of)\s+"
                       r"the\s+(?:start|beginning|front|top|head)", re.I)  # fmt: skip
_LAST_RE = re.compile(rf"\b(?:last|final|ending|closing|trailing)\s+({_OPT_TIME})|({TIME})\s+(?:off|from|at|of)\s+"
                      r"the\s+(?:end|back|tail)", re.I)  # fmt: skip
_AFTER_RE = re.compile(rf"\b(?:after|from|past|start(?:ing)?\s+(?:at|from)|begin(?:ning)?\s+at)\s+({TIME})", re.I)
_BEFORE_RE = re.compile(rf"\b(?:before|until|till|up\s+to|to|at)\s+({TIME})", re.I)
_KEEP_RE = re.compile(r"\b(?:keep|isolate|excerpt|extract|preserve|retain|give me|save|leave only)\b|"
                      r"\b(?:cut|trim|crop|shorten|clip)\s+(?:\w+\s+){0,2}?(?:down\s+)?to\b", re.I)  # fmt: skip
_REMOVE_RE = re.compile(r"\b(?:cut|trim|remove|delete|drop|chop|skip|lose|strip|shave|lop|snip|erase|get rid of|"
                        r"take\s+off|clip\s+off|without|except|exclude)\w*", re.I)  # fmt: skip
_SPAN_REMOVE_RE = re.compile(r"\b(?:remove|delete|cut\s+away|get rid of|drop|skip|exclude|erase|lose|excise|without|"
                             r"except)\b|\b(?:cut|take|chop|snip|strip)\b.{0,40}?\bout\b", re.I)  # fmt: skip
_NO_SPEECH = r"\bnon-?speech\b|\bno(?:body| one) (?:speaks|talks)\b|\bwithout (?:speech|talking)"
_SILENCE_RE = re.compile(rf"\bsilen\w*|\bdead air\b|\bquiet (?:bits|parts|sections|gaps|ends)\b|{_NO_SPEECH}", re.I)
_VAD_RE = re.compile(rf"{_NO_SPEECH}|\bvad\b", re.I)


def _span_s(m: re.Match[str]) -> float:
    text = m.group(1) or m.group(2)
    if re.fullmatch(rf"{_UNIT}", text.strip(), re.I):  # "the first second"
        return _unit_s(text.strip())
    if not re.search(NUM + r"\s*-?\s*" + _UNIT, text, re.I) and ":" not in text:
        word = re.match(NUM, text, re.I)
        return number(word.group(0)) * _unit_s(text[word.end() :].strip()) if word else 1.0
    return seconds(text) or 0.0


def trim_args(text: str, duration: float | None = None) -> dict[str, Any]:
    """start_s / end_s / mode / remove_silence from "cut the first 3 s", "keep 0:05 to 0:12", "trim the silence"."""
    args: dict[str, Any] = {}
    if _SILENCE_RE.search(text):
        args["remove_silence"] = True
        if _VAD_RE.search(text):
            args["silence_method"] = "vad"
        level = re.search(r"(-\d+(?:\.\d+)?)\s*dbf?s?\b", text, re.I)
        if level:
            args["silence_threshold_db"] = float(level.group(1))
    keep = bool(_KEEP_RE.search(text)) or (not _REMOVE_RE.search(text))
    span = time_range(text, bare_ok=True)
    first, last = _FIRST_RE.search(text), _LAST_RE.search(text)
    if span:
        args.update(start_s=span[0], end_s=span[1])
        if _SPAN_REMOVE_RE.search(text) and not has(r"\bkeep\b|\bonly\b", text):
            args["mode"] = "remove"
    elif first or last or has(r"\b(?:first|second)\s+half\b", text):
        head = _span_s(first) if first else None
        tail = _span_s(last) if last else None
        if has(r"\bfirst\s+half\b", text) and head is None:
            head = duration / 2 if duration else None
        if has(r"\bsecond\s+half\b", text) and tail is None:
            tail = duration / 2 if duration else None
        if head is None and tail is None:
            return {**args, NEEDS_DURATION: True}
        if keep and not (head and tail):
            if head is not None:
                args["end_s"] = head
            elif duration is None:
                return {**args, NEEDS_DURATION: True}
            else:
                args["start_s"] = max(0.0, duration - (tail or 0.0))
        else:
            if head is not None:
                args["start_s"] = head
            if tail is not None:
                if duration is None:
                    return {**args, NEEDS_DURATION: True}
                args["end_s"] = max(0.0, duration - tail)
    elif (m := _AFTER_RE.search(text)) and not has(r"\b(?:until|till|before)\b", text[: m.start()]):
        cutting = has(r"\boff\b|\b(?:everything|anything|all)\s+after\b", text) or _REMOVE_RE.search(text)
        args["end_s" if cutting and not _KEEP_RE.search(text) else "start_s"] = seconds(m.group(1))
    elif m := _BEFORE_RE.search(text):
        removing = not keep or has(r"\b(?:everything|anything|all)\s+before\b", text)
        args["start_s" if removing and _REMOVE_RE.search(text) else "end_s"] = seconds(m.group(1))
    return args


# ---- convert, video, visualize, concatenate -----------------------------------------------------
_FORMAT_RE = re.compile(r"\b(mp3|flac|wave?|ogg|vorbis|opus)\b", re.I)


def convert_args(text: str) -> dict[str, Any]:
    """format / sample_rate / channels / bit_depth from "an mp3", "16 kHz mono", "24-bit flac"."""
    args: dict[str, Any] = {}
    formats = list(_FORMAT_RE.finditer(text))
    target = re.search(r"\b(?:to|into|as|an?|in)\s+(?:\w+\s+){0,2}?(mp3|flac|wave?|ogg|vorbis|opus)\b", text, re.I)
    if formats:
        fmt = (target or formats[-1]).group(1).lower()
        args["format"] = {"wave": "wav", "vorbis": "ogg"}.get(fmt, fmt)
    elif has(r"\bsmaller\b|\bfile\s+size\b|\bfor\s+e-?mail\w*|\bless\s+space\b", text):
        args["format"] = "mp3"  # a much smaller file than wav
    rate = re.search(r"(\d+(?:\.\d+)?)\s*(khz|k|hz)\b|\b(8000|11025|16000|22050|24000|32000|44100|48000|88200|96000)\b",
                     text, re.I)  # fmt: skip
    if rate:
        value = float(rate.group(1)) * (1000 if rate.group(2).lower() in ("khz", "k") else 1) if rate.group(1) else (
            float(rate.group(3)))  # fmt: skip
        args["sample_rate"] = int({44.0: 44100.0, 22.0: 22050.0, 11.0: 11025.0}.get(value / 1000, value))
    if has(r"\bmono\b|\bone channel\b|\bsingle channel\b|\b1 channel", text):
        args["channels"] = 1
    elif has(r"\bstereo\b|\btwo channels\b|\b2 channels\b", text):
        args["channels"] = 2
    bits = re.search(r"\b(16|24|32)[- ]?bits?\b", text, re.I)
    if has(r"\bcd quality\b", text):
        args.setdefault("sample_rate", 44100)
        args["bit_depth"], args["channels"] = 16, args.get("channels", 2)
    if bits:
        args["bit_depth"] = int(bits.group(1))
    if args.get("bit_depth") and args.get("format", "wav") not in ("wav", "flac"):
        del args["bit_depth"]  # mp3/ogg/opus have no bit depth
    if args.get("bit_depth") == 32 and args.get("format") == "flac":
        args["bit_depth"] = 24
    return args


def video_args(text: str) -> dict[str, Any]:
    """audio_stream from "the second audio track" (0 = the first)."""
    ordinals = {"first": 0, "second": 1, "third": 2, "fourth": 3}
    m = re.search(r"\b(first|second|third|fourth)\s+(?:audio\s+)?(?:track|stream)", text, re.I)
    if m:
        return {"audio_stream": ordinals[m.group(1).lower()]}
    m = re.search(r"\b(?:audio\s+)?(?:track|stream)\s*#?\s*(\d+)", text, re.I)
    return {"audio_stream": max(0, int(m.group(1)) - 1)} if m else {}


def visualize_args(text: str, duration: float | None = None) -> dict[str, Any]:
    """kind / frequency_scale / start_s / end_s / max_frequency_hz from "mel spectrogram up to 8 kHz"."""
    args: dict[str, Any] = {}
    if has(r"\bmel\b", text):
        args["kind"] = "mel_spectrogram"
    elif has(r"wave\s?form|\bamplitude\b|\benvelope\b|\bwave\b|\bloudness over time", text):
        args["kind"] = "waveform"
    else:
        args["kind"] = "spectrogram"
    if has(r"\blog\w*\b", text):
        args["frequency_scale"] = "log"
    span = time_range(text)
    if span:
        args.update(start_s=span[0], end_s=span[1])
    elif (m := _FIRST_RE.search(text)) and m.group(1):
        args["end_s"] = _span_s(m)
    elif (m := _LAST_RE.search(text)) and m.group(1):
        if duration is None:
            return {**args, NEEDS_DURATION: True}
        args["start_s"] = max(0.0, duration - _span_s(m))
    below = r"\b(?:up\s+to|below|under|max(?:imum)?|to|until|limit(?:ed)?\s+(?:at|to))\s+(\d+(?:\.\d+)?\s*k?hz)"
    top = re.search(below, text, re.I) or re.search(r"\b0\s*(?:-|–|to)\s*(\d+(?:\.\d+)?\s*k?hz)", text, re.I)
    if top:
        args["max_frequency_hz"] = hz(top.group(1))
    return args


def join_args(text: str) -> dict[str, Any]:
    """crossfade_s or gap_s from "with a 2 second crossfade", "half a second of silence between"."""
    xf = re.search(r"\bcross-?fad\w*|\bblend\w*\s+(?:between|into)\b|\bsmooth\w*\s+(?:transition|join)\w*", text, re.I)
    gap = re.search(r"\bgap\w*|\bpauses?\b|\bsilen\w*|\bbreaks?\b|\bspac(?:e|ing)\b", text, re.I)
    if gap and has(r"\bno\s+(?:gap|pause|silence|break)", text):
        gap = None
    for m, key, default in ((xf, "crossfade_s", 1.0), (gap, "gap_s", 1.0)):
        if m:
            after, before = _near(text, m.start(), m.end())
            value = seconds(m.group(0) + after) or seconds(before)
            return {key: value if value is not None else default}
    return {}
