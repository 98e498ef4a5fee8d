"""TaskHandler (stage 3): validate arguments, resolve files in this session, run the model through
the pool under a time limit, save outputs with provenance, and turn every failure into an
observation the dialogue engine can react to."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import ValidationError

from audiogpt.config import Limits
from audiogpt.errors import UserError
from audiogpt.session import Artifact, Session
from audiogpt.tools import CATALOG, ToolSpec
from audiogpt.tools.base import ToolInput
from foundation_models.base import ModelOutput, RunContext
from foundation_models.pool import ModelPool

log = logging.getLogger(__name__)

# Model calls run here so a call can be abandoned at its time limit without blocking the turn.
_EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="audiogpt-tool")


@dataclass
class Observation:
    """The result of one tool call: ``content`` for the model, the rest for the router and UI."""

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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class TaskHandler:
    """Runs catalog tools for one session."""

    def __init__(self, session: Session, pool: ModelPool, limits: Limits) -> None:
        self.session = session
        self.pool = pool
        self.limits = limits
        self.calls: list[Observation] = []  # every call of the current turn, in order
        # (tool, done, total, what) as a long call advances (diffusion steps, tokens): CLI bar, UI, HTTP
        self.on_progress: Callable[[str, int, int, str], None] | None = None

    def available_tools(self) -> list[ToolSpec]:
        """Catalog tools that have a model configured."""
        return [spec for name, spec in CATALOG.items() if name in self.pool.tasks]

    def call(self, tool: str, args: dict[str, Any] | None) -> Observation:
        """Run ``tool``; never raises for bad input or model failure (the observation says why)."""
        args = dict(args or {})
        start = time.perf_counter()
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
            obs = self._error(tool, args, f"invalid arguments for {tool}: {_validation_summary(exc)}")
        except Exception as exc:  # a model crash must not take the session down
            log.exception("tool %s failed", tool)
            obs = self._error(tool, args, f"{tool} failed: {type(exc).__name__}: {exc}")
        obs.seconds = time.perf_counter() - start
        self.calls.append(obs)
        return obs

    def _error(self, tool: str, args: dict[str, Any], message: str) -> Observation:
        files = ", ".join(a.name for a in self.session.artifacts()) or "none"
        content = f"Error: {message}"
        if "files in this session" not in message:
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
        report = self.on_progress
        ctx = RunContext(
            max_output_s=self.limits.max_duration_s,
            on_progress=(lambda done, total, what: report(tool, done, total, what)) if report else None,
        )
        future = _EXECUTOR.submit(self._run_model, tool, inputs, ctx)
        try:
            output, model_name = future.result(timeout=self.limits.tool_timeout_s)
        except FutureTimeout:
            ctx.cancel_event.set()  # an adapter that checks ctx stops and releases its model
            raise UserError(
                f"{tool} took longer than {self.limits.tool_timeout_s:g} s and was abandoned "
                "(limits.tool_timeout_s in the config)"
            ) from None
        provenance = {
            "tool": tool,
            "arguments": validated.model_dump(),
            "parents": [p.name for p in parents],
            "model": model_name,
            "seed": output.info.get("seed"),  # generators record the seed they used, random or given
            **({"steps": output.info["steps"]} if "steps" in output.info else {}),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        ext = "." + output.audio_format
        made = [self.session.save_audio(a, provenance, ext, output.audio_subtype) for a in output.audio]
        made += [self.session.save_file("image", ".png", png, provenance) for png in output.images]
        return self._observe(spec, validated.model_dump(), output, made, [p.name for p in parents])

    def _resolve(self, name: str, kind: str) -> tuple[Artifact, Any]:
        """A file argument → (artifact, decoded audio) for audio, (artifact, path) for other kinds."""
        if kind == "audio":
            return self.session.load(name, max_duration_s=self.limits.max_duration_s)
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
        )


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _validation_summary(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "input"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
