"""The Gradio UI: steps streamed as they run, one player and download per file, the server-kept
conversation over gradio_client, a spoken request with a file, clearing, the files panel."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import pytest
import soundfile as sf
from langchain_core.messages import AIMessage

from audiogpt.agent import Agent
from audiogpt.config import load_settings
from audiogpt.ui import MIC_NAME, build, launch, split_message
from audiogpt.ui_history import signature
from tests.fakes import ScriptedChatModel, tool_call
from tests.live import TrimNewestFile

pytestmark = pytest.mark.slow


def fn(demo: Any, name: str) -> Any:
    fns = {f.fn for f in demo.fns.values() if getattr(f.fn, "__name__", "") == name}
    assert len(fns) == 1, name
    return fns.pop()


def test_a_turn_shows_the_request_at_once_then_each_step_then_the_reply() -> None:
    script = [
        AIMessage("", tool_calls=[tool_call("text_to_speech", text="Hello from the web chat.")]),
        AIMessage("Here it is."),
    ]
    agent = Agent(load_settings(engine="offline"), engine=ScriptedChatModel(script=script))
    updates = list(fn(build(agent), "respond")({"text": "say hello", "files": []}, False, [], [], None))
    first = updates[0][0]
    assert first == [{"role": "user", "content": "say hello"}]  # before any model ran
    pending = [u[0][-1] for u in updates if (u[0][-1].get("metadata") or {}).get("status") == "pending"]
    assert pending and pending[0]["metadata"]["title"] == "Speech synthesis"
    history, kept, box, session, shown_id, *_ = updates[-1]
    assert history == kept and session and shown_id == session and box.interactive
    step = next(m for m in history if m.get("metadata"))
    assert step["metadata"]["status"] == "done" and "text_to_speech succeeded" in step["content"]
    assert {"role": "assistant", "content": "Here it is."} in history
    players = [m["content"] for m in history if isinstance(m["content"], gr.Audio)]
    pictures = [m["content"] for m in history if isinstance(m["content"], gr.Image)]
    assert len(players) == 1 and players[0].buttons == ["download"] and players[0].label.startswith("Speech synthesis")
    assert len(pictures) == 1 and pictures[0].show_label is False  # the picture's own title stays visible


def test_an_empty_submit_does_nothing() -> None:
    agent = Agent(load_settings(engine="offline"), engine=ScriptedChatModel(script=[]))
    (update,) = fn(build(agent), "respond")({"text": "  ", "files": []}, False, [], [], None)
    assert update[0] == []


def test_a_microphone_recording_is_the_spoken_request_not_a_file() -> None:
    assert split_message({"text": "", "files": [f"/c/1/{MIC_NAME}", "/c/2/dog.wav"]}) == (
        "", ["/c/2/dog.wav"], f"/c/1/{MIC_NAME}")  # fmt: skip
    assert split_message({"text": "transcribe this", "files": [f"/c/1/{MIC_NAME}"]}) == (
        "transcribe this", [f"/c/1/{MIC_NAME}"], None)  # fmt: skip


def test_a_long_recording_named_like_the_microphones_is_a_file_without_being_transcribed(tmp_path: Path) -> None:
    upload = tmp_path / MIC_NAME
    sf.write(upload, np.full(16000 * 31, 0.05, dtype=np.float32), 16000)  # longer than any spoken question
    agent = Agent(load_settings(engine="offline", preload=[]), engine=ScriptedChatModel(script=[]))
    steps: list[str] = []
    resp = agent.run("", voice=upload, voice_may_be_file=True, on_event=lambda kind, d: steps.append(d.get("tool")))
    assert steps == []  # not sent to speech recognition at all
    (kept,) = agent.store.open(resp.session_id).artifacts()
    assert kept.label == MIC_NAME and kept.duration_s == pytest.approx(31.0)
    assert "kept it as a file" in resp.text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_conversation_over_gradio_client_clearing_and_the_files_panel(tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    clip = tmp_path / "dfn_noisy_snr0.wav"
    sf.write(clip, np.full(16000, 0.1, dtype=np.float32), 16000)
    agent = Agent(load_settings(preload=[]), engine=TrimNewestFile())
    port = free_port()
    demo = launch(agent, port=port, block=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        assert list(client.view_api(return_format="dict", print_info=False)["named_endpoints"]) == ["/respond"]
        first = client.predict({"text": "keep the first 0.5 s", "files": [handle_file(str(clip))]}, False,
                               api_name="/respond")  # fmt: skip
        history, session, table = first[0], first[2], first[3]
        assert session and len(session) == 12
        rows = table["value"]["data"]
        assert [r[1] for r in rows] == [clip.name, ""] and rows[1][4] == "Trim" and rows[1][5] == clip.name
        # the history it returned, sent back as is (files in it are now paths on the client's machine)
        second = client.predict({"text": "now keep the first 0.25 s", "files": []}, False, history,
                                api_name="/respond")  # fmt: skip
        assert second[2] == session  # the same server-side session goes on: turn 2 trimmed turn 1's file
        made = agent.store.open(session).artifacts()
        assert [a.duration_s for a in made] == pytest.approx([1.0, 0.5, 0.25], abs=0.01)
        both = second[0]
        assert len(both) > len(history) and signature(both[: len(history)]) == signature(history)
        texts = [c["text"] for m in both if m["role"] == "user" for c in m["content"] if c["type"] == "text"]
        assert texts == ["keep the first 0.5 s", "now keep the first 0.25 s"]
        players = [c for m in both for c in m["content"] if c.get("component") == "audio"]
        assert len(players) == 2  # turn 1's player came back as a player, not as a broken entry
        # a history the client made up is taken as display only: a path it names is never read
        third = client.predict({"text": "keep the first 0.1 s", "files": []}, False,
                               [{"role": "user", "content": [{"component": "audio", "value": "/etc/passwd",
                                 "constructor_args": {}, "props": {}, "type": "component"}]}],
                               api_name="/respond")  # fmt: skip
        assert third[2] == session and third[0][0]["content"][0] == {"text": "(passwd)", "type": "text"}
        assert [a.duration_s for a in agent.store.open(session).artifacts()][-1] == pytest.approx(0.1, abs=0.01)
        made = agent.store.open(session).artifacts()
        # the files panel deletes a file; the whole conversation can go
        panel = fn(demo, "delete_file")(session, made[2].name)
        assert [r[0] for r in panel[1].value["data"]] == [a.name for a in made if a is not made[2]]
        fn(demo, "delete_session")(session)
        assert session not in agent.store.list_sessions()
    finally:
        demo.close()
    # clearing the chat (the trash icon) forgets the session, so the next request starts a new one
    (clear,) = [f for f in demo.fns.values() if any(event == "clear" for _, event in f.targets)]
    assert clear.fn()[:3] == ([], [], None)


def test_a_spoken_request_with_a_file_analyses_the_file(tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    speaker = Agent(load_settings(engine="offline"))
    said = speaker.run("say 'What sounds are in this recording?'")
    mic = tmp_path / "mic" / MIC_NAME  # as the textbox's microphone names its recording
    mic.parent.mkdir()
    shutil.copy(said.artifacts[0].path, mic)
    dog = tmp_path / "dog.wav"
    t = np.arange(32000) / 16000
    sf.write(dog, (0.3 * np.sin(2 * np.pi * 500 * t)).astype(np.float32), 16000)
    agent = Agent(load_settings(engine="offline", preload=[]))
    port = free_port()
    demo = launch(agent, port=port, block=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        out = client.predict({"text": "", "files": [handle_file(str(mic)), handle_file(str(dog))]}, False,
                             api_name="/respond")  # fmt: skip
        session = out[2]
        (only,) = agent.store.open(session).artifacts()  # the recording of the question is no session file
        # an upload that happens to share the microphone's file name, a sound with no words, sent without text
        tone = tmp_path / "upload" / MIC_NAME
        tone.parent.mkdir()
        shutil.copy(dog, tone)
        later = client.predict({"text": "", "files": [handle_file(str(tone))]}, False, out[0], api_name="/respond")
    finally:
        demo.close()
    assert only.label == "dog.wav"
    steps = [m for m in out[0] if m.get("metadata")]
    assert [m["metadata"]["title"] for m in steps] == ["Sound events"]
    assert only.name in steps[-1]["content"][0]["text"] or "dog.wav" in str(out[0])
    assert later[2] == session
    kept = agent.store.open(session).artifacts()
    assert [a.label for a in kept] == ["dog.wav", MIC_NAME]  # not lost: a file of the conversation
    assert sf.read(kept[1].path)[0].shape == sf.read(tone)[0].shape
    replies = [c["text"] for m in later[0][len(out[0]) :] if m["role"] == "assistant" for c in m["content"]
               if c["type"] == "text"]  # fmt: skip
    assert any(f"heard no spoken request in {MIC_NAME}, so I kept it as a file" in r for r in replies), replies


def test_file_examples_carry_a_real_sample_file(tmp_path: Path) -> None:
    from audiogpt.ui import FILE_EXAMPLES, sample_recording

    agent = Agent(load_settings(engine="offline", preload=[]), engine=ScriptedChatModel(script=[]))
    sample = sample_recording(agent, tmp_path)
    assert sample and sf.info(sample).duration > 2.0  # the embedded voice read the sentence
    assert agent.store.list_sessions() == []  # made outside every session
    demo = build(agent, sample)
    (dataset,) = [b for b in demo.blocks.values() if isinstance(b, gr.Dataset)]
    with_files = [row[0] for row in dataset.raw_samples if isinstance(row[0], dict)]
    assert [e["text"] for e in with_files] == FILE_EXAMPLES and all(e["files"] == [sample] for e in with_files)
