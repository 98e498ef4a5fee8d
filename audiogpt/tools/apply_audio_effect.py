"""apply_audio_effect: an effect chain (reverb, echo, EQ, dynamics, fades, normalisation) in order."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from audiogpt.observation import Observation
from audiogpt.slots import BREAK_RE, DB_RE, decibels, has, hz, seconds
from audiogpt.tools.base import AudioFile, Tool, ToolInput


class _Effect(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Reverb(_Effect):
    name: Literal["reverb"]
    room_size: float = Field(0.5, ge=0, le=1)
    wet_level: float = Field(0.33, ge=0, le=1)
    damping: float = Field(0.5, ge=0, le=1)


class Chorus(_Effect):
    name: Literal["chorus"]
    rate_hz: float = Field(1.0, gt=0, le=20)
    depth: float = Field(0.25, ge=0, le=1)
    mix: float = Field(0.5, ge=0, le=1)


class Delay(_Effect):
    name: Literal["delay"]  # echo
    delay_s: float = Field(0.3, gt=0, le=5)
    feedback: float = Field(0.35, ge=0, le=0.95)
    mix: float = Field(0.4, ge=0, le=1)


class Distortion(_Effect):
    name: Literal["distortion"]
    drive_db: float = Field(20.0, ge=0, le=60)


class Compressor(_Effect):
    name: Literal["compressor"]
    threshold_db: float = Field(-20.0, ge=-60, le=0)
    ratio: float = Field(4.0, ge=1, le=50)
    attack_ms: float = Field(5.0, gt=0, le=500)
    release_ms: float = Field(100.0, gt=0, le=5000)


class Limiter(_Effect):
    name: Literal["limiter"]
    threshold_db: float = Field(-1.0, ge=-60, le=0)
    release_ms: float = Field(100.0, gt=0, le=5000)


class Gain(_Effect):
    name: Literal["gain"]
    gain_db: float = Field(6.0, ge=-60, le=40)


class Highpass(_Effect):
    name: Literal["highpass"]
    cutoff_hz: float = Field(100.0, gt=0, le=40_000)


class Lowpass(_Effect):
    name: Literal["lowpass"]
    cutoff_hz: float = Field(5000.0, gt=0, le=40_000)


class LowShelf(_Effect):
    name: Literal["low_shelf"]  # "boost the bass"
    cutoff_hz: float = Field(200.0, gt=0, le=40_000)
    gain_db: float = Field(6.0, ge=-40, le=40)


class HighShelf(_Effect):
    name: Literal["high_shelf"]  # "more treble"
    cutoff_hz: float = Field(4000.0, gt=0, le=40_000)
    gain_db: float = Field(6.0, ge=-40, le=40)


class PeakEQ(_Effect):
    name: Literal["peak_eq"]
    frequency_hz: float = Field(1000.0, gt=0, le=40_000)
    gain_db: float = Field(6.0, ge=-40, le=40)
    q: float = Field(1.0, gt=0.05, le=30)


class FadeIn(_Effect):
    name: Literal["fade_in"]
    duration_s: float = Field(1.0, gt=0, le=600)


class FadeOut(_Effect):
    name: Literal["fade_out"]
    duration_s: float = Field(1.0, gt=0, le=600)


class Reverse(_Effect):
    name: Literal["reverse"]


class NormalizeLoudness(_Effect):
    name: Literal["normalize_loudness"]
    target_lufs: float = Field(-16.0, ge=-70, le=-5, description="integrated loudness target (ITU-R BS.1770)")


class NormalizePeak(_Effect):
    name: Literal["normalize_peak"]
    target_db: float = Field(-1.0, ge=-60, le=0)


_EffectUnion = (
    Reverb
    | Chorus
    | Delay
    | Distortion
    | Compressor
    | Limiter
    | Gain
    | Highpass
    | Lowpass
    | LowShelf
    | HighShelf
    | PeakEQ
    | FadeIn
    | FadeOut
    | Reverse
    | NormalizeLoudness
    | NormalizePeak
)
Effect = Annotated[_EffectUnion, Field(discriminator="name")]
EFFECT_NAMES: tuple[str, ...] = tuple(get_args(m.model_fields["name"].annotation)[0] for m in get_args(_EffectUnion))


class ApplyAudioEffectInput(ToolInput):
    audio: AudioFile
    effects: list[Effect] = Field(
        min_length=1, max_length=16, description="effects applied in this order, e.g. [{'name': 'reverb'}]"
    )


_CUT = r"\b(?:cut\w*|remov\w*|filter\w*\s+out|get\w*\s+rid\s+of|roll\w*\s+off)\s+(?:\w+\s+){0,3}?"
_ABOUT = r"\s+(?:about\s+|around\s+|roughly\s+|approximately\s+)?(?=\d)"
# (effect, pattern): where matches overlap, the earlier pattern wins. "weak" words (volume, a bare
# "by 6 dB", a bare frequency) count only when no specific effect shares their clause.
_PATTERNS = [
    # "my walkie-talkie recording" names where the sound came from, not a sound to make
    ("telephone", r"(?:\b(?:tele)?phone\w*|\bwalkie[- ]?talkie|\b(?:old|am)[\s-]+radio"
                  r"|\bradio\s+(?:voice|sound|effect))"
                  r"(?!\s+(?:recording|audio|clip|file|message|interview|memo)\b)"),
    ("fade_both", r"\bfade[sd]?\s*(?:it\s*)?in\s*(?:and|&|/)\s*(?:fade[sd]?\s*)?out\b"),
    # also a start or an end described: "start gently", "it slams in", "end with a 2 s fade", "end softly"
    ("fade_in", r"\bfade[sd]?[- _]?(?:it\s+|this\s+)?in\b|\bfade[-_]?ins?\b"
                # "fade the intro in": what fades between the verb and its particle
                r"|\bfade[sd]?\s+(?!out\b)(?:[\w'-]+\s+){1,4}?in\b(?!\s+(?:the\s+)?(?:middle|background|between)\b)"
                r"|\b(?:start|begin|open)\w*\s+(?:\w+\s+){0,2}?(?:gently|softly|smoothly)\b"
                r"|\b(?:popp(?:ing|s)|pops|slam(?:s|ming)?|jump(?:s|ing)?|barg(?:es|ing))\s+in\b"),
    ("fade_out", r"\bfade[sd]?[- _]?(?:it\s+|this\s+)?(?:out|away)\b|\bfade[-_]?outs?\b|\bfade\s+(?:at|to)\s+the\s+end"
                 r"|\bfade[sd]?\s+(?!in\b)(?:[\w'-]+\s+){1,4}?(?:out|away)\b"  # "fade the end out"
                 r"|\b(?:end|finish|clos)\w*\s+(?:\w+\s+){0,4}?(?:gently|softly|smoothly|fade)\b"),
    ("normalize_peak", r"\bpeak[- ]?normali[sz]\w*|\bnormali[sz]\w*\s+(?:the\s+)?peaks?\b"
                       r"|\bnormali[sz]\w*\s+(?:it\s+)?to\s+[-−]?\d+(?:\.\d+)?\s*dbfs?\b"),
    ("normalize_loudness", r"\bnormali[sz]\w*|\blufs\b|\bloudness\s+(?:normali\w*|target|standard)"
                           r"|\bbroadcast\s+level"),
    # a complaint about the level: loudness normalisation, unless a gain is asked for as well
    ("level_complaint", r"\btoo\s+(?:quiet|soft|loud)\b|\b(?:is|are|sounds?)\s+(?:very\s+|so\s+|really\s+)?"
                        r"(?:low|quiet|soft)\b|\bbarely\s+audible\b"),
    ("reverse", r"\brevers\w*|\bbackwards?\b"),
    ("reverb", r"\brev(?:erb|reb|rb|eb|erv)\w*|\bcathedral\b|\bchurch\b|\bconcert\s+hall\b|\bhall\b|\bspacious\b"
               r"|\broomy\b|\bcave\b|\bin\s+a\s+(?:\w+\s+)?(?:room|bathroom|stadium|arena|tunnel)\b"),
    ("delay", r"\becho\w*|\bdelay\b|\bslap-?back\b"),
    ("chorus", r"\bchorus\w*"),
    ("distortion", r"\bdistor[ts]\w*|\boverdriv\w*|\bfuzz\w*|\bcrunch\w*|\bgritt?y\b|\bsaturat\w*"),
    ("compressor", r"\bcompress\w*|\bsquash\w*|\beven\s+out\s+the\s+(?:levels|volume|dynamics)"),
    ("limiter", r"\blimit(?:er|ing)?\b|\bbrick-?wall\b"),
    ("highpass", r"\bhigh[- ]?pass\w*|\bhpf\b|\blow[- ]?cut\b|\brumble\b"
                 rf"|{_CUT}(?:below|under){_ABOUT}"),
    ("lowpass", r"\blow[- ]?pass\w*|\blpf\b|\bhigh[- ]?cut\b|\bmuffl\w*|\bunderwater\b"
                rf"|{_CUT}(?:above|over){_ABOUT}|\b(?:from|in)\s+the\s+next\s+room\b|\bthrough\s+(?:a|the)\s+wall\b"),
    ("low_shelf", r"\bbass\w*|\blow[- ]end\b|\blows\b|\blow\s+frequencies\b|\bwarm(?:er|th)?\b|\bboomy\b"),
    ("high_shelf", r"\btreble\b|\bhighs\b|\bhigh[- ]end\b|\bhigh\s+frequencies\b|\bbright\w*|\bcrisp\w*|\bairy\b"
                   r"|\bdark(?:er)?\b|\bdull\w*"),
    ("peak_eq", r"\bmid-?range\b|\bmids?\b|\bpresence\b"),
    ("gain", r"\blouder\b|\bmore\s+loud\b|\bquieter\b|\bsofter\b|\bamplif\w*|\b(?:half|twice|double)\s+as\s+loud\b"
             r"|\b(?:bump|boost|crank|push|pump)\w*\s+(?:it\s+|this\s+|the\s+\w+\s+)?up\b"
             r"|\bturn\s+(?:it\s+|this\s+|the\s+\w+\s+)?(?:up|down)\b"),
    ("weak_gain", r"\bvolume\b|\bgain\b|\blevels?\b|\b(?:by|of)\s+[+\-−]?\d+(?:\.\d+)?\s*db\b"),
    # a frequency said with below/above is a filter's cutoff ("everything below about 80 Hz can go")
    ("highpass", r"\b(?:below|under)\s+(?:about\s+|around\s+|roughly\s+)?(?=\d+(?:\.\d+)?\s*k?hz\b)"),
    ("lowpass", r"\b(?:above|over)\s+(?:about\s+|around\s+|roughly\s+)?(?=\d+(?:\.\d+)?\s*k?hz\b)"),
    ("weak_eq", r"\b\d+(?:\.\d+)?\s*k?hz\b"),
]  # fmt: skip
_RES = [(name, re.compile(rx, re.I)) for name, rx in _PATTERNS]
_UP = re.compile(r"\b(?:boost\w*|more|increase\w*|add\w*|raise\w*|enhance\w*|pump\w*|louder|up|extra|stronger|"
                 r"heavier|fatter|bigger|emphasi[sz]\w*|bring\s+out|bump\w*|bright\w*|warm\w*|crisp\w*|airy|amplif\w*)\b",
                 re.I)  # fmt: skip
_DOWN = re.compile(r"\b(?:cut\w*|reduc\w*|less|lower\w*|decreas\w*|remov\w*|tame|thin\w*|attenuat\w*|quieter|"
                   r"softer|down|roll\s+off|dark\w*|dull\w*|too\s+much|minus|take\s+out|get\s+rid|muffl\w*|half\s+as)\b",
                   re.I)  # fmt: skip
_NEGATED = re.compile(r"\b(?:remove|reduce|less|no|without|get rid of|eliminate|kill|strip|take out|fix|too much)\s+"
                      r"(?:\w+\s+){0,2}$", re.I)  # fmt: skip
_FORMAT_WORDS = re.compile(r"\b(?:save|export|convert|resampl\w*|sample\s*rate|mp3|wav|flac|ogg|opus)\b", re.I)
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
        m = re.search(r"([-−+]?\d+(?:\.\d+)?)\s*(?:lufs|lkfs|lu)\b", numeric, re.I) or re.search(
            r"\bto\s+([-−+]\d+(?:\.\d+)?)\b", numeric
        )
        target = next((v for rx, v in _PLATFORM_LUFS.items() if has(rx, scope)), -16.0)
        said = m.group(1).replace("−", "-") if m else None
        # "-14 LUFS" and the usual shorthand "14 LUFS" are −14; an explicit "+50" stays +50 (and is refused)
        fx["target_lufs"] = (float(said) if said.startswith("+") else -abs(float(said))) if said else target
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

    def words(start: int) -> str:
        return text[start : min([c for c in starts if c > start] + [len(text)])]

    freq_clauses = {clause(s) for s, _, n in found if n in _FREQ_TAKERS}
    formats = {c for c in starts if _FORMAT_WORDS.search(words(c))}  # "save as 16 kHz" is a sample rate
    found = [(s, e, "peak_eq" if n == "weak_eq" else n) for s, e, n in found if n != "weak_eq" or clause(s) not in
             freq_clauses | formats]  # fmt: skip
    gains = [s for s, _, n in found if n == "gain"]
    # "too quiet … make it louder" is the gain; "louder, to -14 LUFS" is the normalisation
    found = [(s, e, "normalize_loudness" if n == "level_complaint" else n) for s, e, n in found
             if n != "level_complaint" or not gains]  # fmt: skip
    loudness = any(n == "normalize_loudness" for _, _, n in found)
    found = [(s, e, n) for s, e, n in found if n != "gain" or not loudness or DB_RE.search(words(clause(s)))]
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
        sign = -1 if has(r"dark|dull|boomy", text[s:e]) else _direction(scope, (s - lo, e - lo), text[:lo])
        out += _effect(name, scope, after if re.search(r"\d", after) else scope, sign)
    return _once_each(out)


def _once_each(chain: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One effect said twice in one step ("muffled, like underwater, a low-pass at 500 Hz") is one effect, with
    the later, more precise values; only peak EQs at different frequencies are several effects."""
    out: list[dict[str, Any]] = []
    for fx in chain:
        same = next((i for i, o in enumerate(out) if o["name"] == fx["name"] and (
            fx["name"] != "peak_eq" or o.get("frequency_hz") == fx.get("frequency_hz"))), None)  # fmt: skip
        if same is None:
            out.append(fx)
        else:
            out[same] = fx
    return out


