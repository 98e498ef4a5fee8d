"""TaskHandler limits: a tool call that outlives its time limit is abandoned with a clear observation."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from audiogpt.config import Limits
from audiogpt.handler import TaskHandler
from audiogpt.session import SessionStore
from foundation_models.base import FoundationModel, ModelOutput, RunContext
from foundation_models.pool import ModelPool


class StuckModel(FoundationModel):
    """A stand-in for a model that hangs (tests the time limit only; it is never a product model)."""

    task = "text_to_speech"
    default_model = "stuck"

    def _load(self) -> None:
        pass

    def run(self, inputs: Any, ctx: RunContext) -> ModelOutput:
        time.sleep(1.5)
        return ModelOutput()


def test_a_hanging_tool_is_abandoned_at_its_time_limit(_workspace: Path) -> None:
    pool = ModelPool({"text_to_speech": {"adapter": "tests.test_handler:StuckModel"}}, device="cpu")
    handler = TaskHandler(SessionStore(_workspace).create(), pool, Limits(tool_timeout_s=0.2))
    start = time.perf_counter()
    obs = handler.call("text_to_speech", {"text": "hello"})
    assert time.perf_counter() - start < 1.0
    assert not obs.ok and "took longer than 0.2 s and was abandoned" in obs.content
    assert "tool_timeout_s" in obs.content
