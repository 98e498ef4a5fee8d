"""The turn loop: the only place the four stages meet.

files/voice in → session (ingest) → stage 1 (speech → text) → stage 2 (engine picks tools) →
stage 3 (handler runs models) → stage 4 (response with files and pictures) → spoken reply if asked.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import threading
import uuid
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from audiogpt.config import Settings, load_settings
from audiogpt.errors import UserError
from audiogpt.events import EventCallback
from audiogpt.handler import TaskHandler
from audiogpt.modality import ModalityTransformer
from audiogpt.observation import Observation
from audiogpt.prompts import render_system_prompt
from audiogpt.response import Response, ResponseGenerator
from audiogpt.session import Session, SessionStore
from audiogpt.text import clean_text
from audiogpt.wording import humanize_names, spoken_text
from foundation_models.pool import ModelPool

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.tools import BaseTool

log = logging.getLogger(__name__)

HISTORY_TURNS = 10  # earlier turns given to the engine as context
# A recording that may be an upload is a spoken request only up to this long: a question takes
# seconds; a minute of audio sent without a word of text is material to work on.
MAX_SPOKEN_REQUEST_S = 30.0

# The handler of the turn being run: the catalog's LangChain tools (built once per agent) call it, so
# turns running at the same time (UI, HTTP) each reach their own handler.
_TURN_HANDLER: contextvars.ContextVar[TaskHandler] = contextvars.ContextVar("audiogpt_turn_handler")


class Agent:
    """An audio agent over one workspace; thread-safe, one instance serves many sessions."""

    def __init__(self, settings: Settings, store: SessionStore | None = None, pool: ModelPool | None = None,
                 engine: BaseChatModel | None = None,
                 handler_cls: type[TaskHandler] = TaskHandler) -> None:  # fmt: skip
        self.settings = settings
        self.handler_cls = handler_cls  # stage 3; the evaluation swaps in a plan-only handler
        self.store = store or SessionStore(settings.workspace)
        self.pool = pool or ModelPool(settings.models, settings.device, settings.limits.memory_budget_mb)
        self._engine = engine
        # (tool, done, total, what) while a long tool call runs; the CLI draws a bar, a UI an indicator
        self.on_progress: Callable[[str, int, int, str], None] | None = None
        # the LangChain tools per set of catalog tools: their JSON schemas cost more than the rest of
        # the agent's own work in a turn, so they are built once
        self._tool_lists: dict[tuple[str, ...], list[BaseTool]] = {}  # tool names → LangChain tools
        self._tools_lock = threading.Lock()

    @classmethod
    def from_config(cls, path: str | os.PathLike[str] | None = None, preload: bool = False, **overrides: Any) -> Agent:
        """Build from ``configs/default.yaml`` + ``path``/``AUDIOGPT_CONFIG`` + env + ``overrides``."""
        agent = cls(load_settings(path, **overrides))
        if preload:
            agent.preload()
        return agent

    def preload(self) -> dict[str, str]:
        """Load the configured resident models now; returns the ones that failed, with why."""
        return self.pool.preload(t for t in self.settings.preload if t in self.pool.tasks)

    @property
    def engine_name(self) -> str:
        return "custom" if self._engine is not None else self.settings.resolved_engine()

    @cached_property
    def engine(self) -> BaseChatModel:
        """The dialogue engine (stage 2): the configured LLM, or the embedded offline router."""
        if self._engine is not None:
            return self._engine
        if self.settings.resolved_engine() == "llm":
            from audiogpt.engines.llm import make_llm

            return make_llm(self.settings.llm)
        from audiogpt.engines.router import OfflineRouter

        return OfflineRouter(min_similarity=self.settings.router_min_similarity)

    def new_session(self) -> str:
        return self.store.create().id

    def run(self, text: str = "", files: Sequence[str | os.PathLike[str]] = (), session: str | None = None,
            speak: bool = False, voice: str | os.PathLike[str] | None = None,
            on_event: EventCallback | None = None, voice_may_be_file: bool = False) -> Response:  # fmt: skip
        """One turn: ``text`` (or a spoken ``voice`` recording) with optional ``files`` → Response.

        ``on_event(kind, data)`` hears each tool step start and finish and model progress while
        the turn runs (see :mod:`audiogpt.events`). ``voice_may_be_file``: ``voice`` may be an upload
        rather than a spoken request (the chat UI cannot tell by name); it is then kept as a file of
        the conversation when it holds no request (see :meth:`_hear`).

        Raises :class:`UserError` only for an unknown ``session`` id; every other problem comes
        back inside the Response (``error`` set) with the session and its files intact.
        """
        text = clean_text(text)  # invalid UTF-8, lone surrogates, control characters: never past here
        created = session is None
        sess = self.store.open_or_create(session)
        handler = self.handler_cls(sess, self.pool, self.settings.limits)
        handler.on_event = on_event
        handler.on_progress = self.on_progress
        builder = ResponseGenerator(sess)
        limits = self.settings.limits
        query_transcript = None
        try:
            for f in files:
                sess.ingest(f, limits.max_upload_mb, limits.max_duration_s, limits.decode(), pending=True)
            if voice is not None:
                query_transcript = self._hear(voice, on_event, voice_may_be_file)
                if query_transcript is None:  # no request in it: a file like any other upload, never lost
                    limit_mb, limit_s = limits.max_upload_mb, limits.max_duration_s
                    kept = sess.ingest(voice, limit_mb, limit_s, limits.decode(), pending=True)
                    if not text.strip():
                        raise UserError(f"I heard no spoken request in {kept.label or kept.name}, so I kept it as a "
                                        "file of this conversation; type or say what to do with it")  # fmt: skip
                text = f"{text} {query_transcript or ''}".strip()
            if not text.strip():
                raise UserError("the request is empty: type or say what you want done")
        except UserError as exc:
            failed = self._finish(sess, text, builder, handler, f"Sorry: {exc}", str(exc), query_transcript)
            return self._drop_if_empty(created, sess, failed)

        reply, error = self._converse(sess, handler, text)
        reply = humanize_names(reply, sess.artifacts())
        if speak and error is None and reply:
            ModalityTransformer(handler).to_speech(spoken_text(reply, sess.artifacts()))
        response = self._finish(sess, text, builder, handler, reply, error, query_transcript, speak=speak)
        return self._drop_if_empty(created, sess, response)

    def _drop_if_empty(self, created: bool, sess: Session, response: Response) -> Response:
        """A failed first request that left no file leaves no session behind (``session_id`` is then "")."""
        if created and response.error is not None and not sess.artifacts():
            self.store.delete(sess.id)
            response.session_id = ""
        return response

    def _hear(
        self, voice: str | os.PathLike[str], on_event: EventCallback | None, may_be_file: bool = False
    ) -> str | None:
        """The words of a spoken request, transcribed outside the conversation's session.

        The recording is a request, not material: were it a session file it would be the newest
        one, and "what sounds are in this recording?" would analyse the question itself.
        With ``may_be_file``, a recording longer than ``MAX_SPOKEN_REQUEST_S`` or with no words in it
        (Whisper behind its voice-activity filter) is no request: None, and the caller keeps it as a file.
        """
        limits = self.settings.limits
        scratch = self.store.create(title="(spoken request)")
        try:
            heard = scratch.ingest(voice, limits.max_upload_mb, limits.max_duration_s, limits.decode())
            if may_be_file and (heard.duration_s or 0.0) > MAX_SPOKEN_REQUEST_S:
                return None
            listener = self.handler_cls(scratch, self.pool, limits)
            listener.on_event = on_event
            try:
                return ModalityTransformer(listener).to_text(heard.name)
            except UserError:
                if may_be_file:
                    return None
                raise
        finally:
            self.store.delete(scratch.id)

    def _finish(self, sess: Session, text: str, builder: ResponseGenerator, handler: TaskHandler, reply: str,
                error: str | None, query_transcript: str | None, speak: bool = False) -> Response:  # fmt: skip
        calls = list(handler.calls)
        reply = clean_text(reply)  # an engine's answer can hold lone surrogates too; stdout and SQLite cannot
        response = builder.build(reply, calls, error=error)
        response.query_transcript = query_transcript
        if speak and calls and calls[-1].tool == "text_to_speech" and calls[-1].ok and response.artifacts:
            response.speech = response.artifacts[-1]
        sess.add_turn(text or "(empty)", reply, response.to_dict())
        return response

    def _converse(self, sess: Session, handler: TaskHandler, text: str) -> tuple[str, str | None]:
        """Stage 2 + 3: run the engine's tool-calling loop; returns (reply, error)."""
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        from audiogpt.tool_loop import StepLimitReached, run_tools_loop

        specs = handler.available_tools()
        history: list[Any] = [SystemMessage(render_system_prompt(specs, sess.artifacts()))]
        for user, answer in sess.turns()[-HISTORY_TURNS:]:
            history += [HumanMessage(user), AIMessage(answer)]
        token = _TURN_HANDLER.set(handler)
        try:
            engine = self.engine
            if hasattr(engine, "for_turn"):  # the LLM's time budget is per turn (llm.turn_deadline_s)
                engine = engine.for_turn()
            # the offline router takes the session's files as data, for this turn only
            files = [a.session_file() for a in sess.artifacts()]
            with engine.session(files) if hasattr(engine, "session") else contextlib.nullcontext():
                messages = run_tools_loop(engine, self._tool_list(specs), [*history, HumanMessage(text)],
                                          self.settings.limits.max_tool_calls + 2)  # fmt: skip
        except StepLimitReached as stop:
            msg = "I stopped after too many steps without finishing" + _last_tool_error(stop.messages)
            return self._partial(handler, msg), msg
        except UserError as exc:
            return f"Sorry: {exc}", str(exc)
        except Exception as exc:  # the LLM server is down, refuses the key, times out, … (logged there)
            msg = self._engine_failure(exc)
            return self._partial(handler, msg), msg
        finally:
            _TURN_HANDLER.reset(token)
        last = messages[-1]
        reply = _message_text(last).strip()
        if not reply:
            bad = getattr(last, "invalid_tool_calls", None)
            msg = "The language model returned an answer I could not use" + (
                f" (a malformed tool call: {bad[0].get('error') or bad[0].get('name')})" if bad else " (it was empty)"
            )
            return self._partial(handler, msg + ". Please try again or rephrase."), msg
        return reply, None

    def _tool_list(self, specs: list[Any]) -> list[BaseTool]:
        """The catalog tools ``specs`` as LangChain tools, built once per set (their JSON schemas cost)."""
        names = tuple(spec.name for spec in specs)
        with self._tools_lock:
            if names not in self._tool_lists:
                self._tool_lists[names] = self._tools(specs)
            return self._tool_lists[names]

    def _engine_failure(self, exc: Exception) -> str:
        """A sentence about what went wrong with the dialogue engine; the exception itself is logged under an id."""
        incident = uuid.uuid4().hex[:8]
        log.error("the %s dialogue engine failed (incident %s)", self.engine_name, incident, exc_info=exc)
        intact = "Your session and files are intact"
        if self.engine_name != "llm":
            return (f"The {self.engine_name} dialogue engine failed unexpectedly (logged as {incident}). "
                    f"{intact}; please try again or rephrase.")  # fmt: skip
        where = self.settings.llm.base_url or "api.openai.com"
        if isinstance(exc, TimeoutError) and "turn_deadline_s" in str(exc):  # our own sentence: the budget ran out
            reason = "gave " + str(exc).splitlines()[0]
        else:
            reason = llm_failure_reason(exc) or f"failed unexpectedly (logged as {incident})"
        return (f"The language model ({self.settings.llm.model} at {where}) {reason}. "
                f"{intact}; try again, or use the offline engine (AUDIOGPT_ENGINE=offline).")  # fmt: skip

    @staticmethod
    def _partial(handler: TaskHandler, message: str) -> str:
        """``message`` plus whatever the tools already produced this turn."""
        done = [f"- {o.content}" for o in handler.calls if o.ok]
        return message + ("\nDone before that:\n" + "\n".join(done) if done else "")

    @staticmethod
    def _tools(specs: list[Any]) -> list[BaseTool]:
        """The catalog tools ``specs`` as LangChain tools that call the running turn's handler.

        The JSON schema (not the pydantic class) is given so that argument errors reach our
        handler, which records them and answers with the session's file list.
        """
        from langchain_core.tools import StructuredTool

        def bind(tool_name: str) -> Any:
            def run(**kwargs: Any) -> tuple[str, dict[str, Any]]:
                obs: Observation = _TURN_HANDLER.get().call(tool_name, kwargs)
                return obs.content, obs.as_dict()

            return run

        return [
            StructuredTool(
                name=spec.name,
                description=spec.description,
                args_schema=spec.input_model.model_json_schema(),
                func=bind(spec.name),
                response_format="content_and_artifact",
            )
            for spec in specs
        ]