def _num(key: str, value: Any) -> str:
    units = {"_db": " dB", "_hz": " Hz", "_s": " s", "_lufs": " LUFS"}
    unit = next((u for suffix, u in units.items() if key.endswith(suffix)), None)
    if unit is None:
        return f"{key.replace('_', ' ')} {value:g}"
    return f"{value:+g}{unit}" if key.endswith("gain_db") else f"{value:g}{unit}"


def _effect_text(fx: dict[str, Any]) -> str:
    params = [_num(k, v) for k, v in fx.items() if k != "name" and isinstance(v, (int, float))]
    return fx.get("name", "effect").replace("_", " ") + (f" ({', '.join(params)})" if params else "")


def describe(r: Observation) -> dict[str, Any]:
    """{detail}: the effects with their settings, in order."""
    return {"detail": ", ".join(_effect_text(fx) for fx in r.args.get("effects") or []) or "the effects"}


TOOL = Tool(
    name="apply_audio_effect",
    category="editing",
    description="Apply one or more effects in order: " + ", ".join(EFFECT_NAMES) + ". Bass boost = low_shelf "
    "with positive gain_db; echo = delay; 'normalize to -14 LUFS' = normalize_loudness.",
    input_model=ApplyAudioEffectInput,
    output="audio",
    reply="Applied {detail} to {input}: {output}{facts}",
    hint="These are the effects I can apply: " + ", ".join(EFFECT_NAMES) + '. E.g. "add reverb", "boost the bass '
    'by 6 dB" or "normalize to -14 LUFS".',
    capability="audiogpt.evaluation.properties:apply_audio_effect",
    examples_path=Path(__file__).with_suffix(".yaml"),
    describe=describe,
    arguments=lambda text, _: {"effects": fx} if (fx := effects(text)) else {},
    traits=frozenset({"changes_recording", "merge_steps"}),
)
