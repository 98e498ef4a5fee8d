"""The live events of one turn, shared by the HTTP stream, the chat UI and the CLI.

``Agent.run(..., on_event=callback)`` calls ``callback(kind, data)`` while the turn runs:

- ``step``: a tool call started (``phase: "started"``, ``tool``, ``args``, ``index``) or finished
  (``phase: "finished"`` plus ``ok``, ``result`` — the observation text — ``files`` and ``seconds``);
- ``progress``: a model reported progress (``tool``, ``done``, ``total``, ``what``).

A callback that raises never costs the user the turn: the error is logged and the turn goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

EventCallback = Callable[[str, dict[str, Any]], None]
"""``callback(kind, data)`` with ``kind`` one of ``step`` and ``progress``."""


def emit(callback: EventCallback | None, kind: str, data: dict[str, Any]) -> None:
    """Send one event to ``callback`` if there is one; a failing listener is logged, never raised."""
    if callback is None:
        return
    try:
        callback(kind, data)
    except Exception:  # a broken stream or UI must not stop the models
        log.exception("a turn event listener failed on %s", kind)
