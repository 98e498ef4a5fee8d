"""text_to_speech: speak the given text aloud as a new audio file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field

from audiogpt.tools.base import Tool, ToolInput


class TextToSpeechInput(ToolInput):
    text: str = Field(min_length=1, max_length=5000, description="the exact words to speak")
    speed: float = Field(1.0, ge=0.25, le=4.0, description="speaking rate: 1.0 normal, 0.8 slower, 1.3 faster")
    style: str | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        description="a speaking style or voice the user asked for, in their words, e.g. 'calm', 'whispering', "
        "'angry', 'female', 'British accent'; leave it out when none was asked (never put it in text)",
    )


# Words that name a manner of speaking, not a kind of voice ("in a calm voice", "calmly").
_ADVERBS = {"calmly": "calm", "angrily": "angry", "happily": "happy", "sadly": "sad", "cheerfully": "cheerful",
            "excitedly": "excited", "softly": "soft", "gently": "gentle", "nervously": "nervous",
            "sarcastically": "sarcastic", "dramatically": "dramatic", "sternly": "stern", "warmly": "warm"}  # fmt: skip
_PEOPLE = {"woman": "female", "lady": "female", "girl": "female", "female": "female", "man": "male", "guy": "male",
           "boy": "male", "male": "male", "child": "child", "kid": "child"}  # fmt: skip
_STYLE_RES = (
    # "in a calm voice", "with a deep, warm tone", "in a British accent", "in a spooky way"
    re.compile(
        r"\b(?:in|with|using)\s+(?:an?\s+|the\s+|your\s+)?((?:[\w-]+,?\s+){1,3}?)(voice|tone|accent|way|manner|style)\b",
        re.I,
    ),
    re.compile(r"\b(?:as|like)\s+an?\s+(old\s+|young\s+)?(woman|lady|girl|man|guy|boy|child|kid)\b", re.I),
    re.compile(r"\bsound(?:s|ing)?\s+(?:very\s+|really\s+|more\s+)?([a-z]+)\b", re.I),
    re.compile(r"\b(whisper|shout|yell|sing)(?:s|ed|ing)?\b", re.I),
    re.compile(r"\b(" + "|".join(_ADVERBS) + r")\b", re.I),
)
_NOT_A_STYLE = {"normal", "usual", "default", "regular", "same", "slow", "fast", "quick", "the", "my", "this"}


def speaking_style(text: str) -> str | None:
    """The speaking style or voice a request asks for, in its own words ("in a calm voice" → "calm",
    "whisper it" → "whispering", "as a woman" → "female", "with a British accent" → "British accent");
    None when it asks for none. ``text`` has its quoted words masked, so they are never read as a style."""
    m = _STYLE_RES[0].search(text)
    if m:
        words = re.sub(r"\s+", " ", m.group(1).replace(",", " ")).strip()
        noun = m.group(2).lower()
        if words.lower() not in _NOT_A_STYLE:
            if noun == "accent":
                return f"{words} accent"
            return _PEOPLE.get(words.lower(), words)
    m = _STYLE_RES[1].search(text)
    if m:
        return ((m.group(1) or "") + _PEOPLE[m.group(2).lower()]).strip()
    m = _STYLE_RES[2].search(text)
    if m and m.group(1).lower() not in _NOT_A_STYLE | {"like", "of", "effects", "effect", "file"}:
        return m.group(1)
    m = _STYLE_RES[3].search(text)
    if m:
        return {"whisper": "whispering", "shout": "shouting", "yell": "shouting", "sing": "singing"}[m.group(1).lower()]
    m = _STYLE_RES[4].search(text)
    return _ADVERBS[m.group(1).lower()] if m else None


def style_argument(text: str, _duration: float | None) -> dict[str, Any]:
    """The ``style`` argument, when the step asks for one."""
    return {"style": style} if (style := speaking_style(text)) else {}


TOOL = Tool(
    name="text_to_speech",
    category="generation",
    description="Speak the given text aloud and return a new audio file of the voice. A speaking style or "
    "voice the user asks for goes in style; the reply says whether the installed voice could apply it.",
    input_model=TextToSpeechInput,
    output="audio",
    reply="I spoke “{text}”{duration}: {output}",  # {text} {duration} {output}; a style not applied is a note
    arguments=style_argument,
    capability="audiogpt.evaluation.capability:text_to_speech",
    examples_path=Path(__file__).with_suffix(".yaml"),
    slots={"text": "words_to_speak", "speed": "speaking_rate"},
    # a speaking rate on its own ("say 'hi', speed 0.8", "…, and slow it to 0.9x"), split off, belongs to the step
    continues=r"(?:at\s+)?(?:speed|rate|tempo)\s*[x×]?\d+(?:\.\d+)?\s*[x×]?|\d+(?:\.\d+)?\s*[x×]\s*(?:speed)?"
    r"|(?:slow|speed)\s+(?:it|that|this|the\s+(?:voice|speech))(?:\s+(?:down|up))?\s+(?:to\s+)?\d+(?:\.\d+)?\s*[x×]",
    traits=frozenset({"new_recording", "voice_output"}),
)
