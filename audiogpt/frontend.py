"""What the HTTP API, the MCP server and the chat UI share: the catalog as JSON, responses with
URLs instead of server paths, and safe names for uploaded files."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiogpt.errors import UserError

if TYPE_CHECKING:
    from audiogpt.agent import Agent
    from audiogpt.tools import ToolSpec

_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()+-]+")


def available_tools(agent: Agent) -> list[ToolSpec]:
    """The catalog tools this agent can run (those with a model configured), in catalog order."""
    from audiogpt.tools import CATALOG

    return [spec for name, spec in CATALOG.items() if name in agent.pool.tasks]


def tool_json(spec: ToolSpec) -> dict[str, Any]:
    """One catalog entry as ``{"name", "description", "input_schema"}``."""
    return {"name": spec.name, "description": spec.description, "input_schema": spec.input_model.model_json_schema()}


def safe_filename(name: str | None, default: str = "upload") -> str:
    """A client's file name reduced to a plain base name (no folders, no odd characters)."""
    base = _UNSAFE.sub("_", Path((name or "").replace("\\", "/")).name).strip(" .")
    return base[:120] or default


def public_response(data: dict[str, Any], session_dir: Path, url: Callable[[str], str]) -> dict[str, Any]:
    """A Response's JSON with every server path replaced by ``url(name)``.

    ``name`` is the file's path relative to the session folder: an artifact name such as
    ``audio/3f9a1c2e.wav`` or a picture such as ``plots/audio_3f9a1c2e.wav.png``.
    """
    root = session_dir.resolve()

    def link(path: str) -> str:
        try:
            return url(Path(path).resolve().relative_to(root).as_posix())
        except ValueError:  # not a file of this session: never show it
            return ""

    def artifact(view: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in view.items() if k != "path"}
        out["url"] = url(view["name"])
        out["plots"] = [u for u in (link(p) for p in view.get("plots") or []) if u]
        return out

    out = dict(data)
    out["artifacts"] = [artifact(a) for a in data.get("artifacts") or []]
    out["speech"] = artifact(data["speech"]) if data.get("speech") else None
    out["tool_calls"] = [
        {**call, "plots": [u for u in (link(p) for p in call.get("plots") or []) if u]}
        for call in data.get("tool_calls") or []
    ]
    return out


class PortInUse(UserError):
    """The address the server should listen on is taken."""


def check_port_free(host: str, port: int) -> None:
    """Raise :class:`PortInUse` (one clear sentence) if ``host:port`` cannot be bound — before any model loads."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise PortInUse(
                f"port {port} on {host} is already in use ({exc.strerror}); stop the other server or pass --port"
            ) from None
