"""The LLM dialogue engine: any OpenAI-compatible chat server through langchain-openai."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audiogpt.config import LLMSettings
from audiogpt.errors import UserError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


def make_llm(settings: LLMSettings) -> BaseChatModel:
    """A ``ChatOpenAI`` for OpenAI itself or any compatible server (Ollama, vLLM, llama.cpp)."""
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    key = settings.api_key
    if key is None and settings.base_url is None:
        raise UserError(
            f"the LLM engine needs {settings.api_key_env} (or AUDIOGPT_LLM_BASE_URL for a local "
            "OpenAI-compatible server); unset AUDIOGPT_ENGINE to use the offline router"
        )
    return ChatOpenAI(
        model=settings.model,
        base_url=settings.base_url,
        api_key=SecretStr(key or "not-needed"),  # local servers ignore the key but the client wants one
        temperature=settings.temperature,
        timeout=settings.timeout_s,
        max_retries=1,
    )
