"""The result of one tool call, shared by the handler (which makes it), the engines (which read it)
and the front ends."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Observation:
    """The result of one tool call: ``content`` for the model, the rest as data for the router and UI.

    ``info`` holds the tool's structured facts (``ModelOutput.info``: a detected language, a seed,
    measurements); ``facts`` each new audio file's format (name → duration_s, sample_rate, channels).
    """

    tool: str
    args: dict[str, Any]
    ok: bool
    content: str
    call_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    error: str | None = None
    files: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    text: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    labels: list[tuple[str, float]] = field(default_factory=list)
    duration_s: float | None = None
    seconds: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the tool changed on its own, for the reply

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SessionFile:
    """A file of the session as the engines see it: an upload or a tool's output, with its facts."""

    name: str
    label: str | None = None  # original file name of an upload
    tool: str | None = None  # the tool that made it; None for uploads
    duration_s: float | None = None
    origin: str | None = None  # the upload label a file made this turn derives from
    role: str | None = None  # "voice" or "music" where known (for mixing)

    @property
    def kind(self) -> str:
        return self.name.split("/", 1)[0]


def spans_text(events: list[dict[str, Any]], limit: int) -> str:
    """ "0.50–1.20, 3.00–4.10 s, …": the first ``limit`` events' spans, for a reply."""
    parts = [f"{float(e['start_s']):.2f}–{float(e['end_s']):.2f}" for e in events[:limit]]
    return ", ".join(parts) + (" s" if parts else "") + (", …" if len(events) > limit else "")
