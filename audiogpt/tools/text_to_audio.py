"""text_to_audio: sound effects and ambience from a text description."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from audiogpt.observation import Observation
from audiogpt.tools.base import Tool, ToolInput


class TextToAudioInput(ToolInput):
    prompt: str = Field(min_length=1, max_length=1000, description="what it should sound like, e.g. rain on a tin roof")
    duration_s: float = Field(10.0, gt=0, le=60, description="length of each clip in seconds")
    negative_prompt: str | None = Field(None, max_length=500, description="what it must NOT contain, e.g. music")
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="random seed; omit for a random one")
    steps: int | None = Field(None, ge=1, le=500, description="denoising steps; omit to use the preset")
    preset: Literal["fast", "default", "quality"] = Field("default", description="speed/quality trade-off")
    candidates: int = Field(1, ge=1, le=8, description="how many versions to make (the best is listed first)")


def arguments(text: str, duration: float | None) -> dict[str, Any]:
    """prompt, duration, seed, versions, negative prompt, steps and preset from ordinary words."""
    from audiogpt.generation_slots import generation_arguments

    return generation_arguments(text)


def describe(r: Observation) -> dict[str, Any]:
    """{output}: with several versions, the first (the best, when they were ranked), then the others."""
    made = [n for n in r.files if n.startswith("audio/")]
    if len(made) < 2:
        return {}
    ranked = (r.info.get("ranking") or {}).get("by")
    if ranked and len(made) == len(r.info.get("candidates") or []) == int(r.info["candidates"][0].get("of", 0)):
        return {"output": f"{made[0]} (the best of {len(made)}; the others: {', '.join(made[1:])})"}
    return {"output": ", ".join(made)}


TOOL = Tool(
    name="text_to_audio",
    outputs=lambda inputs: inputs.candidates,
    category="generation",
    description=(
        "Generate sound effects or ambience (not speech, not music) from a text description: rain, a dog "
        "barking, footsteps, a busy street. Set duration_s, a negative_prompt for what to leave out, a seed to "
        "reproduce a result, and candidates to make several versions."
    ),
    input_model=TextToAudioInput,
    output="audio",
    reply="I generated “{prompt}”{duration}: {output}",
    hint="Describe the sound you want, e.g. 'rain on a tin roof for 8 seconds'.",
    arguments=arguments,
    describe=describe,
    capability_exempt=(
        "needs the hub checkpoints (audiogpt models pull text_to_audio); with them, a CLAP text-audio "
        "score is the measure (tests check shapes, lengths and seeds on tiny models)"
    ),
    examples_path=Path(__file__).with_suffix(".yaml"),
)
