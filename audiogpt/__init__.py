"""AudioGPT: an audio agent that understands and makes speech, sound and music.

    from audiogpt import Agent
    response = Agent.from_config().run("transcribe this", files=["talk.wav"])

Imports are lazy so that ``import audiogpt`` and ``audiogpt --help`` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Agent", "Response", "UserError", "load_settings"]

if TYPE_CHECKING:
    from audiogpt.agent import Agent
    from audiogpt.config import load_settings
    from audiogpt.errors import UserError
    from audiogpt.response import Response


def __getattr__(name: str) -> Any:
    if name == "Agent":
        from audiogpt.agent import Agent

        return Agent
    if name == "Response":
        from audiogpt.response import Response

        return Response
    if name == "UserError":
        from audiogpt.errors import UserError

        return UserError
    if name == "load_settings":
        from audiogpt.config import load_settings

        return load_settings
    raise AttributeError(name)
