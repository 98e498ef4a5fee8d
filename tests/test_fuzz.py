"""A fast subset of the hostile-input fuzzing (``bench/fuzz.py`` runs ≥ 1,000 cases): generated
uploads, tool arguments, LLM answers and requests through the real agent; none may end in a bad
class (traceback, raw library error, hang, crash, data loss, cross-session read)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests import fuzzing

SUBSET = {"arguments": 30, "engine": 10, "files": 20, "requests": 4}  # seconds, not minutes
HANG_S = 60.0


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> fuzzing.World:
    return fuzzing.World(Path(tmp_path_factory.mktemp("fuzz")))


@pytest.mark.parametrize("family", list(SUBSET))
def test_no_hostile_case_ends_badly(world: fuzzing.World, family: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL)
    results = [fuzzing.run_case(world, family, case, fn, HANG_S)
               for case, fn in fuzzing.cases(world, family, SUBSET[family], seed=7)]  # fmt: skip
    counts = fuzzing.summarize(results)
    bad = [f"{r.case}: {r.outcome}: {r.detail}" for r in results if r.outcome in fuzzing.BAD]
    assert not bad, "\n".join(bad)
    assert sum(counts.values()) == SUBSET[family]
    if family != "requests":  # the router reads text into valid calls, so its cases mostly succeed
        assert counts["clean error"] > 0  # the cases are hostile: most must be refused, with a sentence


def test_the_classifier_catches_what_it_must(world: fuzzing.World) -> None:
    """The fuzz can fail: raw library text, server paths and another session's files are caught."""
    assert fuzzing.classify(world, False, ["Error opening 'x.wav': Format not recognised."], [])[0] == (
        "raw library error"
    )
    assert fuzzing.classify(world, False, [f"failed in {world.root}/ws/sessions"], [])[0] == "raw library error"
    assert fuzzing.classify(world, False, ["ValueError: embedded null character"], [])[0] == "raw library error"
    leak = f"I don't have x.wav; this session has: {world.victim_name} ({fuzzing.SECRET_LABEL})"
    assert fuzzing.classify(world, False, [leak], [])[0] == "cross-session read"
    assert fuzzing.classify(world, True, ["ok"], [world.victim_name])[0] == "cross-session read"
    echo = f"I don't have {fuzzing.SECRET_LABEL}; this session has: audio/00000000.wav (voice.wav)"
    assert fuzzing.classify(world, False, [echo], [])[0] == "clean error"  # asking for it is only echoed
    hung = fuzzing.run_case(world, "x", "sleepy", lambda: __import__("time").sleep(5) or ("success", ""), 0.2)
    assert hung.outcome == "hang"
    boom = fuzzing.run_case(world, "x", "boom", lambda: 1 / 0, 5)  # type: ignore[arg-type, return-value]
    assert boom.outcome == "traceback"
