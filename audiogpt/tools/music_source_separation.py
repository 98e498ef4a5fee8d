"""music_source_separation: split a song into stems (vocals, drums, bass, other)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from audiogpt.tools.base import AudioFile, Tool, ToolInput

Stem = Literal["vocals", "drums", "bass", "other"]


class MusicSourceSeparationInput(ToolInput):
    audio: AudioFile
    stems: list[Stem] | None = Field(
        None, min_length=1, max_length=4, description="which stems to return: vocals, drums, bass, other (default all)"
    )


TOOL = Tool(
    name="music_source_separation",
    category="processing",
    description="Split music into stems — vocals, drums, bass and other (the accompaniment) — one file each, "
    "at the input's sample rate and channel count. Use it to isolate or remove vocals (karaoke) or an instrument.",
    input_model=MusicSourceSeparationInput,
    output="audio",
    reply="Split {input} into {outputs}.",  # {input} {outputs}
    hint="Upload a song, then ask for the vocals, drums, bass or the rest as separate files.",
    capability="audiogpt.evaluation.listening:music_source_separation",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
