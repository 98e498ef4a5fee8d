"""The chat history that ``/respond`` returns, accepted back as is (issue 12).

A ``gradio_client`` user gets the history with every file replaced by a path on *their* machine
(the client downloads each file); sending that back made Gradio's own ``Chatbot.preprocess`` fail
("FileData() argument after ** must be a mapping") before the handler ran. The history here is
display only: the conversation the engine sees is the server's session (its id is server state),
so a history from a client is never trusted for files:

- a history equal to the one the server returned last (same roles, texts and step titles) is
  replaced by the server's own copy, players and pictures intact;
- any other history is kept as sent, except that a file the client names by a plain path (which
  no server could read safely) becomes its name in brackets. Files the client sends as Gradio
  file data are checked by Gradio (uploaded or in its cache) before they get here.
"""

from __future__ import annotations

import inspect
from pathlib import PurePath
from typing import Any


def _unusable_file(content: dict[str, Any]) -> bool:
    """A component whose value is not Gradio file data (a client-side path, or a list of them)."""
    value = content.get("value")
    values = value if isinstance(value, list) else [value]
    return any(v is not None and not (isinstance(v, dict) and "path" in v) for v in values)


def _as_text(content: dict[str, Any]) -> dict[str, Any]:
    value = content.get("value")
    first = value[0] if isinstance(value, list) and value else value
    name = (content.get("constructor_args") or {}).get("label") or PurePath(str(first or "file")).name
    return {"type": "text", "text": f"({name})"}


def accept_returned_history(chat: Any) -> Any:
    """``chat`` (a ``gr.Chatbot``) taking the history it returned, as a ``gradio_client`` gives it back:
    its input is the messages as they came, with no file in them decoded (so a client's copy of a
    file cannot fail it, and earlier files are not decoded again each turn); ``continued`` decides
    what is kept. Set on the instance: a subclass of a Gradio component writes a ``.pyi`` file
    beside its module when it is defined."""

    def preprocess(payload: Any) -> list[dict[str, Any]]:
        return [] if payload is None else [message.model_dump() for message in payload.root]

    chat.preprocess = preprocess
    return chat


def _text(content: Any) -> str | None:
    if isinstance(content, str):
        return inspect.cleandoc(content)  # as the chatbot shows it
    if isinstance(content, dict) and content.get("type") == "text":
        return inspect.cleandoc(str(content.get("text", "")))
    return None


def signature(history: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What identifies a history whatever form its files took: each message's role, texts and step title."""
    out = []
    for message in history:
        content = message.get("content")
        items = content if isinstance(content, list) else [content]
        title = (message.get("metadata") or {}).get("title")
        out.append((message.get("role"), tuple(_text(c) for c in items), title))
    return out


def continued(sent: list[dict[str, Any]] | None, kept: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The history a turn continues: the server's own when the client sent back what it returned, else
    the client's (see the module's docstring)."""
    sent, kept = list(sent or []), list(kept or [])
    if kept and signature(sent) == signature(kept):
        return kept
    return [_safe(message) for message in sent]


def _safe(message: dict[str, Any]) -> dict[str, Any]:
    """A client's message with each file it names by a plain path replaced by the file's name."""
    content = message.get("content")
    if not isinstance(content, list):
        return message
    fixed = [_as_text(c) if isinstance(c, dict) and c.get("type") == "component" and _unusable_file(c) else c
             for c in content]  # fmt: skip
    return {**message, "content": fixed}
