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

import contextlib
import contextvars
import dataclasses
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

from audiogpt.engines import router_args as ra
from audiogpt.engines import router_binding as rb
from audiogpt.engines import router_files as rf
from audiogpt.engines import router_replies as rr
from audiogpt.engines import router_spelling
from audiogpt.engines.router_index import ExampleIndex, load_index
from audiogpt.engines.router_knowledge import routing_examples
from audiogpt.engines.router_step import Step
from audiogpt.slots import odd_number
from audiogpt.tools import CATALOG, PLANNED

log = logging.getLogger(__name__)

# where a long step may hold a clause of context: after , ; : and before but / because / since / though
_CLAUSE_RE = re.compile(r"(?<=[,;:])\s+|\s+(?=(?:but|because|cause|since|though|although)\b)", re.IGNORECASE)
_MIN_WORDS_TO_SPLIT = 8
# where one piece may join asks for two tools: "and", "+", "&", "plus", "as well as", ", also", ", separately"
# (not a bare comma: "mono, 44.1 kHz, mp3" is one step's list)
_CONJUNCTION_RE = re.compile(
    r",?\s+(?:and|plus|&|\+|as well as)\s+(?:(?:also|separately|then)\b,?\s*)?"
    r"|,\s*(?:also|separately)\b,?\s*|(?<=[a-z])\s*\+\s*(?=[a-z])",
    re.IGNORECASE,
)
SURE_SCORE = 0.8  # a part of a joined piece becomes its own step only when its tool scores this high alone
CONTEXT_MARGIN = 0.1  # how much better than "context" a piece that does not ask must read as a task
_NOT_ASKS = ("unclear", "context", "help", "thanks")
# what no tool does and nothing after it needs (who speaks, the mood, the weather): the steps after it
# still run. A planned tool ("clone my voice and say hello") makes what the steps after it use: the plan stops.
_REFUSALS = ("other_task", "off_topic")
_URL_RE = re.compile(r"\bhttps?://|\bwww\.\w", re.I)
_TURN_FILES: contextvars.ContextVar[tuple[ra.SessionFile, ...]] = contextvars.ContextVar("audiogpt_files", default=())
_INDEXES: dict[str, ExampleIndex] = {}
_LOCK = threading.Lock()


def _groups(examples: dict[str, Any]) -> dict[str, list[str]]:
    """The example requests per label: tool names, "help", "thanks" and "unsupported:<name>"."""
    groups: dict[str, list[str]] = dict(examples.get("tools", {}))
    groups["help"] = examples.get("help", [])
    groups["thanks"] = examples.get("thanks", [])
    groups["context"] = examples.get("context", [])
    for name, texts in examples.get("unsupported", {}).items():
        groups[f"unsupported:{name}"] = texts
    return groups


def _index(name: str = "router_examples.yaml") -> ExampleIndex:
    """The example index (cached on disk by ``router_index``) with the keyword cues
    (label, pattern, bonus, quoted)."""
    if name not in _INDEXES:
        examples = routing_examples()
        index = load_index(_groups(examples))  # outside the lock: a first build encodes
        index.cues = [
            (c["label"], re.compile(c["pattern"], re.I), float(c["bonus"]), bool(c.get("quoted")))
            for c in examples.get("cues", [])
        ]
        with _LOCK:
            _INDEXES.setdefault(name, index)
    return _INDEXES[name]


# the agent binds the same tool objects every turn: each is converted once (the conversion
# dereferences and deep-copies its JSON schema: ~0.2 ms a tool, ~10 ms a turn for the catalog).
_CONVERTED: dict[int, tuple[Any, dict[str, Any]]] = {}  # id(tool) → (tool, its OpenAI schema), read-only
_CONVERTED_MAX = 1024


def _openai_tool(tool: Any) -> dict[str, Any]:
    if not isinstance(tool, BaseTool):
        return convert_to_openai_tool(tool)
    hit = _CONVERTED.get(id(tool))
    if hit is None or hit[0] is not tool:
        if len(_CONVERTED) >= _CONVERTED_MAX:  # tools made per agent: keep the memory bounded
            _CONVERTED.clear()
        hit = _CONVERTED[id(tool)] = (tool, convert_to_openai_tool(tool))
    return hit[1]


