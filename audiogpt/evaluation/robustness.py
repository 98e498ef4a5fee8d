"""Robustness: scripted multi-turn sessions (YAML files in ``evals/robustness/``), pass/fail per
script with the reason. Each script runs in one fresh session of one agent; see
``evals/README.md`` for the format and the expectations a turn can state."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from audiogpt.errors import UserError
from audiogpt.evaluation.consistency import matches, says_cannot
from audiogpt.evaluation.media import MediaFactory

if TYPE_CHECKING:
    from audiogpt.agent import Agent
    from audiogpt.evaluation.harness import EvalOptions
    from audiogpt.evaluation.report import Report
    from audiogpt.response import Response
    from audiogpt.session import Session

log = logging.getLogger(__name__)

DEFAULT_SCRIPTS = Path(__file__).resolve().parents[2] / "evals" / "robustness"
PREVIOUS_FILE = "@previous"  # file_args: the newest audio file the previous turn made
PREVIOUS_TEXT = "@previous_text"  # args: the text the previous turn's last tool recognised
MEDIA_KINDS = ("audio", "video", "image", "corrupt")
EXPECT_KEYS = {"tools", "ok", "no_success", "says_cannot", "reply_contains", "reply_not_contains", "files_made",
               "file_args", "args"}  # fmt: skip
# The recognised text as the handler writes it into an observation: Text (language: en): "…"
_OBSERVED_TEXT = re.compile(r'Text(?: \(language: [^)]*\))?: "(.*)"', re.S)


@dataclass
class Turn:
    request: str
    files: dict[str, str] = field(default_factory=dict)  # name → audio | video | image | corrupt
    expect: dict[str, Any] = field(default_factory=dict)


@dataclass
class Script:
    name: str
    path: str
    description: str
    turns: list[Turn]


def load_script(path: Path) -> Script:
    """Read and check one script; raises ``ValueError`` saying what is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list) or not data["turns"]:
        raise ValueError("a script is a mapping with a non-empty list of turns")
    turns = []
    for n, raw in enumerate(data["turns"], start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("request"), str):
            raise ValueError(f"turn {n}: needs a request (string)")
        files, expect = raw.get("files") or {}, raw.get("expect") or {}
        if not isinstance(files, dict) or any(k not in MEDIA_KINDS for k in files.values()):
            raise ValueError(f"turn {n}: files map names to {', '.join(MEDIA_KINDS)}")
        if not isinstance(expect, dict) or set(expect) - EXPECT_KEYS:
            raise ValueError(f"turn {n}: expect keys are {', '.join(sorted(EXPECT_KEYS))}")
        turns.append(Turn(raw["request"], dict(files), dict(expect)))
    return Script(str(data.get("name") or path.stem), path.name, str(data.get("description", "")), turns)


def check_turn(expect: dict[str, Any], resp: Response, resolve: Callable[[Any], Any],
               previous: Response | None) -> list[str]:  # fmt: skip
    """Every expectation of one turn that ``resp`` breaks, said in a few words."""
    tools = [c.tool for c in resp.tool_calls]
    failures = []
    if "tools" in expect and tools != list(expect["tools"]):
        failures.append(f"expected tools {expect['tools']}, got {tools}")
    if "ok" in expect and resp.ok != expect["ok"]:
        failures.append(f"expected ok={expect['ok']}, got ok={resp.ok}")
    if expect.get("no_success") and any(c.ok for c in resp.tool_calls):
        failures.append(f"expected no successful tool call, got {[c.tool for c in resp.tool_calls if c.ok]}")
    if "says_cannot" in expect and says_cannot(resp.text) != expect["says_cannot"]:
        failures.append("expected the reply to say it cannot do it" if expect["says_cannot"]
                        else "the reply says it cannot do it")  # fmt: skip
    reply = resp.text.lower()
    failures += [f"reply lacks {s!r}" for s in expect.get("reply_contains", []) if s.lower() not in reply]
    failures += [f"reply contains {s!r}" for s in expect.get("reply_not_contains", []) if s.lower() in reply]
    if "files_made" in expect and len(resp.artifacts) != expect["files_made"]:
        failures.append(f"expected {expect['files_made']} new file(s), got {len(resp.artifacts)}")
    made_before = _newest_audio(previous)
    for i, want in enumerate(expect.get("file_args", [])):
        if want is None or i >= len(resp.tool_calls):
            continue
        call = resp.tool_calls[i]
        got = [resolve(v) for k, v in call.args.items() if k in ("audio", "audio_files", "video") and v]
        target = made_before if want == PREVIOUS_FILE else want
        if target not in got:
            failures.append(f"call {i + 1} ({call.tool}) used {got or 'no file'}, expected {want} ({target})")
    for i, want in enumerate(expect.get("args", [])):
        if want is None or i >= len(resp.tool_calls):
            continue
        want = {k: _previous_text(previous) if v == PREVIOUS_TEXT else v for k, v in want.items()}
        if not matches(want, resp.tool_calls[i].args):
            failures.append(f"call {i + 1} ({resp.tool_calls[i].tool}) args {resp.tool_calls[i].args}, expected {want}")
    return failures


