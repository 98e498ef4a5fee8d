"""Generation arguments from ordinary words, for the offline router.

"a dog barking in the rain for 4 seconds, seed 7, three versions, keep the best, without any music"
→ prompt "a dog barking in the rain", duration_s 4, seed 7, candidates 3, negative_prompt "music".
A scene request ("a gritty detective narrating 'the city never sleeps' over heavy rain and a sad
saxophone") is split into its parts: speech, transcript, env, music, sfx.
"""

from __future__ import annotations

import re
from typing import Any

from audiogpt import slots

# Number words the shared reader (``slots.NUMBER_WORDS``) lacks that people use for lengths and counts.
# "quarter" is left out: "three quarters of the speed" is no length.
_EXTRA_WORDS = {"forty-five": 45, "several": 3}
_WORDS = [w for w in [*slots.NUMBER_WORDS, *_EXTRA_WORDS] if "quarter" not in w]
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(sorted((re.escape(w) for w in _WORDS), key=len, reverse=True)) + ")"
_UNIT = r"(s|secs?|seconds?|m|mins?|minutes?)\b"
_DURATION_RE = re.compile(
    r"\b(?:(?:for|of|about|around|lasting|that lasts|last(?:ing)?)\s+)?"
    rf"(?:(half a minute|half-minute|a minute and a half)|(?!{slots.DECADE}){_NUM}[\s-]*{_UNIT}(?:[\s-]+long)?"
    r"(?:\s+(?:of|worth of))?)",
    re.IGNORECASE,
)
_SEED_RE = re.compile(r"\b(?:with\s+|using\s+)?(?:random\s+)?seed\s*(?:=|:|of|number)?\s*(\d+)\b", re.IGNORECASE)
_CANDIDATES_RE = re.compile(
    rf"\b{_NUM}\s+(?:different\s+)?(?:versions?|variations?|variants?|candidates?|options?|takes?|tries|attempts?)\b"
    r"(?:\s*(?:,|and|then)?\s*(?:keep|pick|choose|give me|return)\s+(?:only\s+)?the\s+best(?:\s+one)?)?",
    re.IGNORECASE,
)
_BEST_RE = re.compile(r"[,;]?\s*(?:and\s+)?(?:keep|pick|choose)\s+(?:only\s+)?the\s+best(?:\s+one)?\b", re.IGNORECASE)
_NEGATIVE_RE = re.compile(
    r"[,;]?\s*\b(?:without(?:\s+any)?|with\s+no|but\s+no|avoid(?:ing)?|no)\s+"
    r"((?!(?:longer|more|than|problem|rush)\b)[a-z][a-z' -]*?)(?=\s*(?:[,.;!?]|\band\b|\bplease\b|\bthat\b|$))",
    re.IGNORECASE,
)
_STEPS_RE = re.compile(r"\b(\d+)\s*(?:diffusion\s+|denoising\s+|sampling\s+)?steps\b", re.IGNORECASE)
_FAST_RE = re.compile(
    r"\b(?:quick draft|quick(?:ly)?|fast|rough draft|draft quality|low quality|in a hurry)\b", re.IGNORECASE
)
_QUALITY_RE = re.compile(r"\b(?:best|high|highest|top|max(?:imum)?)[ -]quality\b|\bhigh[ -]fidelity\b", re.IGNORECASE)
_LEAD_RE = re.compile(
    r"^\s*(?:(?:please|hey|ok|okay|now|then|also|and)\b[\s,]*)*"
    r"(?:(?:can|could|would|will)\s+you\s+|i\s+(?:want|need|would like|'d like)\s+(?:you\s+to\s+)?|let'?s\s+)?"
    r"(?:make|generate|create|produce|compose|write|render|synthesi[sz]e|give\s+me|get\s+me|build|design|"
    r"cook\s+up|come\s+up\s+with|do)?\b\s*(?:me\s+)?(?:(?:an?\s+)?(?:audio\s+)?scene\s*(?::|of|with|where)\s*)?"
    r"(?:(?:the\s+)?(?:sound|noise|audio|clip|recording)s?\s+of\s+)?(?:of\s+)?",
    re.IGNORECASE,
)
_TRAIL_RE = re.compile(r"[\s,;:.!?-]+$|\s+(?:please|for me|thanks|and|with|or|of)\s*$", re.IGNORECASE)
_MUSIC_WORDS = re.compile(
    r"\b(?:music|song|melody|tune|beat|saxophone|sax|piano|guitar|violin|strings|drums?|bass|synth\w*|jazz|"
    r"orchestra\w*|choir|trumpet|flute|cello|harp|organ|score|soundtrack|lo-?fi|hip[ -]hop|techno|ambient music)\b",
    re.IGNORECASE,
)
_ENV_WORDS = re.compile(
    r"\b(?:rain\w*|wind\w*|storm|thunder\w*|city|street|traffic|forest|ocean|sea|waves|beach|crowd|room|hall|"
    r"caf[eé]|restaurant|office|station|night|river|birds?|jungle|cave|underwater|market|park)\b",
    re.IGNORECASE,
)
_SPEAKER_RE = re.compile(
    r"^(?P<who>(?:an?|the)\s+[\w\s,-]*?)\s+(?:narrat\w*|speak\w*|say\w*|talk\w*|whisper\w*|shout\w*|announc\w*|"
    r"read\w*|tell\w*|sing\w*|yell\w*)\b",
    re.IGNORECASE,
)
# "…", “…”, '…' — an apostrophe inside a word ("my daughter's class") opens no quote
_QUOTE_RE = re.compile(r"\"([^\"]{2,})\"|“([^”]{2,})”|(?<!\w)'((?:[^']|(?<=\w)'(?=\w)){2,})'(?!\w)")
_PARTS = ("caption", "speech", "transcript", "sfx", "music", "env")
# parts given by name: "caption 'a storm at sea', speech='a captain'", "env: 'rain'"
_LABELLED_RE = re.compile(rf"\b({'|'.join(_PARTS)})\s*[=:]?\s*(?={_QUOTE_RE.pattern})", re.I)


