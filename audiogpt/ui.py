"""The Gradio chat UI: text, uploads and the microphone in; the reply with players and pictures out."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

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


def response_messages(resp: Response) -> list[dict[str, Any]]:
    """The assistant's chat messages for one Response: text, then each file with its pictures."""
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
            out.append({"role": "assistant", "content": gr.Audio(value=art.path, label=art.name)})
        what = "waveform/spectrogram" if art.kind == "audio" else art.kind
        for pic in art.plots:
            out.append({"role": "assistant", "content": gr.Image(value=pic, label=f"{art.name} — {what}")})
    for call in resp.tool_calls:
        for pic in call.plots:
            out.append({"role": "assistant", "content": gr.Image(value=pic, label=f"{call.tool} timeline")})
    return out


def build(agent: Agent) -> Any:
    """The Blocks app (not launched)."""
    import gradio as gr

    tools = ", ".join(f"`{t}`" for t in CATALOG if t in agent.pool.tasks)

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
        history.extend(response_messages(resp))
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


def launch(agent: Agent, host: str = "127.0.0.1", port: int = 7860, share: bool = False) -> None:
    """Preload the resident models, then serve the UI until interrupted."""
    for task, why in agent.preload().items():
        log.warning("%s could not be preloaded: %s", task, why)
    demo = build(agent)
    demo.queue(default_concurrency_limit=4).launch(
        server_name=host,
        server_port=port,
        share=share,
        allowed_paths=[str(agent.store.root / "sessions")],  # session files only, nothing else on disk
    )
