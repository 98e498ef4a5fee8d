"""Command line: ``audiogpt run|chat|tools|models|sessions|ui|eval|doctor``. Heavy imports happen per command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from audiogpt.agent import Agent
    from audiogpt.response import Response


def _parser() -> argparse.ArgumentParser:
    # Global options are accepted before or after the command (`audiogpt run … --config x.yaml`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help="YAML merged over configs/default.yaml")
    common.add_argument("--engine", choices=["auto", "llm", "offline"], default=argparse.SUPPRESS,
                        help="dialogue engine (default: auto = LLM when a key or base URL is set)")  # fmt: skip
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log what happens")
    p = argparse.ArgumentParser(
        prog="audiogpt", parents=[common], description="An audio agent: transcribe, speak, detect, clean audio."
    )
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help)

    run = add("run", help="one request; prints the reply and the files made")
    run.add_argument("request", nargs="?", default="", help='e.g. "transcribe this"')
    run.add_argument("--file", "-f", action="append", default=[], help="a file to give the agent (repeatable)")
    run.add_argument("--session", "-s", help="continue this session (its id)")
    run.add_argument("--voice", help="a recording of the spoken request (instead of, or after, the text)")
    run.add_argument("--speak", action="store_true", help="also speak the reply (text_to_speech)")
    run.add_argument("--json", action="store_true", help="print the whole Response as JSON")

    chat = add("chat", help="multi-turn conversation in the terminal")
    chat.add_argument("--session", "-s", help="continue this session")

    tools = add("tools", help="list the tool catalog")
    tools.add_argument("--json", action="store_true")
    models = add("models", help="model pool status")
    models.add_argument("--load", action="store_true", help="load the preload set first")
    models.add_argument("--json", action="store_true")
    pull = models.add_subparsers(dest="models_command", metavar="{pull}").add_parser(
        "pull", parents=[common], help="download the configured checkpoints (huggingface_hub; HF_TOKEN honoured)"
    )
    pull.add_argument("tasks", nargs="*", help="tasks whose models to fetch, e.g. text_to_audio")
    pull.add_argument("--all", action="store_true", help="every configured hub model")
    pull.add_argument("--profile", help="a shipped config to read the models from, e.g. gpu (= --config gpu.yaml)")
    sessions = add("sessions", help="list the sessions in the workspace; 'sessions delete ID…' removes some")
    sessions.add_argument("action", nargs="?", choices=["list", "delete"], default="list")
    sessions.add_argument("ids", nargs="*", metavar="ID", help="with delete: the sessions to remove")
    doctor = add("doctor", help="check the machine and every configured model: versions, GPU, device, time")
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    doctor.add_argument("--task", action="append", metavar="T", help="check only this task (repeatable)")
    ui = add("ui", help="start the web chat UI (same as python app.py)")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=7860)
    ui.add_argument("--share", action="store_true")
    ui.add_argument("--auth", metavar="USER:PASSWORD", help="ask for this user and password (for shared servers)")
    serve = add("serve", help="start the HTTP API (FastAPI; docs at /docs)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--max-concurrent", type=int, default=2, help="turns run at once (each may load models)")
    serve.add_argument("--max-queue", type=int, default=32, help="turns that may wait; more get 503")
    mcp = add("mcp", help="start the MCP server (stdio; --http for streamable HTTP at /mcp)")
    mcp.add_argument("--http", action="store_true", help="serve streamable HTTP instead of stdio")
    mcp.add_argument("--host", default="127.0.0.1")
    mcp.add_argument("--port", type=int, default=8001)
    mcp.add_argument("--allow-dir", action="append", default=[], metavar="DIR",
                     help="with --http: a folder whose files calls may name by path (repeatable)")  # fmt: skip
    _add_eval(add("eval", help="evaluate: consistency (tool choice), capability (model quality), robustness"), common)
    return p


def _add_eval(ev: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    suites = ev.add_subparsers(dest="suite", required=True, metavar="{consistency,capability,robustness}")
    out = argparse.ArgumentParser(add_help=False)
    out.add_argument("--json", action="store_true", help="print the whole report as JSON")
    out.add_argument("--report", metavar="PATH", help="also write the report: .md (Markdown) or .json")
    out.add_argument("--workspace", metavar="DIR", help="keep the evaluation's sessions here (default: a temp dir)")
    plan = argparse.ArgumentParser(add_help=False)
    plan.add_argument("--plan-only", action="store_true",
                      help="record tool calls, run no model (placeholder outputs; evaluation only)")  # fmt: skip
    parents = [common, out]
    cons = suites.add_parser("consistency", parents=[*parents, plan], help="does the engine pick the right tools?")
    cons.add_argument("--requests", required=True, metavar="FILE", help="JSONL request file (docs/evaluation.md)")
    cons.add_argument("--limit", type=int, metavar="N", help="only the first N requests (after --tag)")
    cons.add_argument("--tag", action="append", metavar="T", help="only requests with this tag (repeatable)")
    cap = suites.add_parser("capability", parents=parents, help="how good are the tools' outputs on labelled data?")
    cap.add_argument("--data", metavar="DIR", help="labelled recordings (default: ../shared/data when present)")
    cap.add_argument("--tools", metavar="A,B", help="only these tools (comma-separated)")
    rob = suites.add_parser("robustness", parents=[*parents, plan], help="scripted multi-turn sessions")
    rob.add_argument("--scripts", metavar="DIR", help="folder of YAML scripts (default: evals/robustness)")


def _agent(args: argparse.Namespace) -> Agent:
    from audiogpt.agent import Agent

    engine = getattr(args, "engine", None)
    return Agent.from_config(getattr(args, "config", None), **({"engine": engine} if engine else {}))


def _print_response(resp: Response) -> None:
    if resp.query_transcript:
        print(f"(heard: {resp.query_transcript})")
    print(resp.text)
    if resp.artifacts:
        print("\nFiles:")
        for a in resp.artifacts:
            facts = f"{a.duration_s:.2f} s, {a.sample_rate} Hz" if a.duration_s is not None else a.kind
            print(f"  {a.name}  ({facts})  {a.path}")
            for pic in a.plots:
                print(f"      picture: {pic}")
    for call in resp.tool_calls:
        for pic in call.plots:
            print(f"  timeline ({call.tool}): {pic}")


def _progress_bar(tool: str, done: int, total: int, what: str) -> None:
    """A one-line progress bar on a terminal's stderr for long tool calls (diffusion steps, tokens)."""
    width = 30
    filled = width * done // max(total, 1)
    end = "\n" if done >= total else ""
    print(
        f"\r{tool}: [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {what}s",
        end=end,
        file=sys.stderr,
        flush=True,
    )


