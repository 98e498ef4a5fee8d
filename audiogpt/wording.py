"""Replies written for people: upload names instead of hashes, human titles instead of tool
names, and a short version of a reply for listening."""

from __future__ import annotations

import re
from collections.abc import Sequence

from audiogpt.session import ARTIFACT_NAME_RE, Artifact

# Titles for pictures and step headers; a tool not listed gets its name in words.
TOOL_TITLES = {
    "sound_event_detection": "Sound events",
    "target_sound_detection": "When the sound occurs",
    "voice_activity_detection": "Speech segments",
    "speech_recognition": "Transcription",
    "speech_translation": "Translation",
    "text_to_speech": "Speech synthesis",
    "speech_enhancement": "Noise removal",
    "trim_audio": "Trim",
    "concatenate_audio": "Join",
    "mix_audio": "Mix",
    "apply_audio_effect": "Effects",
    "change_speed": "Speed change",
    "change_pitch": "Pitch change",
    "convert_audio": "Conversion",
    "extract_audio_from_video": "Audio from video",
    "visualize_audio": "Picture of the audio",
}
SPOKEN_MAX_CHARS = 300  # about 20 s of speech: longer replies are cut at a sentence end


def tool_title(tool: str) -> str:
    """A human title for a tool (``sound_event_detection`` → "Sound events")."""
    return TOOL_TITLES.get(tool) or tool.replace("_", " ").capitalize()


def file_title(art: Artifact) -> str:
    """How a person calls a file: the upload's own name, else what made it."""
    if art.provenance.get("tool") == "upload" and art.label:
        return f"{art.label} (uploaded)"
    tool = art.provenance.get("tool")
    return f"{tool_title(tool).lower()} result ({art.name.split('/')[-1]})" if tool else art.name


def humanize_names(text: str, artifacts: Sequence[Artifact]) -> str:
    """``text`` with each uploaded file's artifact name replaced by its own name ("dog.wav (uploaded)")."""
    uploads = {a.name: f"{a.label} (uploaded)" for a in artifacts if a.provenance.get("tool") == "upload" and a.label}
    return ARTIFACT_NAME_RE.sub(lambda m: uploads.get(m.group(0), m.group(0)), text)


_PARENS = re.compile(r"\s*\([^()]*\d[^()]*\)")  # "(0.62)", "(2.00 s, 22050 Hz, mono)"
_FILE_MENTION = re.compile(r"(?:audio|image|video|text)/[0-9a-f]{8}\.[a-z0-9]+")


def spoken_text(text: str, artifacts: Sequence[Artifact] = ()) -> str:
    """A reply rewritten for listening: no file hashes, no bracketed numbers, no markup, short."""
    said = humanize_names(text, artifacts).replace(" (uploaded)", "")
    said = _FILE_MENTION.sub("the new file", said)
    said = _PARENS.sub("", said)
    said = re.sub(r"[*_`#>|]+", " ", said)
    said = re.sub(r"\s+", " ", said).strip()
    if len(said) <= SPOKEN_MAX_CHARS:
        return said
    cut = said[:SPOKEN_MAX_CHARS]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return (cut[: end + 1] if end > 40 else cut.rsplit(" ", 1)[0] + " …").strip()
