"""Building blocks of tool inputs: the base model and the types of file arguments.

A file argument is a session artifact name, never a path. Its JSON schema carries
``artifact_kind`` (audio or video) so the handler, the router and MCP know what to resolve.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo


class ToolInput(BaseModel):
    """Base of every tool's input: unknown arguments are refused rather than silently dropped, and
    NaN/infinite numbers are refused rather than reaching the audio code."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _file(kind: str, example: str) -> Any:
    article = "an" if kind[0] in "aeiou" else "a"
    return Field(
        min_length=1,
        max_length=200,
        description=f"name of {article} {kind} file listed in this session, e.g. {example}",
        json_schema_extra={"artifact_kind": kind},
    )


AudioFile = Annotated[str, _file("audio", "audio/3f9a1c2e.wav")]
VideoFile = Annotated[str, _file("video", "video/5b21d0aa.mp4")]
AudioFiles = Annotated[
    list[AudioFile],
    Field(
        min_length=2,
        max_length=20,
        description="names of audio files listed in this session, in order (at least 2)",
        json_schema_extra={"artifact_kind": "audio"},
    ),
]


def artifact_kind(field: FieldInfo) -> str | None:
    """The artifact kind a field holds (``audio``/``video``), or None for a plain argument."""
    extra = field.json_schema_extra
    if isinstance(extra, dict):
        kind = extra.get("artifact_kind")
        return str(kind) if kind else None
    for meta in field.metadata:  # Annotated[str, Field(...)] keeps its extra on the metadata
        extra = getattr(meta, "json_schema_extra", None)
        if isinstance(extra, dict) and extra.get("artifact_kind"):
            return str(extra["artifact_kind"])
    return None