def cmd_run(args: argparse.Namespace) -> int:
    from audiogpt.text import clean_text

    request = clean_text(args.request)  # argv may hold invalid UTF-8 (surrogate-escaped) or control bytes
    if not request.strip() and not args.voice:
        print('audiogpt: the request is empty; e.g. audiogpt run "transcribe this" --file clip.wav', file=sys.stderr)
        return 2
    agent = _agent(args)
    if sys.stderr.isatty() and not args.json:
        agent.on_progress = _progress_bar
    resp = agent.run(request, files=args.file, session=args.session, speak=args.speak, voice=args.voice)
    if args.json:
        print(json.dumps(resp.to_dict(), indent=2, default=str))
    else:
        _print_response(resp)
        if resp.session_id:  # a failed first request keeps no session
            print(f"\nsession: {resp.session_id}  (continue with --session {resp.session_id})", file=sys.stderr)
    return 0 if resp.ok else 1


def cmd_chat(args: argparse.Namespace) -> int:
    agent = _agent(args)
    failed = agent.preload()
    for task, why in failed.items():
        print(f"warning: {task} could not be loaded: {why}", file=sys.stderr)
    session = args.session or agent.new_session()
    print(f"AudioGPT chat (session {session}, engine {agent.engine_name}). "
          "Attach files with '/file PATH', quit with '/quit'.")  # fmt: skip
    pending: list[str] = []
    while True:
        try:
            line = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if line in ("/quit", "/exit"):
            return 0
        if line.startswith("/file "):
            pending.append(line[6:].strip())
            print(f"  attached {pending[-1]} (sent with your next message)")
            continue
        if not line:
            continue
        resp = agent.run(line, files=pending, session=session)
        pending = []
        _print_response(resp)


def cmd_tools(args: argparse.Namespace) -> int:
    from audiogpt.tools import CATALOG, PLANNED

    if args.json:
        out = [
            {"name": s.name, "description": s.description, "category": s.category, "output": s.output,
             "input_schema": s.input_model.model_json_schema()}
            for s in CATALOG.values()
        ]  # fmt: skip
        print(json.dumps(out, indent=2))
        return 0
    for spec in CATALOG.values():
        fields = ", ".join(spec.input_model.model_fields)
        print(f"{spec.name}({fields}) -> {spec.output}\n    {spec.description}")
    print("\nPlanned (not available yet): " + ", ".join(PLANNED))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from audiogpt import models_cli
    from audiogpt.config import load_settings

    if getattr(args, "models_command", None) == "pull":
        profile = f"{args.profile}.yaml" if args.profile else getattr(args, "config", None)
        for line in models_cli.pull_tasks(load_settings(profile), args.tasks, args.all):
            print(line)
        return 0
    agent = _agent(args)
    if args.load:
        for task, why in agent.preload().items():
            print(f"warning: {task} could not be loaded: {why}", file=sys.stderr)
    status = agent.pool.status()
    weights = {w.task: w for w in models_cli.task_weights(agent.settings)}
    if args.json:
        print(json.dumps([asdict(s) | {"weights": asdict(weights[s.task])} for s in status], indent=2))
        return 0
    for s in status:
        state = f"loaded on {s.device} in {s.load_s:.1f} s" if s.loaded and s.load_s is not None else "not loaded"
        line = f"{s.task:26} {s.adapter:26} {s.model:24} {state}  [{weights[s.task].describe()}]"
        print(line + (f"  ERROR {s.error}" if s.error else ""))
        if s.loaded and s.device_note:
            print(f"{'':26} {s.device_note}" + (f"  [{s.device_error}]" if s.device_error else ""))
    return 0


