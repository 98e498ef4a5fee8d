"""One planned step of the offline router (shared by the planner, the binding and the replies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Step:
    """One planned step: a tool call to make, or a reason why the plan stops here."""

    text: str
    # "tool", "help", "thanks", "unsupported", "off_topic", "unclear", "no_file", "no_text", "not_bound",
    # "few_files", "no_args", "no_duration", "bad_args", "refused", "other_task"
    kind: str
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    file_field: str | None = None  # the argument that holds a file (or a list of files)
    file_kind: str = "audio"  # the kind of file it takes: audio or video
    file_list: bool = False  # a list of audio files (concatenate_audio, mix_audio)
    explicit_file: str | None = None  # a file the step names; else the previous step's / newest file
    closest: list[str] = field(default_factory=list)
    problem: str | None = None  # why the arguments do not validate ("bad_args"), why the tool refuses ("refused")
