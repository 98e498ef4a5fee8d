"""visualize_audio: a labelled picture of a recording (waveform, spectrogram, mel spectrogram)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator

from audiogpt.tools.base import AudioFile, Tool, ToolInput


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


TOOL = Tool(
    name="visualize_audio",
    category="editing",
    description="Draw a labelled picture of an audio file on request: waveform, spectrogram or mel spectrogram, "
    "with an optional time range, log frequency axis and frequency limit.",
    input_model=VisualizeAudioInput,
    output="image",
    reply="Here is the {detail} of {input}: {output}",
    capability="audiogpt.evaluation.properties:visualize_audio",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
