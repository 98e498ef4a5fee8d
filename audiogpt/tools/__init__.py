"""The tool registry: one module per public tool in this package, plus tools other packages add
through the entry-point group ``audiogpt.tools``.

A tool module defines ``TOOL`` (a :class:`~audiogpt.tools.base.Tool`). Built-in modules are found
by listing this package; an entry point names a module with ``TOOL`` or a ``Tool`` object itself.
Two tools with one name are refused with an error naming both sources. See docs/adding-a-tool.md.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

from audiogpt.errors import UserError
from audiogpt.tools.base import (
    AudioFile,
    AudioFiles,
    Category,
    Cue,
    OutputKind,
    Seconds,
    Tool,
    ToolInput,
    ToolSpec,
    VideoFile,
    artifact_kind,
)
from audiogpt.tools.planned import PLANNED_TOOLS

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "audiogpt.tools"
_NOT_TOOLS = {"base", "planned"}  # modules of this package that declare no tool

__all__ = [
    "CATALOG",
    "PLANNED",
    "AudioFile",
    "AudioFiles",
    "Category",
    "Cue",
    "DuplicateToolError",
    "OutputKind",
    "Seconds",
    "Tool",
    "ToolInput",
    "ToolSpec",
    "VideoFile",
    "artifact_kind",
    "get_tool",
    "register",
]


class DuplicateToolError(ValueError):
    """Two tools declared the same name."""


CATALOG: dict[str, Tool] = {}
_SOURCES: dict[str, str] = {}


def register(tool: Tool, source: str = "") -> Tool:
    """Add ``tool`` to the catalog; a name that is taken is refused, naming both declarations."""
    if not isinstance(tool, Tool):
        raise TypeError(f"{source or 'register'}: expected an audiogpt.tools.Tool, got {type(tool).__name__}")
    if tool.name in CATALOG:
        raise DuplicateToolError(
            f"tool name {tool.name!r} is declared twice: by {_SOURCES[tool.name]} and by {source or 'register()'}; "
            "rename one of them"
        )
    CATALOG[tool.name] = tool
    _SOURCES[tool.name] = source or "register()"
    PLANNED.pop(tool.name, None)  # a planned tool that is now installed is no longer refused
    return tool


def _tool_of(obj: Any, source: str) -> Tool:
    found = getattr(obj, "TOOL", obj) if isinstance(obj, ModuleType) else obj
    if not isinstance(found, Tool):
        raise TypeError(f"{source} must be a module defining TOOL (an audiogpt.tools.Tool) or a Tool")
    return found


def _discover() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name in _NOT_TOOLS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register(_tool_of(module, module.__name__), f"module {module.__name__}")
    load_plugins(entry_points(group=ENTRY_POINT_GROUP))


def load_plugins(eps: Iterable[EntryPoint]) -> None:
    """Register the tools that other packages declare as ``audiogpt.tools`` entry points."""
    for ep in eps:
        source = f"entry point {ep.name} = {ep.value} ({ENTRY_POINT_GROUP})"
        try:
            tool = _tool_of(ep.load(), source)
        except Exception:  # another package's broken plug-in must not stop the built-in tools
            log.exception("could not load %s", source)
            continue
        register(tool, source)


# Public names from the design that no registered tool serves yet; used to answer honestly.
PLANNED: dict[str, str] = dict(PLANNED_TOOLS)
_discover()


def get_tool(name: str) -> Tool:
    """Look a tool up by name, failing with the list of known tools."""
    try:
        return CATALOG[name]
    except KeyError:
        raise UserError(f"Tool {name!r} not found; available tools = {sorted(CATALOG)}") from None
