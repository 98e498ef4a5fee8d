"""text_to_music: music from a text description."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from audiogpt.tools.base import Tool, ToolInput


class TextToMusicInput(ToolInput):
    prompt: str = Field(min_length=1, max_length=1000, description="genre, mood, instruments, tempo")
    duration_s: float = Field(10.0, gt=0, le=60, description="length of the music in seconds")
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="random seed; omit for a random one")


def arguments(text: str, duration: float | None) -> dict[str, Any]:
    """prompt, duration and seed from ordinary words ("a 10-second lo-fi beat, seed 3")."""
    from audiogpt.generation_slots import generation_arguments

    return {k: v for k, v in generation_arguments(text).items() if k in ("prompt", "duration_s", "seed")}


TOOL = Tool(
    name="text_to_music",
    category="generation",
    description=(
        "Compose music from a text description (genre, mood, instruments, tempo), e.g. 'a 10-second lo-fi "
        "beat'. Set duration_s and a seed to reproduce a result."
    ),
    input_model=TextToMusicInput,
    output="audio",
    reply="I composed “{prompt}”{duration}: {output}",
    hint="Describe the music, e.g. 'a calm piano piece, 20 seconds'.",
    arguments=arguments,
    capability_exempt=(
        "needs the hub checkpoint (audiogpt models pull text_to_music); with it, a CLAP text-audio score is "
        "the measure (tests check shapes, lengths and seeds on tiny models)"
    ),
    examples_path=Path(__file__).with_suffix(".yaml"),
)
