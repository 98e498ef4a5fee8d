"""The Gradio chat UI: text, uploads and the microphone in; the reply with players and pictures out."""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiogpt.frontend import safe_filename
from audiogpt.response import Response
from audiogpt.tools import CATALOG

if TYPE_CHECKING:
    from audiogpt.agent import Agent

log = logging.getLogger(__name__)

EXAMPLES = [
    "say 'welcome home' in a calm voice",
    "what sounds are in this recording?",
    "clean up this noisy clip, then transcribe it",
    "where does anyone speak in this file?",
    "cut the first second of this, then add reverb and give me an mp3",
    "put my voice over this music, music 12 dB quieter",
]


class FilePublisher:
    """Copies of session files for the browser, so the workspace itself is never served.

    Gradio serves only its cache, uploads and ``allowed_paths``; the workspace is in none of
    them. A file shown in the chat is copied here (under the system temp dir, from where Gradio
    accepts it) and Gradio then caches it under a folder named by a salted SHA-256 of its bytes:
    only the browser that received the reply learns that URL. The copy also carries a readable
    name (the upload's own name), which the browser's download uses.
    """

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="audiogpt-ui-"))
        atexit.register(shutil.rmtree, self.root, True)

    def __call__(self, path: str, name: str | None = None) -> str:
        target = self.root / uuid.uuid4().hex[:12] / safe_filename(name or Path(path).name)
        target.parent.mkdir(parents=True)
        shutil.copyfile(path, target)
        return str(target)


def response_messages(resp: Response, publish: Callable[[str], str] = str) -> list[dict[str, Any]]:
    """The assistant's chat messages for one Response: text, then each file with its pictures.

    ``publish(path)`` turns a session file into the path the browser gets (a :class:`FilePublisher`).
    """
    import gradio as gr

    text = resp.text
    if resp.query_transcript:
        text = f"*(heard: {resp.query_transcript})*\n\n{text}"
    out: list[dict[str, Any]] = [{"role": "assistant", "content": text}]
    for call in resp.tool_calls:
        status = "done" if call.ok else "error"
        out.append(
            {
                "role": "assistant",
                "content": call.observation,
                "metadata": {"title": f"🛠️ {call.tool} ({status}, {call.seconds:.1f} s)", "status": "done"},
            }
        )
    for art in resp.artifacts:
        if art.kind == "audio":
            out.append({"role": "assistant", "content": gr.Audio(value=publish(art.path), label=art.name)})
        what = "waveform/spectrogram" if art.kind == "audio" else art.kind
        for pic in art.plots:
            out.append({"role": "assistant", "content": gr.Image(value=publish(pic), label=f"{art.name} — {what}")})
    for call in resp.tool_calls:
        for pic in call.plots:
            out.append({"role": "assistant", "content": gr.Image(value=publish(pic), label=f"{call.tool} timeline")})
    return out


def build(agent: Agent) -> Any:
    """The Blocks app (not launched)."""
    import gradio as gr

    tools = ", ".join(f"`{t}`" for t in CATALOG if t in agent.pool.tasks)
    publish = FilePublisher()

    def status_md() -> str:
        rows = ["| task | model | state |", "|---|---|---|"]
        for s in agent.pool.status():
            state = f"loaded on {s.device}" if s.loaded else ("error" if s.error else "loads on first use")
            rows.append(f"| {s.task} | {s.model} | {state} |")
        return "\n".join(rows)

    def respond(message: dict[str, Any] | None, voice: str | None, speak: bool, history: list[Any],
                session_id: str | None) -> tuple[Any, ...]:  # fmt: skip
        message = message or {}
        text = (message.get("text") or "").strip()
        files = [f if isinstance(f, str) else f.get("path") for f in message.get("files") or []]
        if not text and not files and not voice:
            return history, gr.MultimodalTextbox(value=None), None, session_id
        for f in files:
            history.append({"role": "user", "content": {"path": f}})
        if voice:
            history.append({"role": "user", "content": gr.Audio(value=voice, label="spoken request")})
        if text:
            history.append({"role": "user", "content": text})
        try:
            resp = agent.run(text, files=files, session=session_id, speak=speak, voice=voice)
        except Exception as exc:  # keep serving whatever happened
            log.exception("turn failed")
            history.append({"role": "assistant", "content": f"Sorry, something went wrong: {exc}"})
            return history, gr.MultimodalTextbox(value=None), None, session_id
        history.extend(response_messages(resp, publish))
        return history, gr.MultimodalTextbox(value=None), None, resp.session_id

    with gr.Blocks(title="AudioGPT") as demo:
        gr.Markdown(
            f"## AudioGPT\nTalk or type about sound, attach audio files, and get text, audio and pictures back. "
            f"Engine: **{agent.engine_name}**. Tools: {tools}."
        )
        session = gr.State(None)
        chat = gr.Chatbot(label="AudioGPT", height=560, buttons=["copy"])
        box = gr.MultimodalTextbox(
            placeholder="Ask about sound, or attach a file… e.g. “clean up this noisy clip, then transcribe it”",
            file_count="multiple",
            sources=["upload"],
            show_label=False,
        )
        with gr.Row():
            voice = gr.Audio(sources=["microphone"], type="filepath", label="…or speak your request")
            with gr.Column():
                speak = gr.Checkbox(label="Speak the replies", value=False)
                send_voice = gr.Button("Send spoken request")
                new = gr.Button("New conversation")
        gr.Examples(EXAMPLES, inputs=[box], label="Try")
        with gr.Accordion("Models", open=False):
            status = gr.Markdown(status_md())
            gr.Button("Refresh").click(status_md, outputs=status)
        outputs = [chat, box, voice, session]
        box.submit(respond, [box, voice, speak, chat, session], outputs)
        send_voice.click(respond, [box, voice, speak, chat, session], outputs)
        new.click(lambda: ([], None), outputs=[chat, session])
    return demo


def launch(agent: Agent, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
           auth: tuple[str, str] | None = None, block: bool = True) -> Any:  # fmt: skip
    """Preload the resident models, then serve the UI (until interrupted, or in the background
    with ``block=False``, returning the running app). ``auth``: one user and password."""
    for task, why in agent.preload().items():
        log.warning("%s could not be preloaded: %s", task, why)
    demo = build(agent)
    demo.queue(default_concurrency_limit=4).launch(
        server_name=host,
        server_port=port,
        share=share,
        auth=auth,  # no allowed_paths: the workspace is never served; see FilePublisher
        prevent_thread_lock=not block,
        quiet=not block,
    )
    return demo
