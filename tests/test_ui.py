"""The Gradio UI: the app builds, and one turn through its handler shows text, players and pictures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import pytest
import soundfile as sf
from langchain_core.messages import AIMessage

from audiogpt.agent import Agent
from audiogpt.config import load_settings
from audiogpt.ui import build
from tests.fakes import ScriptedChatModel, tool_call

pytestmark = pytest.mark.slow


def respond_fn(demo: Any) -> Any:
    fns = {f.fn for f in demo.fns.values() if f.name == "respond"}  # the textbox submit and the voice button
    assert len(fns) == 1
    return fns.pop()


def test_a_turn_in_the_ui_shows_reply_players_and_pictures(tmp_path: Path) -> None:
    script = [
        AIMessage("", tool_calls=[tool_call("text_to_speech", text="Hello from the web chat.")]),
        AIMessage("Here it is."),
    ]
    agent = Agent(load_settings(engine="offline"), engine=ScriptedChatModel(script=script))
    demo = build(agent)
    assert isinstance(demo, gr.Blocks)
    upload = tmp_path / "mine.wav"
    sf.write(upload, [0.0, 0.2, -0.2, 0.0] * 2000, 8000)
    history, box, voice, session = respond_fn(demo)(
        {"text": "say hello", "files": [str(upload)]}, None, False, [], None
    )
    assert session and voice is None and isinstance(box, gr.MultimodalTextbox)
    roles = [m["role"] for m in history]
    assert roles[:2] == ["user", "user"] and history[0]["content"] == {"path": str(upload)}
    assert history[2] == {"role": "assistant", "content": "Here it is."}
    audio = [m["content"] for m in history if isinstance(m["content"], gr.Audio)]
    images = [m["content"] for m in history if isinstance(m["content"], gr.Image)]
    assert len(audio) == 1 and len(images) == 1
    assert Path(images[0].value["path"]).suffix == ".png"
    tool_msgs = [m for m in history if m.get("metadata")]
    assert tool_msgs and "text_to_speech" in tool_msgs[0]["metadata"]["title"]
    # the next turn continues the same session
    agent._engine = ScriptedChatModel(script=[AIMessage("again")])
    agent.__dict__.pop("engine", None)
    history2, *_, session2 = respond_fn(demo)({"text": "and again", "files": []}, None, False, history, session)
    assert session2 == session and history2[-1]["content"] == "again"


def test_an_empty_submit_does_nothing() -> None:
    agent = Agent(load_settings(engine="offline"), engine=ScriptedChatModel(script=[]))
    history, *_ = respond_fn(build(agent))({"text": "  ", "files": []}, None, False, [], None)
    assert history == []
