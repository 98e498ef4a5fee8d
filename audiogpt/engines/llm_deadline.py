"""One time budget per turn for the language model: every request and retry gets only what is left.

A chat model's own ``timeout`` is per request and per try, so a server that accepts a connection
and never answers held a turn for timeout × tries × steps. :class:`DeadlineChatModel` wraps the
real ``ChatOpenAI`` (it stays the engine; this only bounds it), passes each request the time left
as its ``timeout``, retries transient failures while time remains, and counts only the time spent
waiting for the model, so a long tool call does not eat the model's budget.
"""

from __future__ import annotations

import time
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

MIN_REQUEST_S = 0.05  # less time than this left is not worth a request


class LLMDeadlineExceeded(TimeoutError):
    """The language model used up the turn's time (``llm.turn_deadline_s``)."""


class DeadlineChatModel(BaseChatModel):
    """``inner`` (a chat model, or it bound to tools) under one budget per turn."""

    inner: Any
    turn_deadline_s: float = 90.0
    request_timeout_s: float = 60.0
    retries: int = 1
    # Seconds still available in this turn; shared (not copied) by the tool-bound copies of one turn.
    budget: dict[str, float] = Field(default_factory=dict)

    @property
    def _llm_type(self) -> str:
        return "deadline-bounded"

    def for_turn(self) -> DeadlineChatModel:
        """A copy with a fresh budget of ``turn_deadline_s`` (the agent calls this once per turn)."""
        return self.model_copy(update={"budget": {"left": self.turn_deadline_s}})

    def bind_tools(self, tools: Any, **kwargs: Any) -> DeadlineChatModel:
        return self.model_copy(update={"inner": self.inner.bind_tools(tools, **kwargs)})

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:  # fmt: skip
        import openai

        budget = self.budget or {"left": self.turn_deadline_s}
        transient = (openai.APIConnectionError, openai.InternalServerError, openai.RateLimitError)
        last: Exception | None = None
        for _attempt in range(self.retries + 1):
            left = budget["left"]
            if left <= MIN_REQUEST_S:
                break
            start = time.monotonic()
            try:
                message = self.inner.invoke(messages, stop=stop, timeout=min(left, self.request_timeout_s), **kwargs)
            except transient as exc:  # a timeout is an APIConnectionError too
                last = exc
            else:
                return ChatResult(generations=[ChatGeneration(message=message)])
            finally:
                budget["left"] = left - (time.monotonic() - start)
        if last is not None and budget["left"] > MIN_REQUEST_S:
            raise last  # the tries are used up, not the time: report the server's failure as it is
        raise LLMDeadlineExceeded(
            f"no answer within the turn's limit of {self.turn_deadline_s:g} s (llm.turn_deadline_s in the config)"
        ) from last
