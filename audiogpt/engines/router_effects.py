"""How the sound should change, read from plain English: the effects list of ``apply_audio_effect``
(in the order said), the factor of ``change_speed`` and the semitones of ``change_pitch``.

"add big hall reverb and boost the bass by 6 dB" → ``[{"name": "reverb", "room_size": 0.9, …},
{"name": "low_shelf", "gain_db": 6.0}]``. Each effect word owns the numbers and adjectives of its
clause (clauses end at commas, "and", "with", "then"), and the clauses after it that name no effect
("compress it, with a 4:1 ratio at -20 dB").
"""

from __future__ import annotations

import re
from typing import Any

from audiogpt.engines.router_edit_args import BREAK_RE, NEEDS_DURATION, NUM, TIME, decibels, has, hz, number, seconds

# (effect, pattern): where matches overlap, the earlier pattern wins. "weak" words (volume, a bare
# "by 6 dB", a bare frequency) count only when no specific effect shares their clause.
_PATTERNS = [
    ("telephone", r"\b(?:tele)?phone\w*|\bwalkie[- ]?talkie|\b(?:old|am)\s+radio|\bradio\s+(?:voice|sound|effect)"),
    ("fade_both", r"\bfade[sd]?\s*(?:it\s*)?in\s*(?:and|&|/)\s*(?:fade[sd]?\s*)?out\b"),
    ("fade_in", r"\bfade[sd]?[- ]?(?:it\s+|this\s+)?in\b|\bfade-?ins?\b"),
    ("fade_out", r"\bfade[sd]?[- ]?(?:it\s+|this\s+)?(?:out|away)\b|\bfade-?outs?\b|\bfade\s+(?:at|to)\s+the\s+end"),
    ("normalize_peak", r"\bpeak[- ]?normali[sz]\w*|\bnormali[sz]\w*\s+(?:the\s+)?peaks?\b"
                       r"|\bnormali[sz]\w*\s+(?:it\s+)?to\s+[-−]?\d+(?:\.\d+)?\s*dbfs?\b"),
    ("normalize_loudness", r"\bnormali[sz]\w*|\blufs\b|\btoo\s+(?:quiet|soft|loud)\b"
                           r"|\bbarely\s+audible\b|\bloudness\s+(?:normali\w*|target|standard)"
                           r"|\bbroadcast\s+level"),
    ("reverse", r"\brevers\w*|\bbackwards?\b"),
    ("reverb", r"\brev(?:erb|reb|rb|eb|erv)\w*|\bcathedral\b|\bchurch\b|\bconcert\s+hall\b|\bhall\b|\bspacious\b"
               r"|\broomy\b|\bcave\b|\bin\s+a\s+(?:\w+\s+)?(?:room|bathroom|stadium|arena|tunnel)\b"),
    ("delay", r"\becho\w*|\bdelay\b|\bslap-?back\b"),
    ("chorus", r"\bchorus\w*"),
    ("distortion", r"\bdistort\w*|\boverdriv\w*|\bfuzz\w*|\bcrunch\w*|\bgritt?y\b|\bsaturat\w*"),
    ("compressor", r"\bcompress\w*|\bsquash\w*|\beven\s+out\s+the\s+(?:levels|volume|dynamics)"),
    ("limiter", r"\blimit(?:er|ing)?\b|\bbrick-?wall\b"),
    ("highpass", r"\bhigh[- ]?pass\w*|\bhpf\b|\blow[- ]?cut\b|\brumble\b"
                 r"|\b(?:cut|remove|filter\s+out|get\s+rid\s+of|roll\s+off)\s+(?:\w+\s+){0,3}?(?:below|under)\s+(?=\d)"),
    ("lowpass", r"\blow[- ]?pass\w*|\blpf\b|\bhigh[- ]?cut\b|\bmuffl\w*|\bunderwater\b"
                r"|\b(?:cut|remove|filter\s+out|get\s+rid\s+of|roll\s+off)\s+(?:\w+\s+){0,3}?(?:above|over)\s+(?=\d)"),
    ("low_shelf", r"\bbass\w*|\blow[- ]end\b|\blows\b|\blow\s+frequencies\b|\bwarm(?:er|th)?\b|\bboomy\b"),
    ("high_shelf", r"\btreble\b|\bhighs\b|\bhigh[- ]end\b|\bhigh\s+frequencies\b|\bbright\w*|\bcrisp\w*|\bairy\b"
                   r"|\bdark(?:er)?\b|\bdull\w*"),
    ("peak_eq", r"\bmid-?range\b|\bmids?\b|\bpresence\b"),
    ("gain", r"\blouder\b|\bquieter\b|\bsofter\b|\bamplif\w*|\bturn\s+(?:it\s+|this\s+|the\s+\w+\s+)?(?:up|down)\b"),
    ("weak_gain", r"\bvolume\b|\bgain\b|\blevels?\b|\b(?:by|of)\s+[+\-−]?\d+(?:\.\d+)?\s*db\b"),
    ("weak_eq", r"\b\d+(?:\.\d+)?\s*k?hz\b"),
]  # fmt: skip
_RES = [(name, re.compile(rx, re.I)) for name, rx in _PATTERNS]
_UP = re.compile(r"\b(?:boost\w*|more|increase\w*|add\w*|raise\w*|enhance\w*|pump\w*|louder|up|extra|stronger|"
                 r"heavier|fatter|bigger|emphasi[sz]\w*|bring\s+out|bump\w*|bright\w*|warm\w*|crisp\w*|airy|amplif\w*)\b",
                 re.I)  # fmt: skip
