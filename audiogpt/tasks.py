"""The public tool catalog: stable names, descriptions written for an LLM, typed inputs, output kinds.

The same catalog feeds the LangChain tools, the offline router, the CLI's ``tools`` listing and
the UI help. File inputs are artifact names of the session (``audio/3f9a1c2e.wav``), never paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from audiogpt.errors import UserError

OutputKind = Literal["audio", "text", "events"]

AudioFile = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="name of an audio file listed in this session, e.g. audio/3f9a1c2e.wav",
        json_schema_extra={"artifact_kind": "audio"},
    ),
]


class ToolInput(BaseModel):
    """Base of every tool's input: unknown arguments are refused rather than silently dropped."""

    model_config = ConfigDict(extra="forbid")


class SpeechRecognitionInput(ToolInput):
    audio: AudioFile
    language: str | None = Field(
        None, max_length=8, description="ISO 639-1 code of the spoken language such as 'en'; omit to detect"
    )


class SpeechTranslationInput(ToolInput):
    audio: AudioFile


class TextToSpeechInput(ToolInput):
    text: str = Field(min_length=1, max_length=5000, description="the exact words to speak")
    speed: float = Field(1.0, ge=0.25, le=4.0, description="speaking rate: 1.0 normal, 0.8 slower, 1.3 faster")


class SpeechEnhancementInput(ToolInput):
    audio: AudioFile


class VoiceActivityDetectionInput(ToolInput):
    audio: AudioFile
    threshold: float = Field(0.5, ge=0.05, le=0.95, description="speech probability needed to count as speech")


class SoundEventDetectionInput(ToolInput):
    audio: AudioFile
    top_k: int = Field(5, ge=1, le=20, description="how many clip-level labels to report")


@dataclass(frozen=True)
class ToolSpec:
    """One public tool: what the LLM reads, what it may pass, what it gets back."""

    name: str
    description: str
    input_model: type[ToolInput]
    output: OutputKind
    category: Literal["generation", "understanding", "processing", "editing"]

    def file_fields(self) -> list[str]:
        """Names of the input fields that hold session file names."""
        return [
            name
            for name, f in self.input_model.model_fields.items()
            if isinstance(f.json_schema_extra, dict) and "artifact_kind" in f.json_schema_extra
        ]


_SPECS = [
    ToolSpec(
        "speech_recognition",
        "Transcribe the speech in an audio file to text (Whisper). Use for 'transcribe', 'what does "
        "he say', 'write down the words'.",
        SpeechRecognitionInput,
        "text",
        "understanding",
    ),
    ToolSpec(
        "speech_translation",
        "Translate the speech in an audio file from any language into English text (Whisper translate).",
        SpeechTranslationInput,
        "text",
        "understanding",
    ),
    ToolSpec(
        "text_to_speech",
        "Speak the given text aloud and return a new audio file of the voice (Piper neural TTS).",
        TextToSpeechInput,
        "audio",
        "generation",
    ),
    ToolSpec(
        "speech_enhancement",
        "Remove background noise from speech in an audio file and return the cleaned audio (DeepFilterNet3).",
        SpeechEnhancementInput,
        "audio",
        "processing",
    ),
    ToolSpec(
        "voice_activity_detection",
        "Find where people speak in an audio file: returns speech segments with start/end seconds (Silero VAD).",
        VoiceActivityDetectionInput,
        "events",
        "understanding",
    ),
    ToolSpec(
        "sound_event_detection",
        "Tag the sounds in an audio file (dog bark, rain, music, speech… 521 AudioSet classes) and "
        "give a timeline of when each occurs (YAMNet).",
        SoundEventDetectionInput,
        "events",
        "understanding",
    ),
]

CATALOG: dict[str, ToolSpec] = {}
for _spec in _SPECS:
    if _spec.name in CATALOG:  # pragma: no cover - a programming error caught at import
        raise ValueError(f"duplicate tool name {_spec.name}")
    CATALOG[_spec.name] = _spec

# Public names from the design that no adapter serves yet; used to answer honestly.
PLANNED: dict[str, str] = {
    "text_to_audio": "generate sound effects or ambience from a text description",
    "text_to_music": "compose music from a text description",
    "voice_clone": "speak text in the voice of a reference recording",
    "singing_synthesis": "sing lyrics to a melody",
    "image_to_audio": "make the sound that an image shows",
    "compose_audio_story": "plan and mix a long audio story of speech, effects and music",
    "audio_captioning": "describe an audio clip in a sentence",
    "target_sound_detection": "find when a named sound occurs",
    "speech_separation": "split a recording of several speakers into one file per speaker",
    "music_source_separation": "split a song into vocals, drums, bass and other stems",
    "sound_extraction": "pull out the sound described in text",
    "mono_to_binaural": "turn mono audio into spatial binaural audio",
    "audio_inpainting": "fill in a missing or damaged part of a recording",
    "talking_head": "make a video of a face speaking the audio",
    "trim_audio": "cut a part out of a recording",
    "concatenate_audio": "join recordings end to end",
    "mix_audio": "overlay recordings",
    "apply_audio_effect": "add reverb, echo, EQ and other effects",
    "change_speed": "make audio faster or slower",
    "change_pitch": "shift the pitch up or down",
    "convert_audio": "change the format, sample rate or channels",
    "extract_audio_from_video": "take the sound track out of a video",
    "visualize_audio": "draw a waveform or spectrogram on request",
}


def get_tool(name: str) -> ToolSpec:
    """Look a tool up by name, failing with the list of known tools."""
    try:
        return CATALOG[name]
    except KeyError:
        raise UserError(f"Tool {name!r} not found; available tools = {sorted(CATALOG)}") from None
