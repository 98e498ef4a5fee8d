"""apply_audio_effect: an effect chain (reverb, echo, EQ, dynamics, fades, normalisation) in order."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

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
)
