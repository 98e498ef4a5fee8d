"""Consistency: does the engine pick the right tools for what people ask, however they phrase it?

Each request runs as one real ``Agent.run()`` turn in a fresh session holding the files it names.
The predicted sequence is the tools of every call the engine made (successful or failed), as the
response lists them. Scores per item and in total: tool-selection precision/recall/F1 over
multisets (TaskBench's node F1), exact-sequence accuracy (the gold or an accepted alternative),
first-tool accuracy, unsupported-request detection, and argument checks where the gold has them.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from audiogpt.errors import UserError
from audiogpt.evaluation.media import needed_seconds
from audiogpt.evaluation.requests import EvalRequest
from audiogpt.metrics import multiset_overlap, multiset_prf, prf
from audiogpt.tools import CATALOG

if TYPE_CHECKING:
    from audiogpt.agent import Agent
    from audiogpt.evaluation.media import MediaFactory
    from audiogpt.response import Response

log = logging.getLogger(__name__)

DEFAULT_FILES = {"example.wav": "audio"}  # uploaded when a request names no file, so "it" resolves
# A reply "says it cannot" when it contains one of these (lowercased, straight apostrophes).
CANNOT_PHRASES = ("can't", "cannot", "can not", "not able", "unable to", "not available", "isn't supported",
                  "is not supported", "not supported", "no tool", "not installed")  # fmt: skip


def says_cannot(reply: str) -> bool:
    """Whether ``reply`` says that (part of) the request cannot be done."""
    text = reply.lower().replace("’", "'")
    return any(phrase in text for phrase in CANNOT_PHRASES)


@dataclass
class ItemResult:
    """One request's outcome."""

    id: str
    line: int
    request: str
    tags: list[str]
    gold: list[str]
    accept: list[list[str]]
    unsupported: bool | str
    predicted: list[str] = field(default_factory=list)
    failed_calls: int = 0
    reply: str = ""
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    exact: bool = False
    first_ok: bool | None = None  # None when the gold has no tool
    detected_unsupported: bool = False
    args_checked: int = 0
    args_passed: int = 0
    args_unchecked: int = 0  # steps with expected arguments whose tool was not called
    arg_failures: list[str] = field(default_factory=list)
    turn_error: str | None = None  # the turn failed as a whole (engine failure, bad upload): scored
    error: str | None = None  # the harness could not run this item (not scored)
    seconds: float = 0.0


def unscored(req: EvalRequest) -> ItemResult:
    """A result for ``req`` with nothing predicted yet."""
    return ItemResult(req.id, req.line, req.request, req.tags, req.gold, req.accept, req.unsupported)


def score(req: EvalRequest, predicted: list[str], reply: str) -> ItemResult:
    """Tool-selection scores of one request (argument checks are added by :func:`check_args`)."""
    item = unscored(req)
    item.predicted, item.reply = list(predicted), reply
    item.precision, item.recall, item.f1 = multiset_prf(req.gold, predicted)
    item.exact = any(predicted == seq for seq in req.sequences)
    firsts = {seq[0] for seq in req.sequences if seq}
    item.first_ok = bool(predicted) and predicted[0] in firsts if firsts else None
    # An unsupported answer makes no tool call and says so; a partial one says what it cannot do.
    item.detected_unsupported = says_cannot(reply) and (not predicted or req.unsupported == "partial")
    return item


def check_args(item: ItemResult, req: EvalRequest, calls: list[dict[str, Any]], resolve: Callable[[str], str]) -> None:
    """Subset-match each gold step's expected arguments against the call made for that step.

    The n-th gold step of a tool is matched with the n-th call of that tool; a step whose tool was
    not called is not checked (tool selection already counts it). File arguments match by the name
    the engine gave or the upload name it resolves to (``resolve``). ``effect_names`` is a
    pseudo-argument of apply_audio_effect: the names of its effects, in order.
    """
    seen: Counter[str] = Counter()
    for step, (tool, expected) in enumerate(zip(req.gold, req.args, strict=False), start=1):
        nth = seen[tool]
        seen[tool] += 1
        made = [c for c in calls if c["tool"] == tool]
        if expected is None or nth >= len(made):
            item.args_unchecked += expected is not None
            continue
        item.args_checked += 1
        files = set(CATALOG[tool].file_fields())
        args = _with_pseudo_args(made[nth]["args"])
        wrong = [k for k, v in expected.items() if not matches(v, args.get(k), resolve if k in files else None)]
        if wrong:
            got = {k: args.get(k) for k in wrong}
            item.arg_failures.append(f"step {step} ({tool}): expected {_pick(expected, wrong)}, got {got}")
        else:
            item.args_passed += 1


def _with_pseudo_args(args: dict[str, Any]) -> dict[str, Any]:
    effects = args.get("effects")
    if isinstance(effects, list):
        return {**args, "effect_names": [e.get("name") if isinstance(e, dict) else None for e in effects]}
    return args


