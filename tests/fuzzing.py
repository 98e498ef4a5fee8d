"""Hostile-input fuzzing shared by ``tests/test_fuzz.py`` (a fast subset) and ``bench/fuzz.py`` (≥ 1,000 cases).

Four families of generated cases, each run against the real agent, handler, session store and
editing/model adapters:

- **files** — uploads: random bytes under audio/video/image names, valid audio with odd channel
  counts, rates, lengths and sample values (NaN, inf, 1e30), truncated files, lying headers,
  FLAC bombs, odd file names, directories and FIFOs; each accepted file is then converted.
- **requests** — text through the offline router: paths outside the session, another session's
  file, absurd numbers (NaN, ±1e9, negative durations), control characters, surrogates, huge text.
- **arguments** — tool calls straight to the handler with mutated arguments (wrong types, huge or
  non-finite numbers, nested junk, unknown keys, paths, another session's file names).
- **engine** — what an LLM might answer: unknown tools, garbage arguments, many calls at once,
  surrogates and huge text in its reply.

Each case ends in one outcome class; the last six are failures:
``clean error``, ``success``, ``traceback``, ``raw library error``, ``hang``, ``crash``,
``data loss``, ``cross-session read``.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from audiogpt.agent import Agent
from audiogpt.config import Limits, load_settings
from audiogpt.handler import TaskHandler

OUTCOMES = ("clean error", "success", "traceback", "raw library error", "hang", "crash", "data loss",
            "cross-session read")  # fmt: skip
BAD = OUTCOMES[2:]
FAMILIES = ("files", "requests", "arguments", "engine")
ROTATE_EVERY = 25  # cases per fuzz session
SECRET_LABEL = "victim-secret.wav"  # the other session's upload; its name must never reach this session
RAW = re.compile(
    r"Traceback|\b\w+(?:Error|Exception|Exceeded)\b: |Input should|Error opening|Format not recognised|site-packages"
    r"|embedded null|\[Errno|Value error,|<_io\.|0x[0-9a-f]{6,}|pydantic|libsndfile|sf_open|ffmpeg error",
    re.I,
)


@dataclass
class Result:
    family: str
    case: str
    outcome: str
    detail: str = ""
    seconds: float = 0.0


class ScriptedEngine(BaseChatModel):
    """An LLM stand-in that answers with ``steps`` in order (callables see the messages), then "Done."."""

    steps: list[Any] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "fuzz-scripted"

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedEngine:
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:  # fmt: skip
        step = self.steps.pop(0) if self.steps else AIMessage("Done.")
        message = step(messages) if callable(step) else step
        return ChatResult(generations=[ChatGeneration(message=message)])


class World:
    """A workspace with a fuzz session (two files) and a victim session (one secret file)."""

    def __init__(self, root: Path, tool_timeout_s: float = 20.0) -> None:
        self.root = root
        limits = {"tool_timeout_s": tool_timeout_s, "max_decoded_mb": 64, "max_duration_s": 120}
        known = set(Limits.__dataclass_fields__)  # older checkouts lack some limits (to fuzz them for comparison)
        limits = {k: v for k, v in limits.items() if k in known}
        self.settings = load_settings(workspace=str(root / "ws"), engine="offline", limits=limits)
        self.agent = Agent(self.settings)
        self.sources = root / "sources"
        self.sources.mkdir(parents=True, exist_ok=True)
        self.victim = self.agent.store.create()
        self.victim_name = self.victim.ingest(self._wav(SECRET_LABEL, 0.5, 16000), 200, 1800).name
        self.session = self.agent.store.create()
        self.names = [self.session.ingest(self._wav("voice.wav", 1.0, 16000), 200, 1800).name,
                      self.session.ingest(self._wav("music.wav", 0.5, 44100, 2), 200, 1800).name]  # fmt: skip
        self.snapshot: dict[Path, str] = {}
        self.take_snapshot()

    def warm(self) -> None:
        """Load the router and the common models first, so the first cases are not timed with loading."""
        warm = self.agent.store.create()
        name = warm.ingest(self.sources / "voice.wav", 200, 1800).name
        for text in (f"transcribe {name}", f"add reverb to {name}", "say 'ready'"):
            self.agent.run(text, session=warm.id)

    def _wav(self, label: str, seconds: float, rate: int, channels: int = 1) -> Path:
        t = np.arange(int(seconds * rate)) / rate
        x = 0.2 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
        path = self.sources / label
        sf.write(path, np.repeat(x[:, None], channels, axis=1).astype(np.float32), rate)
        return path

    def rotate(self) -> None:
        """Go on in a new session with the two standard files."""
        self.session = self.agent.store.create()
        self.names = [self.session.ingest(self.sources / label, 200, 1800).name for label in ("voice.wav", "music.wav")]
        self.take_snapshot()

    def take_snapshot(self) -> None:
        self.snapshot = {}
        for sess in (self.session, self.victim):
            for art in sess.artifacts():
                self.snapshot[art.path] = _digest(art.path)
        for src in self.sources.iterdir():
            if src.is_file():
                self.snapshot[src] = _digest(src)

    def lost(self) -> str | None:
        """A file of either session (or a source file) that is gone or changed, if any."""
        for path, digest in self.snapshot.items():
            if not path.exists() or _digest(path) != digest:
                return str(path)
        return None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- classification --------------------------------------------------------------------------------
def classify(world: World, ok: bool, messages: list[str], inputs: list[str]) -> tuple[str, str]:
    """Outcome of a finished case from what the user (or engine) was shown and what tools read."""
    lost = world.lost()
    if lost:
        return "data loss", lost
    foreign = {world.victim_name, SECRET_LABEL}
    for text in messages:  # the other session's files must never be listed here (asking for them is echoed)
        for listing in re.findall(r"(?:this session has:|files in this session:)([^\n]*)", text):
            if any(name in listing for name in foreign):
                return "cross-session read", text[:300]
    own = {a.name for a in world.session.artifacts()}
    if any(name in foreign or name not in own for name in inputs):
        return "cross-session read", ", ".join(inputs)
    root = str(world.root)
    for text in messages:
        if RAW.search(text) or root in text:
            return "raw library error", text[:300]
    shown = next((m for m in messages if m), "")
    return ("success", "") if ok else ("clean error", shown[:300])


def response_outcome(world: World, resp: Any) -> tuple[str, str]:
    """Classify an agent turn; the files its tools read are the parents recorded in the outputs' provenance."""
    messages = [resp.text or "", resp.error or ""] + [c.observation for c in resp.tool_calls]
    made = [world.session.resolve(name) for c in resp.tool_calls if c.ok for name in c.files]
    inputs = [parent for art in made for parent in art.provenance.get("parents", [])]
    return classify(world, resp.ok, messages, inputs)


