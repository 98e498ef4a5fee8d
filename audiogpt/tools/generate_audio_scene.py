"""generate_audio_scene: a whole scene (speech, effects, music, ambience) in one pass from its parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from audiogpt.tools.base import Tool, ToolInput


class GenerateAudioSceneInput(ToolInput):
    caption: str = Field(min_length=1, max_length=1000, description="the whole scene in one sentence")
    speech: str | None = Field(
        None, min_length=1, max_length=500, description="who speaks and how, e.g. a gritty old detective"
    )
    transcript: str | None = Field(None, min_length=1, max_length=500, description="the exact words spoken")
    sfx: str | None = Field(None, min_length=1, max_length=500, description="sound effects, e.g. a door slams")
    music: str | None = Field(None, min_length=1, max_length=500, description="music, e.g. a sad saxophone")
    env: str | None = Field(None, min_length=1, max_length=500, description="the ambience, e.g. heavy rain in a city")
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="random seed; omit for a random one")
    preset: Literal["fast", "default", "quality"] = Field("default", description="speed/quality trade-off")


def arguments(text: str, duration: float | None) -> dict[str, Any]:
    """The scene's parts from a request ("a detective narrating 'x' over rain and a saxophone")."""
    from audiogpt.generation_slots import scene_arguments

    return {k: v for k, v in scene_arguments(text).items() if k != "duration_s" and k != "steps"}


TOOL = Tool(
    name="generate_audio_scene",
    category="generation",
    description=(
        "Generate a whole audio scene in one pass: a caption of the scene plus optional parts: speech (who "
        "speaks and how), transcript (the words), sfx, music and env (ambience). Use it when speech is mixed "
        "with sounds or music, e.g. a narrator over rain and a saxophone. The model chooses the length."
    ),
    traits=frozenset({"reads_quotes", "whole_scene"}),
    input_model=GenerateAudioSceneInput,
    output="audio",
    reply="I generated the scene “{caption}”{duration}: {output}",
    hint="Describe the scene, e.g. a narrator saying 'it was a dark night' over rain and a piano.",
    arguments=arguments,
    capability_exempt=(
        "needs the hub checkpoints (audiogpt models pull generate_audio_scene); the tests check the "
        "adapter and its loading path with a tiny stand-in model"
    ),
    examples_path=Path(__file__).with_suffix(".yaml"),
)