class OfflineRouter(BaseChatModel):
    """A chat model that plans tool calls with sentence embeddings and text rules (no LLM)."""

    min_similarity: float = 0.42
    tools: list[dict[str, Any]] = Field(default_factory=list)
    files: list[Any] = Field(default_factory=list)  # the session's files (SessionFile), bound per turn

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
        return self.model_copy(update={"tools": [_openai_tool(t) for t in tools]})

    def for_session(self, files: Sequence[ra.SessionFile]) -> OfflineRouter:
        """A copy of the router that knows the session's files (oldest first) as data."""
        return self.model_copy(update={"files": list(files)})

    @contextlib.contextmanager
    def session(self, files: Sequence[ra.SessionFile]) -> Iterator[None]:
        """The session's files (oldest first) as data for the turn run inside, in this context only, so
        one router serves concurrent turns of different sessions."""
        token = _TURN_FILES.set(tuple(files))
        try:
            yield
        finally:
            _TURN_FILES.reset(token)

    def session_files(self) -> list[ra.SessionFile]:
        """The files bound with :meth:`for_session`, else those of the turn running (:meth:`session`)."""
        return list(self.files) if self.files else list(_TURN_FILES.get())

    # ---- routing -----------------------------------------------------------------------------
    @property
    def _schemas(self) -> dict[str, dict[str, Any]]:
        return {t["function"]["name"]: t["function"] for t in self.tools}

    def route(self, text: str, context: bool = True) -> tuple[str, dict[str, float]]:
        """The best label for one step and every label's score (classifier + similarity + cues).

        A step whose closest example is less similar than ``min_similarity``, and that no keyword
        cue points to, is "unclear". With ``context=False`` the step cannot be mere context.
        """
        masked, quotes = ra.mask_quotes(text)
        masked = rb.neutral_names(masked)
        query = ra._TOKEN_RE.sub('"something"', masked)
        index = _index()
        scores, nearest = index.scores(query)
        cued = False
        for label, rx, bonus, quoted in index.cues:
            if label in scores and rx.search(masked) and (quotes or not quoted):
                scores[label] += bonus
                cued = cued or bonus > 0
        named = re.match(r"\s*([a-z_]+)\b", masked)
        if named and named.group(1) in self._schemas:  # developer style: "trim_audio start_s=1"
            scores[named.group(1)] += 1.0
        elif named and f"unsupported:{named.group(1)}" in scores:  # "text_to_music prompt=…": a planned tool
            scores[f"unsupported:{named.group(1)}"] += 1.0
        best = max(scores, key=lambda k: scores[k])
        if best == "context" and (not context or ra.asks(text)):  # a sentence that asks is never mere context
            best = max((k for k in scores if k != "context"), key=lambda k: scores[k])
        if best != "context" and nearest < self.min_similarity and not cued:  # no example is close, no cue speaks
            return "unclear", scores
        return best, scores

    def _ask_of(self, text: str) -> str:
        """The step without its clauses of context: "my grandma sent me a voice note, but the fan is so
        loud I can't hear her" → "but the fan is so loud I can't hear her". A clause is left out only
        when it routes to "context" itself; a step whose clauses are all context (or none) is kept whole."""
        masked, quotes = ra.mask_quotes(text)
        parts = [p for p in _CLAUSE_RE.split(masked) if p.strip(" ,;:.!?")]
        if len(parts) < 2 or len(masked.split()) < _MIN_WORDS_TO_SPLIT:
            return text
        kept = [p for p in parts if self.route(ra.unmask(p, quotes))[0] != "context"]
        if not kept or len(kept) == len(parts):
            return text
        return ra.unmask(" ".join(p.strip() for p in kept), quotes).strip(" ,;:")

    def _asks_only(self, pieces: list[str]) -> list[str]:
        """The pieces of a message that asks, without the sentences that only tell ("She gets frustrated
        otherwise"). A statement beside an ask that itself reads as a task is its subject and is read
        with it ("my game needs a coin pickup sound, make four versions"). Unchanged when no ask routes."""
        kept: list[str] = []
        for i, piece in enumerate(pieces):
            if ra.is_statement(piece):
                continue
            if not ra.asks(piece):  # a terse step ("speed 1.1x"), kept unless it reads about as well as context
                if not self._mostly_context(piece):
                    kept.append(piece)
                continue
            beside = pieces[max(0, i - 1) : i + 2]
            kept.append(", ".join(p for p in beside if p == piece or (ra.is_statement(p) and self._strength(p))))
        return kept if any(self.route(self._ask_of(p))[0] not in _NOT_ASKS for p in kept) else pieces

    def _conjoined(self, piece: str) -> list[str]:
        """A piece that joins asks for different tools with "and", "+", "plus" or ", also" ("what's the BPM, and
        can you also list the sounds?", "stems + bpm") as one piece per ask; each part must name its tool surely
        on its own and the tools must differ, so "mix a.wav and b.wav" or "add echo and distortion" stay one."""
        masked, quotes = ra.mask_quotes(piece)
        parts = [p for p in _CONJUNCTION_RE.split(masked) if p and p.strip(" ,;:.!?")]
        if len(parts) < 2 or len(parts) > ra.MAX_STEPS:
            return [piece]
        routed = [self.route(self._ask_of(ra.unmask(p, quotes))) for p in parts]
        labels = [label for label, _ in routed]
        sure = all(label in self._schemas and scores[label] >= SURE_SCORE for label, scores in routed)
        if not sure or len(set(labels)) < 2:
            return [piece]
        return [ra.unmask(p, quotes).strip(" ,;:") for p in parts]

    def _mostly_context(self, text: str) -> bool:
        """A piece that does not ask and reads as context about as well as it reads as a task ("Honestly
        audio stuff confuses me"): beside a piece that asks, it is left out."""
        label, scores = self.route(self._ask_of(text))
        return label in _NOT_ASKS or scores[label] - scores.get("context", 0.0) < CONTEXT_MARGIN

    def _strength(self, text: str) -> float:
        """How surely a text names one task: its best label's score (0 when that is no task)."""
        label, scores = self.route(self._ask_of(text))
        return 0.0 if label in _NOT_ASKS else scores[label]

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
        request = router_spelling.correct(request)  # "denosie pls" → "denoise pls", quotes and names kept
        pieces = ra.split_steps(request)
        pieces = [kept for kept in map(ra.without_dismissal, pieces) if kept] or pieces  # "no X needed, just …"
        if len(pieces) > 1 and any(ra.asks(p) for p in pieces):  # "I teach drama. … Could you clean it up?"
            pieces = self._asks_only(pieces)
        pieces = [part for piece in pieces for part in self._conjoined(piece)]
        steps, aside = self._steps(pieces, files, context=True)
        if not steps and any(s.kind == "context" for s in aside):  # nothing but context: read it as the task
            steps, aside = self._steps(pieces, files, context=False)  # ("my uncle's toast is lost in the clatter")
        if not steps:  # only greetings or thanks, or nothing a tool does
            greeting = next((s for s in aside if s.kind in ("help", "thanks")), None)
            return [greeting or Step(request, "unclear", closest=aside[0].closest if aside else [])]
        extractor = next((t for t in rb.with_trait("video_to_audio") if t in self._schemas), None)
        if extractor and steps:
            extract = rb.video_first(steps[0], files)
            if extract is not None and rb.edits_video(steps[0]):
                return [Step(steps[0].text, "other_task", "video_editing", closest=steps[0].closest)]
            if extract is not None:  # a later piece that only names the video ("video is b.mp4") adds nothing
                first = self._plan_step(extract, files, label=extractor)
                same = (None, first.explicit_file)
                steps = [first, *(s for s in steps if s.tool != extractor or s.explicit_file not in same)]
        converter = next((t for t in rb.with_trait("format_converter") if t in self._schemas), None)
        if converter and rb.converts_after(steps, converter):  # "rip the audio of clip.mp4 as mp3"
            steps.insert(1, self._plan_step(steps[0].text, files, label=converter))
        return rb.bind(steps, files, list(results), self._arguments, said)

    def _steps(self, pieces: list[str], files: list[ra.SessionFile], context: bool) -> tuple[list[Step], list[Step]]:
        """The steps of the pieces up to the first that cannot run, and the pieces left aside: context
        ("I run a podcast"), and greetings or thanks beside an ask."""
        steps: list[Step] = []
        aside: list[Step] = []
        refusals: list[Step] = []
        planned = (self._plan_step(text, files, context=context) for text in pieces)
        for step in (each for one in planned for each in self._per_file(one, files)):
            text = step.text
            # beside other pieces, a greeting, thanks, or a fragment nothing reads ("Hi team!" → "team") is aside
            if step.kind == "context" or (step.kind in ("help", "thanks", "unclear") and len(pieces) > 1):
                aside.append(step)
                continue
            prev = steps[-1] if steps else None
            spec = CATALOG.get(prev.tool or "") if prev else None
            if prev and spec and spec.continues and re.fullmatch(spec.continues, text, re.I):  # "say 'hi', speed 0.8"
                steps[-1] = self._plan_step(f"{prev.text}, {text}", files, label=prev.tool)
                continue
            if prev and prev.kind == step.kind == "tool" and _part_of_scene(prev, step):  # "… and a sad sax under it"
                steps[-1] = self._plan_step(f"{prev.text}, {step.text}", files, label=prev.tool)
                continue
            if prev and prev.kind == step.kind == "tool" and prev.tool == step.tool:
                if rb.has_trait(step.tool, "merge_steps") and (
                    step.explicit_file in (None, prev.explicit_file) or prev.explicit_file is None
                ):  # "Chorus() then Reverb(), input pad.wav": one chain, on the file named once
                    steps[-1] = self._plan_step(f"{prev.text}, {step.text}", files, label=prev.tool)
                    continue
                if _repeats(prev, step, files):  # "remove the noise and make it clearer", "the gunshots, the times?"
                    if _only_names_task(prev, step):  # the piece before only told the task (and what it said)
                        file = step.explicit_file or prev.explicit_file
                        steps[-1] = dataclasses.replace(step, explicit_file=file, args={**prev.args, **step.args})
                    elif _only_names_task(step, prev):  # "… 75% speed. The old one is too fast for me"
                        prev.explicit_file = prev.explicit_file or step.explicit_file
                    elif not step.args.keys() <= prev.args.keys():  # the one step reads what both pieces say
                        steps[-1] = self._plan_step(f"{prev.text}, {step.text}", files, label=prev.tool)
                    else:  # the file the ask names ("… the key of each one, a.wav and b.wav": one step per file)
                        prev.explicit_file = prev.explicit_file or step.explicit_file
                    continue
            if step.kind in _REFUSALS:  # an analysis no tool does is said at the end; the other steps still run
                refusals.append(step)
                if _URL_RE.search(text):  # what comes after works on audio behind a link, which no tool fetches
                    break
                continue
            steps.append(step)
            if step.kind not in ("tool", "no_text"):  # no_text may still take the text of an earlier step
                break
        whole = [r for r in refusals if r.tool in rr.whole_request_tasks()]
        if whole and not any(s.explicit_file for s in steps):  # "listen to my mic and tell me when …"
            return whole[:1], aside
        return steps + refusals[:1], aside

    def _plan_step(
        self, text: str, files: list[ra.SessionFile], label: str | None = None, context: bool = True
    ) -> Step:
        scores: dict[str, float] = {}
        if label is None:  # routed without its clauses of context; arguments and files are read from all of it
            label, scores = self.route(self._ask_of(text) if context else text, context)
        closest = self._closest(scores)
        if label in ("help", "thanks", "context", "unclear"):
            return Step(text, label, closest=closest)
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
        spec = CATALOG.get(label)
        if spec is not None and spec.refuse is not None and (why := spec.refuse(text)):
            return Step(text, "refused", label, problem=why, closest=closest)
        odd = odd_number(rb.neutral_names(ra.mask_quotes(text)[0]))
        if odd is not None:
            return Step(text, "bad_args", label, problem=f"“{odd}” is not a number I can use", closest=closest)
        step.args = self._arguments(label, text, None)
        words = spec.slot_field("words_to_speak") if spec is not None else None
        if words in props and words not in step.args:
            step.kind = "no_text"
        if file_field and not step.file_list:
            step.explicit_file = ra.explicit_file(text, files, step.file_kind)
        return step

    def _per_file(self, step: Step, files: list[ra.SessionFile]) -> list[Step]:
        """A one-file task asked of several named files ("transcribe a.wav and b.wav", "trim the first 2 s
        off take1.wav and take2.wav", "convert all to mp3: x.wav, y.wav") as one step per file. Each step
        reads its arguments from the words before the first name plus its own file's part ("make kick.wav
        3 dB louder and snare.wav 3 dB quieter"), or from the whole text when its part says less. Likewise
        several quoted lines asked as several recordings ("three TTS clips: 'Left', 'Right', 'Center'")
        are one speaking step each."""
        if step.kind == "tool" and step.tool in CATALOG and (words := CATALOG[step.tool].slot_field("words_to_speak")):
            masked, quotes = ra.mask_quotes(step.text)
            if 1 < len(quotes) <= ra.MAX_STEPS and _EACH_QUOTE_RE.search(masked):  # "three clips: 'Left', 'Right', …"
                return [dataclasses.replace(step, args={**step.args, words: q}) for q in quotes]
        if step.kind != "tool" or not step.file_field or step.file_list or not step.tool:
            return [step]
        named = ra.named_files(step.text, files, step.file_kind)
        if len(named) < 2 or len(named) > ra.MAX_STEPS:
            return [step]
        lead = step.text[: named[0][1]]
        out: list[Step] = []
        for i, (name, start) in enumerate(named):
            end = named[i + 1][1] if i + 1 < len(named) else len(step.text)
            text = f"{lead}{step.text[start:end]}".strip(" ,;")
            args = self._arguments(step.tool, text, None)
            if not args.keys() >= step.args.keys():
                args = dict(step.args)
            out.append(dataclasses.replace(step, text=text, args=args, explicit_file=name))
        return out

    def _arguments(self, tool: str, text: str, duration: float | None) -> dict[str, Any]:
        """Arguments read from the step's text (no file arguments), as read: never clamped or defaulted, so
        a value out of range is refused by the input model with a sentence instead of silently changed."""
        props = self._schemas.get(tool, {}).get("parameters", {}).get("properties", {})
        masked, _ = ra.mask_quotes(text)
        slots = CATALOG[tool].slots if tool in CATALOG else {}
        found: dict[str, Any] = {f: ra.SLOT_READERS[kind](text, masked) for f, kind in slots.items() if f in props}
        source = text if rb.has_trait(tool, "reads_quotes") else masked  # a transcript, a sound to find
        found.update(rb.tool_arguments(tool, rb.neutral_names(source), duration))
        found.update(rb.given_values(rb.neutral_names(masked), props))
        return {k: _tidy(v) for k, v in found.items() if v is not None and (k in props or k[0] == "_")}

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
        last_human = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
        request = messages[last_human].text if last_human >= 0 else ""
        earlier = [str(m.text) for m in messages[: max(last_human, 0)] if isinstance(m, HumanMessage)]
        request = router_spelling.correct(request)  # "do the smae to the first file"
        request = ra.same_again(
            request, earlier, lambda text: self.plan(text, [])[0].kind in ("tool", "no_file", "missing_file")
        )
        turn = list(messages[last_human + 1 :])
        calls: dict[str | None, Any] = {c["id"]: c for m in turn if isinstance(m, AIMessage) for c in m.tool_calls}
        results = [rr.ToolResult.from_message(m, calls.get(m.tool_call_id)) for m in turn if isinstance(m, ToolMessage)]
        answers = [m.text for m in messages[: max(last_human, 0)] if isinstance(m, AIMessage) and m.text]
        quoted = re.findall(r"“([^”]+)”", answers[-1]) if answers else []
        steps = self.plan(request, self.session_files(), results, quoted[-1] if quoted else None)
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