_DOWN = re.compile(r"\b(?:cut\w*|reduc\w*|less|lower\w*|decreas\w*|remov\w*|tame|thin\w*|attenuat\w*|quieter|"
                   r"softer|down|roll\s+off|dark\w*|dull\w*|too\s+much|minus|take\s+out|get\s+rid|muffl\w*)\b",
                   re.I)  # fmt: skip
_NEGATED = re.compile(r"\b(?:remove|reduce|less|no|without|get rid of|eliminate|kill|strip|take out|fix|too much)\s+"
                      r"(?:\w+\s+){0,2}$", re.I)  # fmt: skip
_FREQ_TAKERS = {"highpass", "lowpass", "low_shelf", "high_shelf", "peak_eq", "telephone"}
_PLATFORM_LUFS = {r"spotify|youtube|tidal|streaming|apple music": -14.0, r"broadcast|ebu|r128|\btv\b": -23.0,
                  r"podcast": -16.0}  # fmt: skip


def _direction(part: str, keyword: tuple[int, int], prior: str) -> int:
    """+1 or -1 from the direction word nearest the effect word ("cut the bass" → -1)."""
    words = [(m.start(), 1) for m in _UP.finditer(part)] + [(m.start(), -1) for m in _DOWN.finditer(part)]
    own = [d for p, d in words if keyword[0] <= p < keyword[1]]
    if own:  # "louder", "turn it down"
        return own[-1]
    if words:
        return min(words, key=lambda w: min(abs(w[0] - keyword[0]), abs(w[0] - keyword[1])))[1]
    before = [(m.start(), 1) for m in _UP.finditer(prior)] + [(m.start(), -1) for m in _DOWN.finditer(prior)]
    return max(before)[1] if before else 1


def _signed(value: float | None, sign: int, default: float) -> float:
    if value is None:
        return sign * default
    return value if value < 0 else sign * value


