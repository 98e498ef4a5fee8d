"""TaskHandler (stage 3): validate arguments, resolve files in this session, run the model through
the pool under a time limit, save outputs with provenance, and turn every failure into an
observation the dialogue engine can react to."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from pydantic import ValidationError

from audiogpt.config import Limits
from audiogpt.errors import UserError
from audiogpt.events import EventCallback, emit
from audiogpt.observation import Observation
from audiogpt.session import Artifact, Session
from audiogpt.text import clean_text
from audiogpt.tool_errors import explain_validation, unexpected_failure
from audiogpt.tools import CATALOG, ToolSpec
from audiogpt.tools.base import ToolInput
from foundation_models.base import ModelOutput, RunContext
from foundation_models.pool import ModelPool

log = logging.getLogger(__name__)
PROGRESS_LOG_S = 2.0  # at most one progress line per call every 2 s in the log

# Model calls run here so a call can be abandoned at its time limit without blocking the turn.
_EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="audiogpt-tool")


class TaskHandler:
    """Runs catalog tools for one session."""

    on_event: EventCallback | None = None  # live step/progress events of the turn (audiogpt.events)

    def __init__(self, session: Session, pool: ModelPool, limits: Limits) -> None:
        self.session = session
        self.pool = pool
        self.limits = limits
        self.calls: list[Observation] = []  # every call of the current turn, in order
        # (tool, done, total, unit) while a long call runs, e.g. sentences of text_to_speech; a front end sets it
        self.on_progress: Callable[[str, int, int, str], None] | None = None

    def available_tools(self) -> list[ToolSpec]:
        """Catalog tools that have a model configured."""
        return [spec for name, spec in CATALOG.items() if name in self.pool.tasks]

    def call(self, tool: str, args: dict[str, Any] | None) -> Observation:
        """Run ``tool``; never raises for bad input or model failure (the observation says why)."""
        args = _clean_strings(dict(args or {}))  # an engine's answer is text from outside, like a request
        start = time.perf_counter()
        emit(self.on_event, "step", {"phase": "started", "tool": tool, "args": args, "index": len(self.calls)})
        try:
            if len(self.calls) >= self.limits.max_tool_calls:
                raise UserError(
                    f"the limit of {self.limits.max_tool_calls} tool calls in one turn is reached; "
                    "answer with what you have"
                )
            obs = self._call(tool, args)
        except UserError as exc:
            obs = self._error(tool, args, str(exc))
        except ValidationError as exc:
            obs = self._error(tool, args, explain_validation(tool, CATALOG[tool].input_model, exc))
        except Exception as exc:  # a model crash must not take the session down; the log gets the details
            obs = self._error(tool, args, unexpected_failure(tool, exc))
        obs.seconds = time.perf_counter() - start
        self.calls.append(obs)
        emit(self.on_event, "step", {"phase": "finished", "tool": tool, "args": args, "index": len(self.calls) - 1,
                                     "ok": obs.ok, "result": obs.content, "files": obs.files,
                                     "seconds": round(obs.seconds, 3)})  # fmt: skip
        return obs

    def _error(self, tool: str, args: dict[str, Any], message: str) -> Observation:
        files = ", ".join(a.name for a in self.session.artifacts()) or "none"
        content = f"Error: {message}"
        if "files in this session" not in message and "this session has:" not in message:
            content += f" (files in this session: {files})"
        return Observation(tool, args, ok=False, content=content, error=message)

    def _call(self, tool: str, args: dict[str, Any]) -> Observation:
        spec = CATALOG.get(tool)
        if spec is None or tool not in self.pool.tasks:
            names = ", ".join(s.name for s in self.available_tools())
            raise UserError(f"{tool!r} is not an available tool; available tools: {names}")
        validated = spec.input_model.model_validate(args)
        resolved: dict[str, Any] = {}
        parents: list[Artifact] = []
        for name, kind in spec.file_kinds().items():
            value = getattr(validated, name)
            if isinstance(value, list):
                loaded = [self._resolve(v, kind) for v in value]
                parents += [art for art, _ in loaded]
                resolved[name] = [data for _, data in loaded]
            else:
                art, resolved[name] = self._resolve(value, kind)
                parents.append(art)
        inputs = validated.model_copy(update=resolved)  # file names → Audio (or a path for videos)
        ctx = RunContext(max_output_s=self.limits.max_duration_s, decode_limits=self.limits.decode(),
                         on_progress=self._progress_of(tool))  # fmt: skip
        future = _EXECUTOR.submit(self._run_model, tool, inputs, ctx)
        try:
            output, model_name = future.result(timeout=self.limits.timeout_for(tool))
        except FutureTimeout:
            ctx.cancel_event.set()  # an adapter that checks ctx stops and releases its model
            future.add_done_callback(lambda _f: log.info("%s stopped after its time limit; its model is free", tool))
            raise UserError(
                f"{tool} took longer than {self.limits.timeout_for(tool):g} s and was stopped "
                "(limits.tool_timeout_s, or limits.tool_timeouts_s for one tool, in the config)"
            ) from None
        if any(a.frames == 0 for a in output.audio):  # an empty file is no answer (and cannot be played or drawn)
            raise UserError(f"{tool} produced no audio from this input; check its length and the arguments")
        provenance = {
            "tool": tool,
            "arguments": validated.model_dump(),
            "parents": [p.name for p in parents],
            "model": model_name,
            "seed": _seed(validated, output),
            **({"steps": output.info["steps"]} if "steps" in output.info else {}),
            **({"ranking": output.info["ranking"]} if "ranking" in output.info else {}),  # several candidates
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        ext = "." + output.audio_format
        each = output.info.get("candidates") or []  # which version each file is, and its score
        made = [
            self.session.save_audio(a, {**provenance, **({"candidate": each[i]} if i < len(each) else {})}, ext,
                                    output.audio_subtype)
            for i, a in enumerate(output.audio)
        ]  # fmt: skip
        made += [self.session.save_file("image", ".png", png, provenance) for png in output.images]
        return self._observe(spec, validated.model_dump(), output, made, [p.name for p in parents])

    def _progress_of(self, tool: str) -> Callable[[int, int, str], None]:
        """Where an adapter's progress goes: ``progress`` events of the turn, ``self.on_progress`` and the log."""

        last = [0.0]

        def report(done: int, total: int, what: str) -> None:
            if done >= total or time.monotonic() - last[0] >= PROGRESS_LOG_S:
                last[0] = time.monotonic()
                log.info("%s: %d of %d %s", tool, done, total, what)
            if self.on_progress is not None:
                self.on_progress(tool, done, total, what)
            emit(self.on_event, "progress", {"tool": tool, "done": done, "total": total, "what": what})

        return report

    def _resolve(self, name: str, kind: str) -> tuple[Artifact, Any]:
        """A file argument → (artifact, decoded audio) for audio, (artifact, path) for other kinds."""
        if kind == "audio":
            return self.session.load(name, max_duration_s=self.limits.max_duration_s, limits=self.limits.decode())
        art = self.session.resolve(name)
        if art.kind != kind:
            raise UserError(f"{art.name} is {_a(art.kind)} file, not {_a(kind)} file")
        return art, art.path

    def _run_model(self, tool: str, inputs: ToolInput, ctx: RunContext) -> tuple[ModelOutput, str]:
        with self.pool.use(tool) as model:
            return model.run(inputs, ctx), model.describe()

    def _observe(
        self, spec: ToolSpec, args: dict[str, Any], out: ModelOutput, made: list[Artifact], inputs: list[str]
    ) -> Observation:
        parts = [f"{spec.name} succeeded."]
        for art in made:
            if art.kind == "audio":
                ch = "mono" if art.channels == 1 else f"{art.channels} ch"
                parts.append(f"New file: {art.name} ({art.duration_s:.2f} s, {art.sample_rate} Hz, {ch}).")
            else:
                parts.append(f"New {art.kind}: {art.name}.")
        parts += out.notes
        if spec.output == "text" or out.text:
            language = out.info.get("language")
            lang = f" (language: {language})" if language else ""
            parts.append(f'Text{lang}: "{out.text}"' if out.text.strip() else "No speech was recognised.")
        if out.labels:
            parts.append("Top sounds: " + ", ".join(f"{lbl} ({score:.2f})" for lbl, score in out.labels) + ".")
        if spec.output == "events":
            if out.events:
                spans = "; ".join(f"{e.label} {e.start_s:.2f}–{e.end_s:.2f} s" for e in out.events[:40])
                more = f" (+{len(out.events) - 40} more)" if len(out.events) > 40 else ""
                parts.append(f"Events: {spans}{more}.")
            else:
                parts.append("No events were found.")
        return Observation(
            tool=spec.name,
            args=args,
            ok=True,
            content=" ".join(parts),
            files=[a.name for a in made],
            inputs=inputs,
            text=out.text if (spec.output == "text" or out.text) else None,
            events=[{"label": e.label, "start_s": e.start_s, "end_s": e.end_s, "score": e.score} for e in out.events],
            labels=[(str(lbl), float(s)) for lbl, s in out.labels],
            duration_s=next((a.duration_s for a in made if a.kind == "audio"), None),
            info=_plain(out.info),
            notes=list(out.notes),
            facts={
                a.name: {"duration_s": a.duration_s, "sample_rate": a.sample_rate, "channels": a.channels}
                for a in made
                if a.kind == "audio"
            },
        )


def _plain(info: dict[str, Any]) -> dict[str, Any]:
    """The JSON-safe part of an adapter's ``info`` (numbers, strings, lists, dicts of them)."""
    safe = {}
    for key, value in info.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        safe[str(key)] = value
    return safe


def _seed(validated: ToolInput, output: ModelOutput) -> int | None:
    """The random seed a generative tool used: the one asked for, else the one the adapter reports."""
    asked = getattr(validated, "seed", None)
    used = output.info.get("seed", asked)
    return int(used) if isinstance(used, (int, float)) and not isinstance(used, bool) else None


def _clean_strings(value: Any) -> Any:
    """Every string inside ``value`` as valid UTF-8 without control characters."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): _clean_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_strings(v) for v in value]
    return value


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word