def _tidy(value: Any) -> Any:
    """Floating-point noise of the readers' arithmetic removed (7.300000000000001 → 7.3); never a clamp."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    return value


# several quoted lines asked as several recordings, not one: "three clips", "each one", "separate files"
_EACH_QUOTE_RE = re.compile(
    r"\b(?:each|every|separate\w*|one by one|clips|files|recordings|versions|lines)\b|\b(?:two|three|four|[2-4])\s+\w+",
    re.I,
)
_SEPARATE_RE = re.compile(r"\b(?:separate(?:ly)?|on its own|its own file|another file|two files|as well)\b", re.I)


def _part_of_scene(prev: Step, step: Step) -> bool:
    """A generation step split from a whole-scene step before it ("a narrator says 'hi' over rain, and a sad
    saxophone") that asks for no file of its own: one of the scene's parts."""
    spec = CATALOG.get(step.tool or "")
    return (
        rb.has_trait(prev.tool, "whole_scene")
        and spec is not None
        and spec.category == "generation"
        and not _SEPARATE_RE.search(step.text)
    )


def _repeats(prev: Step, step: Step, files: list[ra.SessionFile]) -> bool:
    """A step that only repeats the previous one on the same file: split from a bare "and", or an ask beside
    the statement that already named the task ("our app should flag smoke alarms. when does it go off?").
    Their arguments agree, and one says all the other does; "one at 1.5x, one at 0.5x" are two steps. A
    statement that only names the task ("our smart doorbell should flag breaking glass") beside the ask
    for it is a repeat whatever its words read as arguments. Descriptions agree when most words of the
    shorter are in the longer ("the whole class laughs" / "everyone laugh"). A step on several files
    repeats the one before when its piece names no file ("a1.wav + a2.wav. stick them together")."""
    if step.file_list:
        return not any(rf.named_files(step.text, files, kind) for kind in ("audio", "video"))
    if step.explicit_file and prev.explicit_file and step.explicit_file != prev.explicit_file:
        return False
    if ra.asks(step.text) != ra.asks(prev.text) or ra.is_statement(step.text) != ra.is_statement(prev.text):
        return True
    mine, theirs = step.args.keys(), prev.args.keys()
    spoken = CATALOG[step.tool].slot_field("words_to_speak") if step.tool in CATALOG else None
    agree = all(
        step.args[k] == prev.args[k] or (k != spoken and _same_value(step.args[k], prev.args[k])) for k in mine & theirs
    )
    return agree and (mine <= theirs or theirs <= mine)


def _only_names_task(told: Step, asked: Step) -> bool:
    """Of two pieces for one task, ``told`` only tells it beside ``asked``, which orders it: a statement
    beside a sentence that is none, or a piece that does not ask beside one that asks and says as much."""
    if ra.is_statement(told.text) and not ra.is_statement(asked.text):
        return True
    return ra.asks(asked.text) and not ra.asks(told.text) and told.args.keys() <= asked.args.keys()


_WORD_RE = re.compile(r"[a-z]{3,}")


def _same_value(a: Any, b: Any) -> bool:
    """Whether two descriptions (text of two words or more: a prompt, a target sound) say the same: most
    words of the shorter (by their first five letters) are in the longer. Words to be spoken are not
    descriptions (two sentences to say are two steps)."""
    if not isinstance(a, str) or not isinstance(b, str) or min(len(a.split()), len(b.split())) < 2:
        return False
    short, long = sorted(({w[:5] for w in _WORD_RE.findall(x.lower())} - _FILLER for x in (a, b)), key=len)
    return bool(short) and len(short & long) >= len(short) / 2


_FILLER = {"the", "and", "for", "with", "some", "that", "this", "them", "like", "want", "need", "would", "could"}
