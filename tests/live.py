"""Helpers for tests of the network front ends: a real uvicorn on 127.0.0.1 in a thread, and a
stateless scripted engine that trims the session's newest file (safe under concurrent turns)."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from tests.fakes import tool_call

_FILE = re.compile(r"audio/[0-9a-f]{8}\.[a-z0-9]+")
_SECONDS = re.compile(r"first ([0-9.]+) s")


class TrimNewestFile(BaseChatModel):
    """'keep the first X s' → ``trim_audio`` on the newest file of the session, then a reply.

    It reads everything from the conversation (no script to pop), so concurrent turns are safe.
    ``gate``, when set, is waited on before answering a request that says "wait".
    """

    gate: Any = None
    entered: Any = None
    running: int = 0
    peak: int = 0

    @property
    def _llm_type(self) -> str:
        return "trim-newest-file"

    def bind_tools(self, tools: Any, **kwargs: Any) -> TrimNewestFile:
        return self

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:  # fmt: skip
        last = messages[-1]
        if isinstance(last, ToolMessage):
            return _answer(AIMessage(f"Done. {last.content}"))
        request = str(last.content) if isinstance(last, HumanMessage) else ""
        if "wait" in request and self.gate is not None:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.entered.set()
            self.gate.wait(30)
            self.running -= 1
        system = next((str(m.content) for m in messages if isinstance(m, SystemMessage)), "")
        files = _FILE.findall(system.split("Files in this session", 1)[-1])
        seconds = _SECONDS.search(request)
        if not files or not seconds:
            return _answer(AIMessage("Please attach an audio file and say how much to keep."))
        return _answer(AIMessage("", tool_calls=[tool_call("trim_audio", audio=files[-1], end_s=float(seconds[1]))]))


def _answer(message: AIMessage) -> ChatResult:
    return ChatResult(generations=[ChatGeneration(message=message)])


@contextmanager
def live_server(app: Any, lifespan: str = "off") -> Iterator[str]:
    """Serve an ASGI ``app`` with uvicorn on a free 127.0.0.1 port; yields its base URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