# ---- running -----------------------------------------------------------------------------------------
def run_case(world: World, family: str, case: str, fn: Callable[[], tuple[str, str]], hang_s: float) -> Result:
    """Run one case in a thread so a hang is recorded (and the thread abandoned) instead of blocking."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["out"] = fn()
        except BaseException as exc:  # anything escaping the agent is a traceback for the user
            box["exc"] = exc

    start = time.perf_counter()
    thread = threading.Thread(target=target, daemon=True, name=f"fuzz-{case}")
    thread.start()
    thread.join(hang_s)
    seconds = time.perf_counter() - start
    if thread.is_alive():
        return Result(family, case, "hang", f"still running after {hang_s:g} s: {getattr(fn, 'what', '')}", seconds)
    if "exc" in box:
        exc = box["exc"]
        return Result(family, case, "traceback", f"{type(exc).__name__}: {str(exc)[:200]}", seconds)
    outcome, detail = box["out"]
    if outcome == "data loss":
        world.take_snapshot()  # report once, then go on from the new state
    return Result(family, case, outcome, detail, seconds)


def cases(world: World, family: str, count: int, seed: int) -> Iterator[tuple[str, Callable[[], tuple[str, str]]]]:
    """``count`` generated cases of ``family`` (deterministic for a seed)."""
    from tests import fuzz_cases

    rng = random.Random(f"{family}-{seed}")
    make: Callable[[World, random.Random, int], Callable[[], tuple[str, str]]]
    make = {"files": fuzz_cases.file_case, "requests": fuzz_cases.request_case,
            "arguments": fuzz_cases.argument_case, "engine": fuzz_cases.engine_case}[family]  # fmt: skip
    for i in range(count):
        if i and i % ROTATE_EVERY == 0:  # successful calls add files; keep the session (and prompt) small
            world.rotate()
        yield f"{family}-{seed}-{i}", make(world, rng, i)


def summarize(results: list[Result]) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOMES, 0)
    for r in results:
        counts[r.outcome] += 1
    return counts


def handler_outcome(world: World, handler: TaskHandler, tool: str, args: Any) -> tuple[str, str]:
    obs = handler.call(tool, args)
    return classify(world, obs.ok, [obs.content, obs.error or ""], obs.inputs if obs.ok else [])
