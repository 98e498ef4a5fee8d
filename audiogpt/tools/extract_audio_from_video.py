"""extract_audio_from_video: take the sound track out of a video file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from audiogpt.tools.base import Tool, ToolInput, VideoFile


class ExtractAudioFromVideoInput(ToolInput):
    video: VideoFile
    audio_stream: int = Field(0, ge=0, le=63, description="which audio stream, 0 = the first")


TOOL = Tool(
    name="extract_audio_from_video",
    category="editing",
    description="Take the sound track out of a video file in this session and return it as an audio file.",
    input_model=ExtractAudioFromVideoInput,
    output="audio",
    reply="Took the sound track out of {input}: {output}{facts}",
    capability="audiogpt.evaluation.properties:extract_audio_from_video",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