def _newest_audio(resp: Response | None) -> str | None:
    audio = [a.name for a in (resp.artifacts if resp else []) if a.kind == "audio"]
    return audio[-1] if audio else None


def _previous_text(resp: Response | None) -> str | None:
    for call in reversed(resp.tool_calls if resp else []):
        m = _OBSERVED_TEXT.search(call.observation)
        if call.ok and m:
            return m.group(1)
    return None


def _resolver(session: Session) -> Callable[[Any], Any]:
    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return next((resolve(v) for v in value), None)
        try:
            art = session.resolve(str(value))
        except UserError:
            return str(value)
        return art.label if art.provenance.get("tool") == "upload" else art.name

    return resolve


def run_script(agent: Agent, script: Script, media: MediaFactory) -> dict[str, Any]:
    """Every turn in one session; the first turn that breaks an expectation fails the script."""
    session_id = agent.new_session()
    session = agent.store.open(session_id)
    turns: list[dict[str, Any]] = []
    previous: Response | None = None
    reason = ""
    for number, turn in enumerate(script.turns, start=1):
        try:
            paths = [media.corrupt(n) if kind == "corrupt" else media.path(n, kind) for n, kind in turn.files.items()]
            resp = agent.run(turn.request, files=paths, session=session_id)
        except Exception as exc:  # a harness or agent bug ends this script, not the suite
            log.exception("%s, turn %d", script.name, number)
            reason = reason or f"turn {number}: raised {type(exc).__name__}: {exc}"
            break
        failures = check_turn(turn.expect, resp, _resolver(session), previous)
        turns.append({"turn": number, "request": turn.request, "tools": [c.tool for c in resp.tool_calls],
                      "ok": resp.ok, "reply": resp.text, "failures": failures})  # fmt: skip
        if failures and not reason:
            reason = f"turn {number}: " + "; ".join(failures)
        previous = resp
    return {"script": script.name, "file": script.path, "description": script.description, "passed": not reason,
            "reason": reason or "all expectations met", "turns": turns}  # fmt: skip


def run_suite(options: EvalOptions, scripts: str | Path | None = None) -> Report:
    """Run every ``*.yaml`` script of the folder; a broken script file fails with its reason."""
    from audiogpt.evaluation.harness import open_agent, speaker
    from audiogpt.evaluation.plan import MODE
    from audiogpt.evaluation.report import FULL_MODE, Report, Table, agent_config, package_versions

    folder = Path(scripts).expanduser() if scripts else DEFAULT_SCRIPTS
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    if not files:
        raise UserError(f"no robustness scripts (*.yaml) in {folder}")
    results = []
    with open_agent(options) as (agent, workspace):
        media = MediaFactory(workspace / "media", None if options.plan_only else speaker(agent))
        for path in files:
            try:
                script = load_script(path)
            except (ValueError, OSError) as exc:
                results.append({"script": path.stem, "file": path.name, "passed": False,
                                "reason": f"invalid script: {exc}", "turns": []})  # fmt: skip
                continue
            results.append(run_script(agent, script, media))
        config = {**agent_config(agent, options.plan_only), "scripts": str(folder)}
    passed = sum(1 for r in results if r["passed"])
    failed = len(results) - passed
    table = Table("Robustness scripts", ["script", "result", "reason"],
                  [[r["script"], "pass" if r["passed"] else "FAIL", r["reason"]] for r in results])  # fmt: skip
    return Report(
        suite="robustness",
        mode=MODE if options.plan_only else FULL_MODE,
        config=config,
        versions=package_versions(),
        totals={"scripts": len(results), "passed": passed, "failed": failed},
        items=results,
        tables=[table, Table("Totals", ["scripts", "passed", "failed"], [[len(results), passed, failed]])],
    )