def _effect(name: str, scope: str, numeric: str, sign: int) -> list[dict[str, Any]]:
    """The effect dicts for one effect word: adjectives from its scope, numbers from ``numeric``."""
    freq, db, secs = hz(numeric), decibels(numeric), seconds(numeric)
    big = has(r"\b(?:big|large|huge|massive|hall|cathedral|church|stadium|arena|cave|giant|long)\b", scope)
    small = has(r"\b(?:small|little|tiny|tight|booth|bathroom|short)\b", scope)
    subtle = has(r"\b(?:subtle|light|slight\w*|gentle|touch|bit|little|soft)\b", scope)
    heavy = has(r"\b(?:heavy|lots|lot|loads|massive|extreme|strong|hard|drenched|wet|crazy|very)\b", scope)
    pct = re.search(r"(\d+(?:\.\d+)?)\s*%", numeric)
    if name == "telephone":
        return [{"name": "highpass", "cutoff_hz": 300.0}, {"name": "lowpass", "cutoff_hz": 3400.0}]
    if name == "fade_both":
        return [{"name": "fade_in", "duration_s": secs or 1.0}, {"name": "fade_out", "duration_s": secs or 1.0}]
    fx: dict[str, Any] = {"name": name}
    if name in ("fade_in", "fade_out"):
        fx["duration_s"] = secs or seconds(numeric, "s") or 1.0
    elif name == "normalize_loudness":
        m = re.search(r"([-−]?\d+(?:\.\d+)?)\s*(?:lufs|lkfs|lu)\b", numeric, re.I) or re.search(
            r"\bto\s+([-−]\d+(?:\.\d+)?)\b", numeric
        )
        target = next((v for rx, v in _PLATFORM_LUFS.items() if has(rx, scope)), -16.0)
        fx["target_lufs"] = -abs(float(m.group(1).replace("−", "-"))) if m else target
    elif name == "normalize_peak":
        fx["target_db"] = -abs(db) if db is not None else -1.0
    elif name == "reverb":
        fx["room_size"] = 0.9 if big else 0.25 if small else 0.5
        fx["wet_level"] = float(pct.group(1)) / 100 if pct else 0.15 if subtle else 0.5 if heavy else 0.33
    elif name == "delay":
        fx["delay_s"] = secs or (0.1 if has(r"slap", scope) else 0.3)
        if heavy or big:
            fx["feedback"] = 0.6
    elif name == "distortion":
        fx["drive_db"] = abs(db) if db is not None else 8.0 if subtle else 35.0 if heavy else 20.0
    elif name == "compressor":
        ratio = re.search(r"(\d+(?:\.\d+)?)\s*(?::|to)\s*1\b|ratio\s+(?:of\s+)?(\d+(?:\.\d+)?)", numeric, re.I)
        fx["ratio"] = float(ratio.group(1) or ratio.group(2)) if ratio else 8.0 if heavy else 2.0 if subtle else 4.0
        if db is not None:
            fx["threshold_db"] = -abs(db)
    elif name == "limiter":
        if db is not None:
            fx["threshold_db"] = -abs(db)
    elif name == "gain":
        fx["gain_db"] = _signed(db, sign, 3.0 if subtle else 6.0)
    elif name in ("highpass", "lowpass"):
        muffled = has(r"muffl|underwater", scope)
        default = 80.0 if has("rumble", scope) else 100.0 if name == "highpass" else 800.0 if muffled else 5000.0
        fx["cutoff_hz"] = freq or default
    elif name in ("low_shelf", "high_shelf", "peak_eq"):
        fx["gain_db"] = _signed(db, sign, 3.0 if subtle else 6.0)
        if name == "peak_eq":
            fx["frequency_hz"] = freq or (3000.0 if has("presence", scope) else 1000.0)
            q = re.search(r"\bq\s*(?:of|=)?\s*(\d+(?:\.\d+)?)", scope, re.I)
            if q or has(r"narrow|wide|broad", scope):
                fx["q"] = float(q.group(1)) if q else 4.0 if has("narrow", scope) else 0.5
        elif freq:
            fx["cutoff_hz"] = freq
    return [fx]