def _quoted(m: re.Match[str]) -> str:
    return next(g for g in m.groups() if g is not None).strip()


_OVER_RE = re.compile(r"\b(?:over|with|against|behind|amid|under|in front of|accompanied by)\s+(.+)$", re.IGNORECASE)


def number(word: str) -> float:
    """ "4" → 4, "three" → 3, "several" → 3 (the shared reader plus ``_EXTRA_WORDS``)."""
    extra = _EXTRA_WORDS.get(word.lower())
    return float(extra) if extra is not None else slots.number(word)


def duration_s(text: str) -> float | None:
    """Seconds named in the text: "4 seconds", "a 10-second beat", "half a minute", "2 min"."""
    m = _DURATION_RE.search(text)
    if not m:
        return None
    if m.group(1):
        return 90.0 if "and a half" in m.group(1).lower() else 30.0
    value = number(m.group(2))
    return value * 60 if m.group(3).lower().startswith("m") else value


def generation_arguments(text: str) -> dict[str, Any]:
    """prompt, duration_s, seed, candidates, negative_prompt, steps and preset from a request."""
    args: dict[str, Any] = {}
    rest = text
    if m := _SEED_RE.search(rest):
        args["seed"] = int(m.group(1))
        rest = rest[: m.start()] + rest[m.end() :]
    if m := _CANDIDATES_RE.search(rest):
        args["candidates"] = int(number(m.group(1)))
        rest = rest[: m.start()] + rest[m.end() :]
    rest = _BEST_RE.sub("", rest)
    if (seconds := duration_s(rest)) is not None:
        args["duration_s"] = seconds
        rest = _DURATION_RE.sub(" ", rest, count=1)
    if m := _STEPS_RE.search(rest):
        args["steps"] = int(m.group(1))
        rest = rest[: m.start()] + rest[m.end() :]
    if _QUALITY_RE.search(rest):
        args["preset"] = "quality"
        rest = _QUALITY_RE.sub("", rest)
    elif _FAST_RE.search(rest):
        args["preset"] = "fast"
        rest = _FAST_RE.sub("", rest)
    negatives = [n.strip() for n in _NEGATIVE_RE.findall(rest)]
    if negatives:
        args["negative_prompt"] = ", ".join(negatives)
        rest = _NEGATIVE_RE.sub("", rest)
    prompt = description(rest)
    if prompt:
        args["prompt"] = prompt
    return args


def description(text: str) -> str:
    """The request without its command words and leftovers: what the sound should be."""
    text = re.sub(r"\s+", " ", text)
    text = _LEAD_RE.sub("", text, count=1)
    previous = None
    while previous != text:
        previous, text = text, _TRAIL_RE.sub("", text).strip()
    text = re.sub(r"\s*([,.;])(?:\s*[,.;])+", r"\1", text)
    text = re.sub(r"\s+([,.;])", r"\1", text).strip(" ,;:-")
    return "" if text.lower() in ("", "something", "it", "one", "a sound", "some audio", "sound", "audio") else text


def scene_arguments(text: str) -> dict[str, Any]:
    """A scene's parts: caption (the whole scene), speech (who speaks, how), transcript, env, music, sfx."""
    args = {k: v for k, v in generation_arguments(text).items() if k in ("seed", "preset", "steps", "duration_s")}
    labelled = {}
    for label in _LABELLED_RE.finditer(text):
        if value := _QUOTE_RE.match(text, label.end()):
            labelled[label.group(1).lower()] = _quoted(value)
    if labelled:  # the parts were given by name: taken as given, nothing guessed around them
        return {**args, **labelled}
    general = generation_arguments(_QUOTE_RE.sub(" ", text)).get("prompt", "")
    if m := _QUOTE_RE.search(text):
        args["transcript"] = _quoted(m)
    caption = description(_QUOTE_RE.sub("", text))
    caption = generation_arguments(caption).get("prompt", caption)
    if caption:
        args["caption"] = re.sub(r"\s+", " ", caption)
    body = general or caption
    if m := _SPEAKER_RE.search(body):
        args["speech"] = m.group("who").strip()
    if m := _OVER_RE.search(body):
        parts: dict[str, list[str]] = {"music": [], "env": [], "sfx": []}
        for piece in re.split(r",|\band\b|\bplus\b", m.group(1)):
            piece = piece.strip(" .")
            if not piece:
                continue
            kind = "music" if _MUSIC_WORDS.search(piece) else "env" if _ENV_WORDS.search(piece) else "sfx"
            parts[kind].append(piece)
        args.update({k: ", ".join(v) for k, v in parts.items() if v})
    return args
