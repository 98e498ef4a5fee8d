"""The three suites behind ``audiogpt eval``: build one agent (one pool, one engine) in a scratch
workspace, run the suite, and return a :class:`Report`."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiogpt.errors import UserError
from audiogpt.evaluation import consistency as cons
from audiogpt.evaluation.media import MediaFactory, Speaker
from audiogpt.evaluation.plan import MODE, PlanOnlyHandler
from audiogpt.evaluation.report import FULL_MODE, Report, Table, agent_config, package_versions
from audiogpt.evaluation.requests import load_requests
from audiogpt.tools.text_to_speech import TextToSpeechInput
from foundation_models.base import RunContext

if TYPE_CHECKING:
    from audiogpt.agent import Agent
    from audiogpt.audio import Audio
    from audiogpt.evaluation.capability import ToolResult

log = logging.getLogger(__name__)


@dataclass
class EvalOptions:
    """What every suite shares."""

    config: str | None = None  # YAML merged over configs/default.yaml
    engine: str | None = None  # auto | llm | offline; None = the configured one
    plan_only: bool = False
    workspace: str | None = None  # keep the sessions here; None = a temporary folder, removed after


@contextmanager
def open_agent(options: EvalOptions) -> Iterator[tuple[Agent, Path]]:
    """One agent for the whole run, its sessions in a scratch workspace (or ``options.workspace``)."""
    from audiogpt.agent import Agent
    from audiogpt.config import load_settings
    from audiogpt.handler import TaskHandler

    with tempfile.TemporaryDirectory(prefix="audiogpt-eval-") as tmp:
        workspace = Path(options.workspace or tmp).expanduser()
        overrides: dict[str, Any] = {"workspace": str(workspace)}
        if options.engine:
            overrides["engine"] = options.engine
        settings = load_settings(options.config, **overrides)
        if settings.resolved_engine() == "llm" and not (settings.llm.api_key or settings.llm.base_url):
            raise UserError(f"the llm engine needs {settings.llm.api_key_env} or AUDIOGPT_LLM_BASE_URL")
        handler_cls = PlanOnlyHandler if options.plan_only else TaskHandler
        yield Agent(settings, handler_cls=handler_cls), workspace


def speaker(agent: Agent) -> Speaker:
    """Speech for test files from the configured text-to-speech model (through the pool)."""

    def speak(text: str) -> Audio:
        with agent.pool.use("text_to_speech") as model:
            return model.run(TextToSpeechInput(text=text, speed=1.0), RunContext()).audio[0]

    return speak


def consistency(options: EvalOptions, requests_path: str | Path, limit: int | None = None,
                tags: list[str] | None = None,
                progress: Callable[[cons.ItemResult], None] | None = None) -> Report:  # fmt: skip
    """Run the consistency suite on a JSONL request file."""
    loaded = load_requests(requests_path)
    selected = [r for r in loaded.requests if not tags or set(tags) & set(r.tags)]
    if limit is not None:
        selected = selected[: max(limit, 0)]
    if not selected:
        raise UserError(f"no request in {requests_path} matches --tag {', '.join(tags or [])}")
    with open_agent(options) as (agent, workspace):
        media = MediaFactory(workspace / "media", None if options.plan_only else speaker(agent))
        results = cons.run_all(agent, selected, media, progress)
        config = {**agent_config(agent, options.plan_only), "requests": str(requests_path),
                  "selected": len(selected), "invalid_lines": loaded.invalid}  # fmt: skip
    totals = cons.summarize(results)
    problems = loaded.problems + [f"{i.id} (line {i.line}): {i.error}" for i in results if i.error]
    return Report(
        suite="consistency",
        mode=MODE if options.plan_only else FULL_MODE,
        config=config,
        versions=package_versions(),
        totals=totals,
        items=[cons.item_dict(i) for i in results],
        tables=consistency_tables(totals),
        item_table=_item_table(results),
        problems=problems,
    )


_GROUP_COLUMNS = ["n", "calls", "precision", "recall", "f1", "exact", "first_tool"]


def _group_row(name: str, g: dict[str, Any]) -> list[Any]:
    return [name, *(g[k] for k in _GROUP_COLUMNS)]


def consistency_tables(totals: dict[str, Any]) -> list[Table]:
    overall, det = totals["overall"], totals["unsupported_detection"]
    summary = Table("Totals (tool selection micro-averaged over multisets)", ["", *_GROUP_COLUMNS],
                    [_group_row("all", overall)])  # fmt: skip
    summary.rows += [_group_row(k, g) for k, g in totals["by_support"].items() if g["n"]]
    checks = Table("Unsupported detection and argument checks", ["measure", "value"], [
        ["unsupported/partial requests", det["positives"]],
        ["flagged as unsupported", det["flagged"]],
        ["detection precision", det["precision"]],
        ["detection recall", det["recall"]],
        ["argument checks passed", f"{overall['args_passed']}/{overall['args_checked']}"],
        ["argument checks not made (tool not called)", overall["args_unchecked"]],
        ["turns that failed as a whole (e.g. engine errors)", totals["turn_errors"]],
        ["items not scored (harness errors)", totals["errors"]],
        ["seconds", round(totals["seconds"], 1)],
    ])  # fmt: skip
    tools = Table("Per tool", ["tool", "gold", "predicted", "correct", "precision", "recall", "f1"],
                  [[t, g["gold"], g["predicted"], g["correct"], g["precision"], g["recall"], g["f1"]]
                   for t, g in totals["per_tool"].items()])  # fmt: skip
    tags = Table("Per tag", ["tag", *_GROUP_COLUMNS], [_group_row(t, g) for t, g in totals["per_tag"].items()])
    return [summary, checks, tools, tags]


def _item_table(results: list[cons.ItemResult]) -> Table:
    rows = [[i.id, i.request, i.gold, i.predicted, i.f1, i.exact, i.detected_unsupported,
             "; ".join([*i.arg_failures, *(e for e in (i.turn_error, i.error) if e)])]
            for i in results]  # fmt: skip
    return Table("Per request", ["id", "request", "gold", "predicted", "f1", "exact", "says cannot", "notes"], rows)


def capability_report(agent: Agent, data: Path | None, results: list[ToolResult]) -> Report:
    """The capability suite's report: one row per tool and metric, every measurement as an item."""
    table = Table("Capability per tool", ["tool", "metric", "value", "n", "status", "detail"])
    for r in results:
        for metric, value, n in r.rows or [("–", None, 0)]:
            table.rows.append([r.tool, metric, value, n, r.status, r.detail])
    totals = {r.tool: {"status": r.status, "detail": r.detail, **{m: v for m, v, _ in r.rows}} for r in results}
    items = [item for r in results for item in r.items]
    config = {**agent_config(agent, plan_only=False), "data": str(data) if data else "none"}
    return Report(
        suite="capability",
        mode=FULL_MODE,
        config=config,
        versions=package_versions(),
        totals=totals,
        items=items,
        tables=[table],
        problems=[f"{r.tool}: {r.status}: {r.detail}" for r in results if r.status != "ok"],
    )
