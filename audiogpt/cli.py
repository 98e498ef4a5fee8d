"""Command line: ``audiogpt run|chat|tools|models|sessions|ui``. Heavy imports happen per command."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

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
    add("sessions", help="list the sessions in the workspace")
    ui = add("ui", help="start the web chat UI (same as python app.py)")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=7860)
    ui.add_argument("--share", action="store_true")
    return p


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


def cmd_run(args: argparse.Namespace) -> int:
    agent = _agent(args)
    resp = agent.run(args.request, files=args.file, session=args.session, speak=args.speak, voice=args.voice)
    if args.json:
        print(json.dumps(resp.to_dict(), indent=2, default=str))
    else:
        _print_response(resp)
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
    from audiogpt.tasks import CATALOG, PLANNED

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

    agent = _agent(args)
    if args.load:
        for task, why in agent.preload().items():
            print(f"warning: {task} could not be loaded: {why}", file=sys.stderr)
    status = agent.pool.status()
    if args.json:
        print(json.dumps([asdict(s) for s in status], indent=2))
        return 0
    for s in status:
        state = f"loaded on {s.device} in {s.load_s:.1f} s" if s.loaded and s.load_s is not None else "not loaded"
        print(f"{s.task:26} {s.adapter:26} {s.model:24} {state}" + (f"  ERROR {s.error}" if s.error else ""))
    return 0


def cmd_sessions(args: argparse.Namespace) -> int:
    from audiogpt.config import load_settings
    from audiogpt.session import SessionStore

    store = SessionStore(load_settings(getattr(args, "config", None)).workspace)
    for sid in store.list_sessions():
        sess = store.open(sid)
        print(f"{sid}  {len(sess.artifacts())} files  {len(sess.turns())} turns  {sess.dir}")
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    from audiogpt.ui import launch

    launch(_agent(args), host=args.host, port=args.port, share=args.share)
    return 0


COMMANDS = {"run": cmd_run, "chat": cmd_chat, "tools": cmd_tools, "models": cmd_models,
            "sessions": cmd_sessions, "ui": cmd_ui}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
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
