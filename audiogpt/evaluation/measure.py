"""What every capability measure works with: a :class:`Context` (an agent, a session, the labelled
data) and the :class:`ToolResult` it returns. Tool modules name their measure as ``"module:function"``
(``Tool.capability``); a function may also return a list of checks (:func:`checks_result`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiogpt.audio import Audio

if TYPE_CHECKING:
    from audiogpt.agent import Agent
    from audiogpt.observation import Observation
    from audiogpt.session import Session


class NeedsData(Exception):
    """A measure that needs the labelled data folder was run without it (the tool is skipped)."""


class ToolFailed(Exception):
    """A tool call came back with an error observation."""


@dataclass
class Context:
    """One agent and one session per tool; calls go through a fresh real handler each time."""

    agent: Agent
    session: Session
    data: Path | None
    truth: dict[str, dict[str, Any]]
    scratch: Path
    tool: str = ""

    def upload(self, path: Path) -> str:
        limits = self.agent.settings.limits
        return self.session.ingest(path, limits.max_upload_mb, limits.max_duration_s).name

    def upload_audio(self, audio: Audio, name: str) -> str:
        import soundfile as sf

        path = self.scratch / name
        sf.write(str(path), audio.samples, audio.sample_rate)
        return self.upload(path)

    def call(self, tool: str, args: dict[str, Any]) -> Observation:
        handler = self.agent.handler_cls(self.session, self.agent.pool, self.agent.settings.limits)
        obs = handler.call(tool, args)
        if not obs.ok:
            raise ToolFailed(obs.error or obs.content)
        return obs

    def output_audio(self, obs: Observation) -> Audio:
        audio_files = [n for n in obs.files if n.startswith("audio/")]
        if not audio_files:
            raise ToolFailed(f"{obs.tool} made no audio file")
        return self.session.load(audio_files[0])[1]

    def labelled(self, key: str, folder: str = "") -> list[tuple[Path, dict[str, Any]]]:
        """Data files whose ground truth has ``key`` (optionally under ``folder/``), sorted by name."""
        if self.data is None:
            raise NeedsData(key)
        rows = [(f, t) for f, t in sorted(self.truth.items()) if key in t and f.startswith(folder)]
        return [(self.data / f, t) for f, t in rows if (self.data / f).is_file()]


@dataclass
class ToolResult:
    """One tool's measurements: headline rows for the table, per-item details for the report."""

    tool: str
    status: str = "ok"  # ok | error | skipped
    rows: list[tuple[str, float | str | None, int]] = field(default_factory=list)  # (metric, value, n)
    items: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""


def checks_result(tool: str, checks: list[dict[str, Any]]) -> ToolResult:
    """A tool's result from its property checks (:func:`audiogpt.evaluation.properties.check`): the
    share that pass, with each failure named."""
    items = [{"tool": tool, **c} for c in checks]
    passed = sum(c["passed"] for c in items)
    failed = "; ".join(f"{c['check']}: {c['measured']} (want {c['expected']})" for c in items if not c["passed"])
    return ToolResult(tool, rows=[("checks passed", passed / len(items), len(items))], items=items, detail=failed)


def measure_of(ref: str) -> Callable[[Context], ToolResult]:
    """The measure named ``"module:function"``; a function returning checks is wrapped by :func:`checks_result`."""
    module, _, name = ref.partition(":")
    function = getattr(importlib.import_module(module), name)

    def run(ctx: Context) -> ToolResult:
        out = function(ctx)
        return out if isinstance(out, ToolResult) else checks_result(ctx.tool, out)

    return run