def _last_tool_error(messages: list[Any]) -> str:
    """``: <why the last tool step failed>.`` (e.g. an LLM calling a tool that does not exist), or ``.``."""
    for message in reversed(messages):
        if getattr(message, "type", "") == "tool":
            content = str(message.content).strip()
            if getattr(message, "status", "") == "error" or content.lower().startswith("error"):
                return ": the last step failed: " + content.removeprefix("Error: ")[:500]
            break
    return "."


def _message_text(message: Any) -> str:
    return str(getattr(message, "text", "") or "")  # langchain-core 1.x: a str-like property


def llm_failure_reason(exc: BaseException) -> str | None:
    """What an OpenAI-compatible server's failure means, in words ("could not be reached"), or None.

    Read from the exception's class name and HTTP status, so the openai and httpx classes need not
    be imported; a library's own message never reaches the user."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    if names & {"APITimeoutError", "ReadTimeout", "ConnectTimeout", "TimeoutException"} or isinstance(
        exc, TimeoutError
    ):
        return "did not answer in time"
    if names & {"APIConnectionError", "ConnectError", "ConnectionError"}:
        return "could not be reached (is the server running, and is llm.base_url right?)"
    if "AuthenticationError" in names or status in (401, 403):
        return "refused the API key (set OPENAI_API_KEY or llm.api_key)"
    if "RateLimitError" in names or status == 429:
        return "is limiting requests or has no quota left"
    if "NotFoundError" in names or status == 404:
        return "does not know that model (check llm.model)"
    if isinstance(status, int) and status >= 500:
        return "had an internal error"
    if "BadRequestError" in names or status == 400:
        return "refused the request"
    return None
