"""Typed inputs of the editing tools (trim, join, mix, effects, speed, pitch, convert, video, visualize).

Units are in the field names (``start_s``, ``gain_db``, ``semitones``). Every number is finite
(``ToolInput`` refuses NaN/inf) and bounded, and cross-field rules (start before end, one gain per
file) are checked here so a bad request fails before any audio is read.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from audiogpt.tasks_base import AudioFile, AudioFiles, ToolInput, VideoFile

Seconds = Annotated[float, Field(ge=0, le=36_000)]
OUTPUT_FORMATS = ("wav", "flac", "mp3", "ogg", "opus")


class TrimAudioInput(ToolInput):
    audio: AudioFile
    start_s: float | None = Field(None, ge=0, le=36_000, description="start of the span in seconds (omit = 0)")
    end_s: float | None = Field(None, ge=0, le=36_000, description="end of the span in seconds (omit = the end)")
    mode: Literal["keep", "remove"] = Field(
        "keep", description="keep: keep only start_s–end_s; remove: cut start_s–end_s out and join the rest"
    )
    remove_silence: bool = Field(False, description="also cut leading and trailing silence")
    silence_threshold_db: float = Field(
        -40.0, ge=-100, le=-10, description="level (dBFS) below which audio counts as silence"
    )
    silence_method: Literal["level", "vad"] = Field(
        "level", description="level: below silence_threshold_db; vad: no speech per Silero VAD"
    )

    @model_validator(mode="after")
    def _check_span(self) -> Self:
        if self.start_s is not None and self.end_s is not None and self.start_s >= self.end_s:
            raise ValueError(f"start_s ({self.start_s:g} s) must be before end_s ({self.end_s:g} s)")
        if self.start_s is None and self.end_s is None and not self.remove_silence:
            raise ValueError("give start_s and/or end_s, or set remove_silence")
        return self


class ConcatenateAudioInput(ToolInput):
    audio_files: AudioFiles
    crossfade_s: float = Field(0.0, ge=0, le=30, description="overlap with an equal-power crossfade at each join")
    gap_s: float = Field(0.0, ge=0, le=600, description="silence inserted between files")

    @model_validator(mode="after")
    def _check_join(self) -> Self:
        if self.crossfade_s > 0 and self.gap_s > 0:
            raise ValueError("use either crossfade_s or gap_s, not both")
        return self


class MixAudioInput(ToolInput):
    audio_files: AudioFiles
    gains_db: list[Annotated[float, Field(ge=-60, le=24)]] | None = Field(
        None, description="gain per file in dB, in the same order (omit = 0 dB each); e.g. [0, -12] = 2nd quieter"
    )
    offsets_s: list[Seconds] | None = Field(
        None, description="when each file starts in the mix, seconds (omit = all start at 0)"
    )
    duck_db: float = Field(
        0.0, ge=0, le=40, description="lower the other files by this many dB while the FIRST file is sounding"
    )

    @model_validator(mode="after")
    def _check_lengths(self) -> Self:
        n = len(self.audio_files)
        for name in ("gains_db", "offsets_s"):
            values = getattr(self, name)
            if values is not None and len(values) != n:
                raise ValueError(f"{name} has {len(values)} values for {n} files; give one per file")
        return self


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


Effect = Annotated[
    Reverb | Chorus | Delay | Distortion | Compressor | Limiter | Gain | Highpass | Lowpass | LowShelf | HighShelf
    | PeakEQ | FadeIn | FadeOut | Reverse | NormalizeLoudness | NormalizePeak,
    Field(discriminator="name"),
]  # fmt: skip
EFFECT_NAMES: tuple[str, ...] = tuple(
    m.model_fields["name"].annotation.__args__[0]  # type: ignore[union-attr]
    for m in (Reverb, Chorus, Delay, Distortion, Compressor, Limiter, Gain, Highpass, Lowpass, LowShelf, HighShelf,
              PeakEQ, FadeIn, FadeOut, Reverse, NormalizeLoudness, NormalizePeak)
)  # fmt: skip


class ApplyAudioEffectInput(ToolInput):
    audio: AudioFile
    effects: list[Effect] = Field(
        min_length=1, max_length=16, description="effects applied in this order, e.g. [{'name': 'reverb'}]"
    )


class ChangeSpeedInput(ToolInput):
    audio: AudioFile
    factor: float = Field(ge=0.25, le=4.0, description="1.25 = 25 % faster (shorter), 0.8 = slower (longer)")
    preserve_pitch: bool = Field(True, description="true: time-stretch, pitch unchanged; false: resample, both change")


class ChangePitchInput(ToolInput):
    audio: AudioFile
    semitones: float = Field(ge=-24, le=24, description="+12 = one octave up, -12 = one octave down")

    @model_validator(mode="after")
    def _check_shift(self) -> Self:
        if self.semitones == 0:
            raise ValueError("semitones is 0, which changes nothing; give a shift such as 2 or -3")
        return self


class ConvertAudioInput(ToolInput):
    audio: AudioFile
    format: Literal["wav", "flac", "mp3", "ogg", "opus"] | None = Field(None, description="output file format")
    sample_rate: int | None = Field(None, ge=8000, le=192_000, description="output sample rate in Hz")
    channels: Literal[1, 2] | None = Field(None, description="1 = mono (average), 2 = stereo")
    bit_depth: Literal[16, 24, 32] | None = Field(None, description="wav/flac sample size; 32 = float (wav only)")

    @model_validator(mode="after")
    def _check_target(self) -> Self:
        if self.format is None and self.sample_rate is None and self.channels is None and self.bit_depth is None:
            raise ValueError("say what to convert to: format, sample_rate, channels or bit_depth")
        if self.bit_depth is not None and (self.format or "wav") not in ("wav", "flac"):
            raise ValueError(f"bit_depth applies to wav and flac, not {self.format}")
        if self.bit_depth == 32 and self.format == "flac":
            raise ValueError("flac stores at most 24 bits; use wav for 32-bit float")
        return self


class ExtractAudioFromVideoInput(ToolInput):
    video: VideoFile
    audio_stream: int = Field(0, ge=0, le=63, description="which audio stream, 0 = the first")


class VisualizeAudioInput(ToolInput):
    audio: AudioFile
    kind: Literal["waveform", "spectrogram", "mel_spectrogram"] = "spectrogram"
    frequency_scale: Literal["linear", "log"] = Field("linear", description="frequency axis of a spectrogram")
    start_s: float | None = Field(None, ge=0, le=36_000, description="draw from here (seconds)")
    end_s: float | None = Field(None, ge=0, le=36_000, description="draw until here (seconds)")
    max_frequency_hz: float | None = Field(None, gt=0, le=96_000, description="top of the frequency axis")

    @model_validator(mode="after")
    def _check_span(self) -> Self:
        if self.start_s is not None and self.end_s is not None and self.start_s >= self.end_s:
            raise ValueError(f"start_s ({self.start_s:g} s) must be before end_s ({self.end_s:g} s)")
        return self
