"""extract_audio_from_video: take the sound track out of a video file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field

from audiogpt.tools.base import Tool, ToolInput, VideoFile


class ExtractAudioFromVideoInput(ToolInput):
    video: VideoFile
    audio_stream: int = Field(0, ge=0, le=63, description="which audio stream, 0 = the first")


def video_args(text: str) -> dict[str, Any]:
    """audio_stream from "the second audio track" (0 = the first)."""
    ordinals = {"first": 0, "second": 1, "third": 2, "fourth": 3}
    m = re.search(r"\b(first|second|third|fourth)\s+(?:audio\s+)?(?:track|stream)", text, re.I)
    if m:
        return {"audio_stream": ordinals[m.group(1).lower()]}
    m = re.search(r"\b(?:audio\s+)?(?:track|stream)\s*#?\s*(\d+)", text, re.I)
    return {"audio_stream": max(0, int(m.group(1)) - 1)} if m else {}


TOOL = Tool(
    name="extract_audio_from_video",
    category="editing",
    description="Take the sound track out of a video file in this session and return it as an audio file.",
    input_model=ExtractAudioFromVideoInput,
    output="audio",
    reply="Took the sound track out of {input}: {output}{facts}",
    capability="audiogpt.evaluation.properties:extract_audio_from_video",
    examples_path=Path(__file__).with_suffix(".yaml"),
    arguments=lambda text, _: video_args(text),
    traits=frozenset({"video_to_audio", "new_recording"}),
)
