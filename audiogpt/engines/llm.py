"""The LLM dialogue engine: any OpenAI-compatible chat server through langchain-openai.

Every request of a turn (connect, read, and the retry) draws on one budget, ``llm.turn_deadline_s``,
so a server that accepts and never answers holds a turn for that long at most, not
``timeout_s`` × tries × steps (see :mod:`audiogpt.engines.llm_deadline`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audiogpt.config import LLMSettings
from audiogpt.errors import UserError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


def make_llm(settings: LLMSettings) -> BaseChatModel:
    """A ``ChatOpenAI`` for OpenAI itself or any compatible server (Ollama, vLLM, llama.cpp),
    under the per-turn deadline."""
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    from audiogpt.engines.llm_deadline import DeadlineChatModel

    key = settings.api_key
    if key is None and settings.base_url is None:
        raise UserError(
            f"the LLM engine needs {settings.api_key_env} (or AUDIOGPT_LLM_BASE_URL for a local "
            "OpenAI-compatible server); unset AUDIOGPT_ENGINE to use the offline router"
        )
    chat = ChatOpenAI(
        model=settings.model,
        base_url=settings.base_url,
        api_key=SecretStr(key or "not-needed"),  # local servers ignore the key but the client wants one
        temperature=settings.temperature,
        timeout=settings.timeout_s,
        max_retries=0,  # retries happen in DeadlineChatModel, inside the turn's budget
    )
    return DeadlineChatModel(inner=chat, turn_deadline_s=settings.turn_deadline_s, request_timeout_s=settings.timeout_s)
