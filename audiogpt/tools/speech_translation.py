"""speech_translation: translate the speech in an audio file into English text."""

from __future__ import annotations

import re
from pathlib import Path

from audiogpt.slots import LANGUAGE_NAME, LANGUAGES
from audiogpt.tools.base import AudioFile, Tool, ToolInput


class SpeechTranslationInput(ToolInput):
    audio: AudioFile


# "in X" at the end is a target after the thing translated ("translate it in French"), not after the words
# that name the source ("a voicemail in German.", "he speaks in Turkish)")
_IN_TARGET_RE = re.compile(
    rf"\b(?:translat\w*|it|this|that|them|everything|all|version|out loud|aloud)\s+in\s+{LANGUAGE_NAME}\W*$",
    re.IGNORECASE,
)
_SPOKEN_TARGET_RE = re.compile(
    rf"\b(?:become|becomes|to speak|say it|says it)\s+(?:in\s+)?{LANGUAGE_NAME}\b"
    rf"|\bin\s+{LANGUAGE_NAME}\s+(?:audio|speech|voice)\b"
    rf"|\b(?:a|an)\s+{LANGUAGE_NAME}\s+(?:(?:audio|voice|spoken)\s+)?(?:version|voice-?over|dub)\b"
    rf"|\b{LANGUAGE_NAME}\s+(?:voice-?over|dub|dubbing)\b",
    re.IGNORECASE,
)


def translation_target(text: str) -> str | None:
    """The language a translation step asks for when it is not English ("into French" → "French").

    speech_translation only produces English, so such a step is answered, not run. "into/to X" is a
    target anywhere; "in X" only at the end after what is translated ("translate it in French"), since
    "a message in Italian" names the source. Any English target wins ("the Italian message in English").
    """
    targets = [m.group(1) for m in re.finditer(rf"\b(?:into|to)\s+{LANGUAGE_NAME}\b", text, re.IGNORECASE)]
    targets += [m.group(1) for m in _IN_TARGET_RE.finditer(text)]
    # the words come out in that language: "become German audio", "speak Spanish instead", "in French audio",
    # "a Spanish audio version", "a Portuguese voiceover" (not "the Japanese audio", which names the source)
    targets += [next(g for g in m.groups() if g) for m in _SPOKEN_TARGET_RE.finditer(text)]
    if not targets or any(LANGUAGES[t.lower()] == "en" for t in targets):
        return None
    return targets[0].title()


def refuse_target(text: str) -> str | None:
    """The answer to a request for a translation into another language than English."""
    language = translation_target(text)
    if language is None:
        return None
    return (
        f"I can't translate into {language}: speech_translation translates speech into English only. Ask for "
        "the English translation, or for a transcript in the original language."
    )


TOOL = Tool(
    name="speech_translation",
    category="understanding",
    description="Translate the speech in an audio file from any language into English text.",
    input_model=SpeechTranslationInput,
    output="text",
    reply="English translation of {input}: “{text}”",  # {input} {text}
    reply_empty="I found no speech to translate in {input}.",
    capability="audiogpt.evaluation.capability:speech_translation",
    examples_path=Path(__file__).with_suffix(".yaml"),
    refuse=refuse_target,
)
