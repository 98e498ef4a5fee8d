"""The public tool catalog: stable names, descriptions written for an LLM, typed inputs, output kinds.

The same catalog feeds the LangChain tools, the offline router, the CLI's ``tools`` listing and
the UI help. File inputs are artifact names of the session (``audio/3f9a1c2e.wav``), never paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from audiogpt import tasks_editing as ed
from audiogpt.errors import UserError
from audiogpt.tasks_base import AudioFile, ToolInput, artifact_kind

OutputKind = Literal["audio", "text", "events", "image"]


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
        """Names of the input fields that hold session file names (one name, or a list of names)."""
        return [name for name, f in self.input_model.model_fields.items() if artifact_kind(f)]

    def file_kinds(self) -> dict[str, str]:
        """Each file field and the artifact kind it takes (``audio`` or ``video``)."""
        return {name: k for name, f in self.input_model.model_fields.items() if (k := artifact_kind(f))}


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
    ToolSpec(
        "trim_audio",
        "Cut audio by time: keep only start_s–end_s (mode keep), or cut that span out (mode remove); "
        "optionally remove leading/trailing silence. 'Cut the first 3 seconds' = start_s 3.",
        ed.TrimAudioInput,
        "audio",
        "editing",
    ),
    ToolSpec(
        "concatenate_audio",
        "Join two or more audio files end to end in the given order, with an optional crossfade or "
        "gap; different sample rates and channel counts are converted to match.",
        ed.ConcatenateAudioInput,
        "audio",
        "editing",
    ),
    ToolSpec(
        "mix_audio",
        "Overlay (mix) two or more audio files, e.g. a voice over music, with a gain in dB and start "
        "offset per file and optional ducking of the others under the first; the mix never clips.",
        ed.MixAudioInput,
        "audio",
        "editing",
    ),
    ToolSpec(
        "apply_audio_effect",
        "Apply one or more effects in order: " + ", ".join(ed.EFFECT_NAMES) + ". Bass boost = low_shelf "
        "with positive gain_db; echo = delay; 'normalize to -14 LUFS' = normalize_loudness.",
        ed.ApplyAudioEffectInput,
        "audio",
        "editing",
    ),
    ToolSpec(
        "change_speed",
        "Make audio faster or slower by a factor; by default the pitch stays the same (time-stretch, "
        "Rubber Band), or set preserve_pitch false to resample like tape.",
        ed.ChangeSpeedInput,
        "audio",
        "editing",
    ),
    ToolSpec(
        "change_pitch",
        "Shift the pitch up or down by semitones without changing the duration (Rubber Band).",
        ed.ChangePitchInput,
        "audio",
        "editing",
    ),
    ToolSpec(
        "convert_audio",
        "Convert audio to another format (wav, flac, mp3, ogg, opus), sample rate (high-quality soxr "
        "resampling), channel count (mono/stereo) or bit depth.",
        ed.ConvertAudioInput,
        "audio",
        "editing",
    ),
    ToolSpec(
        "extract_audio_from_video",
        "Take the sound track out of a video file in this session and return it as an audio file.",
        ed.ExtractAudioFromVideoInput,
        "audio",
        "editing",
    ),
    ToolSpec(
        "visualize_audio",
        "Draw a labelled picture of an audio file on request: waveform, spectrogram or mel spectrogram, "
        "with an optional time range, log frequency axis and frequency limit.",
        ed.VisualizeAudioInput,
        "image",
        "editing",
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
}


def get_tool(name: str) -> ToolSpec:
    """Look a tool up by name, failing with the list of known tools."""
    try:
        return CATALOG[name]
    except KeyError:
        raise UserError(f"Tool {name!r} not found; available tools = {sorted(CATALOG)}") from None