def cmd_sessions(args: argparse.Namespace) -> int:
    import time

    from audiogpt.config import load_settings
    from audiogpt.errors import UserError
    from audiogpt.session import SessionStore

    store = SessionStore(load_settings(getattr(args, "config", None)).workspace)
    if args.action == "delete":
        if not args.ids:
            raise UserError("say which sessions to delete: audiogpt sessions delete ID [ID …]")
        for sid in args.ids:
            store.delete(sid)
            print(f"deleted session {sid}")
        return 0
    if args.ids:
        raise UserError("'audiogpt sessions' lists every session; to remove some: audiogpt sessions delete ID")
    for sid in store.list_sessions():
        info = store.info(sid)
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info["created"]))
        title = (info["title"] or "(no request yet)").replace("\n", " ")
        title = title if len(title) <= 60 else title[:59] + "…"
        print(f"{sid}  {when}  {info['turns']:3d} turns {info['files']:3d} files  {title}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from audiogpt.doctor import run_doctor

    return run_doctor(getattr(args, "config", None), as_json=args.json, tasks=args.task)


def cmd_ui(args: argparse.Namespace) -> int:
    from audiogpt.errors import UserError
    from audiogpt.frontend import check_port_free
    from audiogpt.ui import launch

    auth = None
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not sep or not user or not password:
            raise UserError("--auth takes USER:PASSWORD, both non-empty")
        auth = (user, password)
    check_port_free(args.host, args.port)  # one line, before any model loads
    launch(_agent(args), host=args.host, port=args.port, share=args.share, auth=auth)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from audiogpt.frontend import check_port_free
    from audiogpt.server import serve

    check_port_free(args.host, args.port)  # one line, before any model loads
    agent = _agent(args)
    print(f"AudioGPT HTTP API on http://{args.host}:{args.port} (docs: /docs) · engine {agent.engine_name} · "
          f"workspace {agent.settings.workspace}", file=sys.stderr)  # fmt: skip
    serve(agent, args.host, args.port, args.max_concurrent, args.max_queue)
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    from pathlib import Path

    from audiogpt import mcp_server

    if not args.http:
        mcp_server.run_stdio(_agent(args))  # stdout carries the protocol: nothing else is printed
        return 0
    from audiogpt.frontend import check_port_free

    check_port_free(args.host, args.port)
    agent = _agent(args)
    print(f"AudioGPT MCP server on http://{args.host}:{args.port}/mcp · engine {agent.engine_name}", file=sys.stderr)
    mcp_server.run_http(agent, args.host, args.port, [Path(d) for d in args.allow_dir])
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from audiogpt.errors import UserError
    from audiogpt.evaluation import harness

    if args.report and not args.report.lower().endswith((".md", ".json")):
        raise UserError(f"--report {args.report}: give a .md (Markdown) or .json file name")
    options = harness.EvalOptions(getattr(args, "config", None), getattr(args, "engine", None),
                                  getattr(args, "plan_only", False), args.workspace)  # fmt: skip
    if args.suite == "consistency":
        report = harness.consistency(options, args.requests, args.limit, args.tag, _progress(args.json))
    elif args.suite == "capability":
        from audiogpt.evaluation import capability

        tools = [t.strip() for t in args.tools.split(",") if t.strip()] if args.tools else None
        report = capability.run_suite(options, args.data, tools)
    else:
        from audiogpt.evaluation import robustness

        report = robustness.run_suite(options, args.scripts)
    if args.report:
        print(f"report written to {report.write(args.report)}", file=sys.stderr)
    print(json.dumps(report.to_dict(), indent=2, default=str) if args.json else report.text())
    return 0


def _progress(quiet: bool) -> Callable[[Any], None] | None:
    """One line per scored request on a terminal's stderr."""
    if quiet or not sys.stderr.isatty():
        return None
    count = [0]

    def show(item: Any) -> None:
        count[0] += 1
        mark = "ok " if item.exact else "   "
        print(f"\r{count[0]:4d} {mark}{item.id[:60]:60}", end="", file=sys.stderr, flush=True)

    return show


COMMANDS = {"run": cmd_run, "chat": cmd_chat, "tools": cmd_tools, "models": cmd_models,
            "sessions": cmd_sessions, "ui": cmd_ui, "eval": cmd_eval, "serve": cmd_serve,
            "mcp": cmd_mcp, "doctor": cmd_doctor}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not getattr(args, "verbose", False):
        # Model loading bars ("Loading weights …") are noise on a user's stderr; read at import time
        # by huggingface_hub and transformers, so set before any model library is imported.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING, format="%(levelname)s %(message)s"
    )
    from audiogpt.errors import UserError

    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        print(f"audiogpt: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
