"""The agent's own work per turn, cached where it is safe: the tools' JSON schemas are built once per
agent, yet each turn's tool calls still reach that turn's own session
(also when turns run at the same time), and the engine still sees the session's files in its system
prompt. The waveform picture is drawn from vectorised envelopes with the same pixels as before."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audiogpt.agent import Agent
from audiogpt.audio import Audio
from tests import tiny_generators as tiny

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    return tiny.stable_audio_agent(tmp_path_factory.mktemp("overhead"))


def test_the_tools_are_built_once_and_each_turn_reaches_its_own_session(
    agent: Agent, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Any] = []
    real = Agent._tools

    def counting(specs: list[Any]) -> Any:
        built.append([spec.name for spec in specs])
        return real(specs)

    monkeypatch.setattr(Agent, "_tools", staticmethod(counting))
    agent._tool_lists.clear()
    first = agent.run("make rain on a tin roof for 0.25 seconds, 4 steps, seed 1")
    second = agent.run("make a dog barking for 0.25 seconds, 4 steps, seed 2")
    assert first.ok and second.ok and first.session_id != second.session_id
    assert len(built) == 1  # the LangChain tools (and their JSON schemas) are built once
    for resp in (first, second):
        session = agent.store.open(resp.session_id)
        assert [a.name for a in session.artifacts()] == [a.name for a in resp.artifacts]
    # a later turn in the same session: its prompt lists the file the first turn made
    seen: list[str] = []
    engine = agent.engine
    original = type(engine).invoke

    def spy(self: Any, messages: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(messages[0].content))
        return original(self, messages, *args, **kwargs)

    monkeypatch.setattr(type(engine), "invoke", spy)
    third = agent.run("make thunder for 0.25 seconds, 4 steps, seed 3", session=first.session_id)
    assert third.ok and seen and first.artifacts[0].name in seen[0]


def test_turns_at_the_same_time_keep_their_files_apart(agent: Agent) -> None:
    results: dict[int, Any] = {}

    def turn(i: int) -> None:
        results[i] = agent.run(f"make waves on a beach for 0.25 seconds, 4 steps, seed {i}")

    threads = [threading.Thread(target=turn, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 3 and all(r.ok for r in results.values())
    for r in results.values():
        assert len(r.artifacts) == 1
        assert [a.name for a in agent.store.open(r.session_id).artifacts()] == [r.artifacts[0].name]
        assert agent.store.open(r.session_id).resolve(r.artifacts[0].name).provenance["seed"] in (0, 1, 2)


def test_the_waveform_envelope_matches_the_per_column_loop(tmp_path: Path) -> None:
    from PIL import Image

    from audiogpt import plots

    rng = np.random.default_rng(4)
    for frames, rate in ((1000, 8000), (2048, 2048), (44100, 44100)):  # columns of 1-2 samples, and of many
        audio = Audio((rng.standard_normal(frames) * 0.7).astype(np.float32), rate)
        pixels = np.asarray(Image.open(plots.waveform_spectrogram(audio, tmp_path / f"{frames}.png")))
        mono = audio.samples
        plot_w = plots.WIDTH - plots.LEFT - plots.RIGHT
        edges = np.linspace(0, mono.size, plot_w + 1).astype(int)
        mid = plots.TOP + plots.WAVE_H / 2
        for x in (1, 2, 3, plot_w // 3, plot_w // 3 + 1, plot_w - 3, plot_w - 2):  # a line spans its min..max
            seg = mono[edges[x] : max(edges[x + 1], edges[x] + 1)]
            if seg.size < 2:  # a single sample is a line of no length, which Pillow does not draw
                continue
            top = round(mid - float(np.clip(seg.max(), -1, 1)) * plots.WAVE_H / 2)
            bottom = round(mid - float(np.clip(seg.min(), -1, 1)) * plots.WAVE_H / 2)
            column = pixels[:, plots.LEFT + x]
            blue = [y for y in range(pixels.shape[0]) if tuple(column[y]) == (31, 119, 180)]
            assert blue and abs(blue[0] - top) <= 1 and abs(blue[-1] - bottom) <= 1, (frames, x)


def test_the_router_converts_each_catalog_tool_once(agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    from langchain_core.utils.function_calling import convert_to_openai_tool

    from audiogpt.engines import router

    converted: list[str] = []

    def counting(tool: Any) -> dict[str, Any]:
        converted.append(tool.name)
        return convert_to_openai_tool(tool)

    monkeypatch.setattr(router, "convert_to_openai_tool", counting)
    monkeypatch.setattr(router, "_CONVERTED", {})
    agent._tool_lists.clear()
    for seed in (5, 6):
        assert agent.run(f"make rain for 0.25 seconds, 4 steps, seed {seed}").ok
    tools = agent._tool_lists[next(iter(agent._tool_lists))]
    assert sorted(converted) == sorted(t.name for t in tools)  # once each over two turns (four model calls)
    bound = agent.engine.bind_tools(tools)
    assert bound.tools == [convert_to_openai_tool(t) for t in tools]  # the same schemas as a fresh conversion