def _words_found(text: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for name, rx in _RES:
        for m in rx.finditer(text):
            if not any(s < m.end() and m.start() < e for s, e, _ in found):
                found.append((m.start(), m.end(), name))
    return sorted(found)


def effects(text: str) -> list[dict[str, Any]]:
    """The effects a step asks for, in the order said ("add reverb and boost the bass 6 dB")."""
    found = _words_found(text)
    starts = [0] + [m.end() for m in BREAK_RE.finditer(text)]

    def clause(pos: int) -> int:
        return max(c for c in starts if c <= pos)

    freq_clauses = {clause(s) for s, _, n in found if n in _FREQ_TAKERS}
    found = [(s, e, "peak_eq" if n == "weak_eq" else n) for s, e, n in found if n != "weak_eq" or clause(s) not in
             freq_clauses]  # fmt: skip
    specific = {clause(s) for s, _, n in found if n != "weak_gain"}
    kept: list[tuple[int, int, str]] = []
    for s, e, name in found:
        if name == "weak_gain":
            if clause(s) in specific:
                continue
            name = "gain"
        if kept and kept[-1][2] == name and clause(kept[-1][0]) == clause(s):
            kept[-1] = (kept[-1][0], e, name)  # "big hall reverb" or "louder by 6 dB": one effect
        else:
            kept.append((s, e, name))
    out: list[dict[str, Any]] = []
    for i, (s, e, name) in enumerate(kept):
        if name in ("reverb", "delay", "distortion", "chorus") and _NEGATED.search(text[:s]):
            continue  # "remove the echo" asks for something these effects cannot do
        lo = kept[i - 1][1] if i and clause(kept[i - 1][0]) == clause(s) else clause(s)
        nxt = kept[i + 1][0] if i + 1 < len(kept) else len(text)
        hi = nxt if clause(nxt) == clause(s) else clause(nxt) if i + 1 < len(kept) else nxt
        scope, after = text[lo:hi], text[s:hi]
        sign = -1 if has(r"dark|dull", text[s:e]) else _direction(scope, (s - lo, e - lo), text[:lo])
        out += _effect(name, scope, after if re.search(r"\d", after) else scope, sign)
    return out


# ---- change_speed / change_pitch ----------------------------------------------------------------
_PITCH_TOO = re.compile(r"\btape\b|\bvinyl\b|\brecord(?:\s+player)?\b|\bchipmunk|\bnightcore\b|\bresampl\w*|"
                        r"\bvari-?speed\b|\bwith\s+the\s+pitch\b|\bpitch\s+(?:too|as\s+well|and\s+all|goes|going|will)|"
                        r"\band\s+(?:the\s+)?pitch\b|\bhigher\b|\bdeeper\b|\b(?:don't|do\s+not|without)\s+"
                        r"(?:keep|keeping|preserv\w*)\s+(?:the\s+)?pitch", re.I)  # fmt: skip
_KEEP_PITCH = re.compile(r"\b(?:keep|keeping|preserv\w*|maintain\w*|same)\s+(?:the\s+)?pitch|\bwithout\s+(?:chang|"
                         r"affect|alter)\w*\s+(?:the\s+)?pitch|\bpitch\s+(?:the\s+same|unchanged|intact)",
                         re.I)  # fmt: skip


def speed_args(text: str, duration: float | None = None) -> dict[str, Any]:
    """factor and preserve_pitch from "20 % faster", "half speed", "1.5x", "slow it down like a tape"."""
    t = text.lower()
    tempo = r"\s+(?:the\s+)?(?:\w+\s+)?(?:tempo|speed|rate|pace)"
    faster = has(
        rf"fast|quick|(?:spe+d\w*|sped)\s+(?:\w+\s+){{0,3}}up|hurry|shorter|(?:increas|rais|boost)\w*{tempo}", t
    )
    slower = has(rf"slow|longer|(?:decreas|reduc|lower)\w*{tempo}", t)
    factor: float | None = None
    if m := re.search(r"(\d+(?:\.\d+)?)\s*(?:%|percent)\s*(faster|quicker|slower|speed|tempo|of)?", t):
        p = float(m.group(1)) / 100
        kind = m.group(2) or ("faster" if faster and not slower else "slower" if slower else "")
        if kind in ("faster", "quicker"):
            factor = 1 + p
        elif kind == "slower":
            factor = 1 - p
        elif kind in ("speed", "tempo", "of") or not kind:
            factor = p if (not (faster or slower) or kind) else None
    elif m := re.search(rf"(\d+(?:\.\d+)?|{NUM})\s*(?:x|×|times)\s*(slower|as\s+slow)?|\b[x×]\s*(\d+(?:\.\d+)?)\b", t):
        factor = number(m.group(1) or m.group(3))
        factor = 1 / factor if factor > 1 and (m.group(2) or (slower and not faster)) else factor
    elif m := re.search(r"from\s+(\d+(?:\.\d+)?)\s*(?:bpm)?\s+to\s+(\d+(?:\.\d+)?)\s*bpm", t):
        factor = float(m.group(2)) / float(m.group(1))
    elif m := (
        re.search(r"\b(?:speed|factor|rate|tempo)\s*(?:of|to|=|:|at)?\s*(\d+(?:\.\d+)?)\b(?!\s*%)", t)
        or re.search(r"\b(?:at|to)\s+(\d*\.\d+)\b", t)
        or (re.search(r"\bby\s+(?:a\s+factor\s+of\s+)?(\d+(?:\.\d+)?)\b(?!\s*%)", t) if faster or slower else None)
    ):
        factor = float(m.group(1))
        factor = 1 / factor if slower and not faster and factor > 1 else factor
    elif has(r"\bhalf\b|\bhalve", t):
        factor = 0.5
    elif has(r"\bquarter\b", t):
        factor = 0.25
    elif has(r"\bdouble\b|\btwice\b", t):
        factor = 2.0
    elif (m := re.search(rf"\b(?:to|in|into|within|it|be)\s+({TIME})(?:\s+long)?", t)) and has(
        r"fit|long|fast|slow", t
    ):
        target = seconds(m.group(1))
        if duration is None:
            return {NEEDS_DURATION: True}
        factor = duration / target if target else None
    elif faster or slower:
        much, bit = has(r"\bmuch\b|\ba lot\b|\bway\b|\bvery\b", t), has(r"\bbit\b|\blittle\b|\bslight", t)
        factor = (1.5 if much else 1.1 if bit else 1.25) if faster and not slower else (
            0.6 if much else 0.9 if bit else 0.8)  # fmt: skip
    args: dict[str, Any] = {} if factor is None else {"factor": round(factor, 4)}
    if _PITCH_TOO.search(t) and not _KEEP_PITCH.search(t):
        args["preserve_pitch"] = False
    return args


_INTERVALS = {"semitone": 1, "half step": 1, "half-step": 1, "halfstep": 1, "half tone": 1, "half-tone": 1,
              "step": 1, "key": 1, "tone": 2, "whole tone": 2, "whole step": 2, "octave": 12, "fifth": 7,
              "fourth": 5, "major third": 4, "minor third": 3, "third": 4, "cent": 0.01, "st": 1}  # fmt: skip
_INTERVAL_RE = re.compile(
    rf"([+\-−]?\s?(?:\d+(?:\.\d+)?|{NUM}))?\s*-?\s*"
    r"(whole[- ]tones?|whole[- ]steps?|half[- ]?(?:steps?|tones?)|semi-?tones?|octaves?|major thirds?|"
    r"minor thirds?|thirds?|fourths?|fifths?|cents?|steps?|tones?|st)\b",
    re.I,
)


def pitch_args(text: str) -> dict[str, Any]:
    """semitones from "up 3 semitones", "an octave lower", "two steps down", "deeper voice"."""
    t = text.lower()
    down = has(r"\b(?:down|lower\w*|deeper|deepen|drop\w*|decreas\w*|flat\w*|reduc\w*|minus|monster|giant|"
                  r"darth|demon)\b|[-−]\s?\d", t)  # fmt: skip
    up = has(r"\b(?:up|higher|raise\w*|increas\w*|sharp\w*|chipmunk|child|helium|less\s+deep)\b|\+\s?\d", t)
    sign = -1 if down and not (up and has(r"less\s+deep", t)) else 1
    m = _INTERVAL_RE.search(t)
    value: float | None = None
    if m and not (m.group(2).startswith(("step", "tone")) and not m.group(1)):
        unit = re.sub(r"s$", "", m.group(2).replace("-", " ").replace("semi tone", "semitone"))
        amount = m.group(1) or "1"
        n = number(amount.replace("+", "").replace("−", "").replace("-", "").strip())
        value = n * _INTERVALS.get(unit, _INTERVALS.get(unit.replace(" ", ""), 1))
        if amount.strip().startswith(("-", "−")):
            sign = -1
    elif m2 := re.search(r"(?:pitch|shift|transpose|key)\w*\s+(?:\w+\s+){0,3}?(?:by\s+)?([+\-−]?\s?\d+(?:\.\d+)?)", t):
        value = abs(float(m2.group(1).replace(" ", "").replace("−", "-")))
        sign = -1 if m2.group(1).strip().startswith(("-", "−")) or (down and not up) else sign
    elif has(r"chipmunk|helium", t) or has(r"monster|giant|demon|darth", t):
        value = 7.0
    elif down or up:
        value = 1.0 if has(r"\bbit\b|\blittle\b|\bslight", t) else 5.0 if has(r"\bmuch\b|\ba lot\b", t) else (
            3.0 if has(r"deep", t) and sign < 0 else 2.0)  # fmt: skip
    return {"semitones": sign * value} if value else {}