def _pick(d: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    return {k: d[k] for k in keys}


def matches(expected: Any, actual: Any, resolve: Callable[[str], str] | None = None) -> bool:
    """Subset match: dicts by their given keys, lists element-wise, numbers with tolerance."""
    if isinstance(expected, dict) and set(expected) == {"approx", "tol"}:
        return _is_number(actual) and abs(float(actual) - float(expected["approx"])) <= float(expected["tol"])
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(matches(v, actual.get(k)) for k, v in expected.items())
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return False
        return all(matches(e, a, resolve) for e, a in zip(expected, actual, strict=True))
    if _is_number(expected):
        return _is_number(actual) and math.isclose(float(expected), float(actual), rel_tol=1e-6, abs_tol=1e-12)
    if isinstance(expected, str) and isinstance(actual, str) and resolve is not None:
        return expected in (actual, resolve(actual))
    return bool(expected == actual)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def run_item(agent: Agent, req: EvalRequest, media: MediaFactory) -> ItemResult:
    """Run one request in a fresh session and score it; a harness failure is recorded, not raised."""
    start = time.perf_counter()
    try:
        seconds = needed_seconds(req.request)
        paths = [media.path(name, kind, seconds) for name, kind in (req.files or DEFAULT_FILES).items()]
    except (UserError, OSError) as exc:
        item = unscored(req)
        item.error = f"could not make the request's files: {exc}"
        return item
    try:
        resp = agent.run(req.request, files=paths)
    except Exception as exc:  # Agent.run reports failures in the Response; this is a bug, not a score
        log.exception("%s: the agent raised", req.id)
        item = unscored(req)
        item.error = f"the agent raised {type(exc).__name__}: {exc}"
        return item
    item = score(req, [c.tool for c in resp.tool_calls], resp.text)
    item.failed_calls = sum(not c.ok for c in resp.tool_calls)
    item.turn_error = resp.error
    calls = [{"tool": c.tool, "args": c.args} for c in resp.tool_calls]
    check_args(item, req, calls, _resolver(agent, resp))
    item.seconds = time.perf_counter() - start
    return item


def _resolver(agent: Agent, resp: Response) -> Callable[[str], str]:
    session = agent.store.open(resp.session_id)

    def resolve(name: str) -> str:
        try:
            art = session.resolve(name)
        except UserError:
            return name
        return art.label or art.name

    return resolve


def run_all(agent: Agent, requests: Iterable[EvalRequest], media: MediaFactory,
            progress: Callable[[ItemResult], None] | None = None) -> list[ItemResult]:  # fmt: skip
    """Every request in order, one fresh session each."""
    results = []
    for req in requests:
        item = run_item(agent, req, media)
        log.info("%s: gold %s, predicted %s", req.id, req.gold, item.predicted)
        if progress is not None:
            progress(item)
        results.append(item)
    return results


# ---- totals -------------------------------------------------------------------------------------
def _group(items: list[ItemResult]) -> dict[str, Any]:
    """Micro-averaged totals of a group of scored items."""
    tp = sum(multiset_overlap(i.gold, i.predicted) for i in items)
    n_pred, n_gold = sum(len(i.predicted) for i in items), sum(len(i.gold) for i in items)
    # a group with no gold tool (the unsupported requests) has no tool-selection score; see exact
    precision, recall, f1 = prf(tp, n_pred, n_gold) if n_gold else (None, None, None)
    firsts = [i.first_ok for i in items if i.first_ok is not None]
    return {
        "n": len(items),
        "calls": n_pred,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "macro_f1": sum(i.f1 for i in items) / len(items) if items else None,
        "exact": sum(i.exact for i in items) / len(items) if items else None,
        "first_tool": sum(firsts) / len(firsts) if firsts else None,
        "args_checked": sum(i.args_checked for i in items),
        "args_passed": sum(i.args_passed for i in items),
        "args_unchecked": sum(i.args_unchecked for i in items),
    }


def _detection(items: list[ItemResult]) -> dict[str, Any]:
    positives = [i for i in items if i.unsupported]
    flagged = [i for i in items if i.detected_unsupported]
    tp = sum(1 for i in flagged if i.unsupported)
    precision, recall, f1 = prf(tp, len(flagged), len(positives))
    return {"positives": len(positives), "flagged": len(flagged), "true_positives": tp,
            "precision": precision, "recall": recall, "f1": f1}  # fmt: skip


def _per_tool(items: list[ItemResult]) -> dict[str, dict[str, Any]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, predicted, gold
    for i in items:
        gold, pred = Counter(i.gold), Counter(i.predicted)
        for tool in gold | pred:
            counts[tool][0] += min(gold[tool], pred[tool])
            counts[tool][1] += pred[tool]
            counts[tool][2] += gold[tool]
    out = {}
    for tool in sorted(counts):
        tp, n_pred, n_gold = counts[tool]
        p, r, f = prf(tp, n_pred, n_gold)
        out[tool] = {"gold": n_gold, "predicted": n_pred, "correct": tp, "precision": p, "recall": r, "f1": f}
    return out


def summarize(results: list[ItemResult]) -> dict[str, Any]:
    """Totals overall, per tool, per tag and per kind of support; unscored items are counted apart."""
    items = [i for i in results if i.error is None]
    tags = sorted({t for i in items for t in i.tags})
    support = {"supported": [i for i in items if i.unsupported is False],
               "unsupported": [i for i in items if i.unsupported is True],
               "partial": [i for i in items if i.unsupported == "partial"]}  # fmt: skip
    by_support = {k: {**_group(v), "detected": sum(i.detected_unsupported for i in v)} for k, v in support.items()}
    return {
        "overall": _group(items),
        "unsupported_detection": _detection(items),
        "per_tool": _per_tool(items),
        "per_tag": {t: _group([i for i in items if t in i.tags]) for t in tags},
        "by_support": by_support,
        "errors": len(results) - len(items),
        "turn_errors": sum(i.turn_error is not None for i in items),
        "seconds": sum(i.seconds for i in results),
    }


def item_dict(item: ItemResult) -> dict[str, Any]:
    return asdict(item)
