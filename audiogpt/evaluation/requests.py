"""Consistency request files (JSONL): load, validate, and report every bad line with its number.

The contract is ``docs/evaluation.md`` ("Request files"). A malformed line, or a line whose gold
names a tool that is not in the catalog, is reported and skipped (counted as invalid); the
run goes on with the valid lines. A missing or empty file, or one without a single valid line,
is a :class:`UserError` (the CLI exits with status 2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from audiogpt.errors import UserError
from audiogpt.tools import CATALOG, PLANNED

FILE_KINDS = ("audio", "video", "image")
_KEYS = {"id", "request", "gold", "accept", "unsupported", "files", "args", "tags"}


@dataclass
class EvalRequest:
    """One line of a request file."""

    id: str
    line: int
    request: str
    gold: list[str]
    accept: list[list[str]] = field(default_factory=list)
    unsupported: bool | str = False  # False | True | "partial"
    files: dict[str, str] = field(default_factory=dict)  # file name → audio | video | image
    args: list[dict[str, Any] | None] = field(default_factory=list)  # per gold step; None = no check
    tags: list[str] = field(default_factory=list)

    @property
    def sequences(self) -> list[list[str]]:
        """Every tool sequence counted as exactly right: the gold, then the accepted alternatives."""
        return [self.gold, *self.accept]


@dataclass
class LoadedRequests:
    requests: list[EvalRequest]
    problems: list[str]  # "line 7: …" for every line that was skipped
    invalid: int  # how many non-blank lines were skipped


def load_requests(path: str | Path) -> LoadedRequests:
    """Read and validate a JSONL request file (blank lines and ``#`` comments are ignored)."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"request file {source} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"request file {source} cannot be read: {exc}") from None
    requests: list[EvalRequest] = []
    problems: list[str] = []
    seen: set[str] = set()
    lines = [(n, raw.strip()) for n, raw in enumerate(text.splitlines(), start=1)]
    lines = [(n, raw) for n, raw in lines if raw and not raw.startswith("#")]
    if not lines:
        raise UserError(f"request file {source} is empty: give one JSON object a line (see docs/evaluation.md)")
    for number, raw in lines:
        try:
            req = parse_request(raw, number)
            if req.id in seen:
                raise ValueError(f"duplicate id {req.id!r}")
        except ValueError as exc:
            problems.append(f"line {number}: {exc}")
            continue
        seen.add(req.id)
        requests.append(req)
    if not requests:
        shown = "; ".join(problems[:3]) + (" …" if len(problems) > 3 else "")
        raise UserError(f"request file {source} has no valid line ({len(problems)} invalid: {shown})")
    return LoadedRequests(requests, problems, len(problems))


def parse_request(raw: str, line: int) -> EvalRequest:
    """One JSON line → :class:`EvalRequest`; raises ``ValueError`` saying what is wrong."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - _KEYS)
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_KEYS))}")
    request = obj.get("request")
    if not isinstance(request, str) or not request.strip():
        raise ValueError('"request" must be a non-empty string')
    gold = _tool_list(obj.get("gold"), '"gold"')
    accept_raw = obj.get("accept", [])
    if not isinstance(accept_raw, list):
        raise ValueError('"accept" must be a list of tool-name lists')
    accept = [_tool_list(seq, f'"accept"[{i}]') for i, seq in enumerate(accept_raw)]
    unsupported = obj.get("unsupported", False)
    if not (isinstance(unsupported, bool) or unsupported == "partial"):
        raise ValueError(f'"unsupported" must be false, true or "partial", not {unsupported!r}')
    if unsupported is True and gold:
        raise ValueError('a fully unsupported request ("unsupported": true) must have an empty "gold"')
    if unsupported == "partial" and not gold:
        raise ValueError('a "partial" request lists the doable tools in "gold"; it is empty')
    return EvalRequest(
        id=str(obj.get("id") or f"line {line}"),
        line=line,
        request=request,
        gold=gold,
        accept=accept,
        unsupported=unsupported,
        files=_files(obj.get("files", {})),
        args=_args(obj.get("args", []), len(gold)),
        tags=_tags(obj.get("tags", [])),
    )


def _tool_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where} must be a list of tool names")
    for name in value:
        if name not in CATALOG:
            hint = (
                "it is a planned tool that is not served; mark the request unsupported"
                if name in PLANNED
                else f"catalog tools: {', '.join(CATALOG)}"
            )
            raise ValueError(f"{where} names unknown tool {name!r} ({hint})")
    return list(value)


def _files(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError('"files" must map file names to a kind (audio, video or image)')
    for name, kind in value.items():
        if kind not in FILE_KINDS:
            raise ValueError(f'"files": {name!r} has kind {kind!r}; kinds: {", ".join(FILE_KINDS)}')
        if not name or PurePosixPath(name).name != name or name.startswith("."):
            raise ValueError(f'"files": {name!r} must be a plain file name (no folders)')
        if not PurePosixPath(name).suffix:
            raise ValueError(f'"files": {name!r} needs an extension (.wav, .mp4, .png, …)')
    return {str(k): str(v) for k, v in value.items()}


def _args(value: Any, steps: int) -> list[dict[str, Any] | None]:
    if not isinstance(value, list) or not all(v is None or isinstance(v, dict) for v in value):
        raise ValueError('"args" must be a list with one object (or null) per gold step')
    if len(value) > steps:
        raise ValueError(f'"args" has {len(value)} entries for {steps} gold step(s)')
    return list(value)


def _tags(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError('"tags" must be a list of strings')
    return list(value)
