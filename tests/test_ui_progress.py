"""The chat UI shows a generation's progress while it runs: the pending step reads "generating: diffusion
step 12/100" (with "diffusion step 12/100" beside its title) and the count rises until the answer comes.
Driven through the UI's own ``respond`` generator with a tiny random-weight Stable Audio checkpoint."""

from __future__ import annotations

import re
from typing import Any

import pytest

from audiogpt import ui
from audiogpt.agent import Agent
from tests import tiny_generators as tiny
from tests.test_ui import fn

pytestmark = pytest.mark.slow
SHOWN = re.compile(r"^generating: diffusion step (\d+)/100 [█░]{20} \d+ %$")


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    return tiny.stable_audio_agent(tmp_path_factory.mktemp("ui-progress"))


def shown_steps(updates: list[tuple[Any, ...]]) -> list[int]:
    """The step counts a pending generation message showed, update by update."""
    counts = []
    for update in updates:
        last = update[0][-1]
        meta = last.get("metadata") or {}
        match = SHOWN.match(str(last["content"])) if meta.get("status") == "pending" else None
        if match:
            assert meta["log"] == f"diffusion step {match.group(1)}/100" and meta["title"] == "Text to audio"
            counts.append(int(match.group(1)))
    return counts


def run_turn(agent: Agent) -> list[tuple[Any, ...]]:
    respond = fn(ui.build(agent), "respond")
    return list(respond({"text": "make a dog barking for 0.5 seconds, seed 7", "files": []}, False, [], None, None))


def test_every_step_shows_while_the_generation_runs(agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui, "PROGRESS_UPDATE_S", 0.0)  # draw every step
    updates = run_turn(agent)
    counts = shown_steps(updates)
    assert counts == list(range(1, 101))  # one update per diffusion step, rising, before the answer
    first = next(i for i, u in enumerate(updates) if shown_steps([u]))
    assert all(not shown_steps([u]) for u in updates[first + len(counts) :])  # then no more progress
    history = updates[-1][0]
    step = next(m for m in history if m.get("metadata"))
    assert step["metadata"]["status"] == "done" and "text_to_audio succeeded" in step["content"]
    assert any(str(m["content"]).startswith("I generated “a dog barking”") for m in history)
    progress_only = [u for u in updates if shown_steps([u])]
    assert all(u[5] is not None and u[5].get("__type__") == "update" for u in progress_only)  # panel skipped


def test_progress_redraws_are_throttled_but_the_last_step_shows(agent: Agent) -> None:
    counts = shown_steps(run_turn(agent))
    assert counts and counts[-1] == 100 and counts == sorted(counts)
    assert len(counts) < 100  # a tiny model makes 100 steps far faster than five redraws a second
