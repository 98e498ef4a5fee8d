"""PromptManager: the system prompt and response templates live as files in ``prompts/``."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiogpt.yaml_load import load_yaml

if TYPE_CHECKING:
    from audiogpt.session import Artifact
    from audiogpt.tools import ToolSpec

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@cache
def read_prompt(name: str) -> str:
    """The text of ``prompts/<name>`` (cached; files are read once per process)."""
    return (PROMPTS_DIR / name).read_text(encoding="utf-8")


@cache
def read_prompt_yaml(name: str) -> Any:
    """``prompts/<name>`` parsed as YAML (cached)."""
    return load_yaml(read_prompt(name))


def render_files(artifacts: Sequence[Artifact]) -> str:
    """The session's files as the prompt lists them (one line each, oldest first)."""
    if not artifacts:
        return "Files in this session: none"
    lines = ["Files in this session (use these exact names):"]
    lines += [f"- {a.describe()}" for a in artifacts]
    return "\n".join(lines)


def render_system_prompt(tools: Sequence[ToolSpec], artifacts: Sequence[Artifact]) -> str:
    """``prompts/system.md`` with the tool list and the session's files rendered in."""
    tool_lines = "\n".join(f"- {t.name}: {t.description}" for t in tools) or "- (none configured)"
    return read_prompt("system.md").format(tools=tool_lines, files=render_files(artifacts))
