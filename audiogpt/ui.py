"""The Gradio chat UI: text, uploads and the microphone in; the reply with players and pictures out."""

from __future__ import annotations

import atexit
import logging
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiogpt.frontend import safe_filename
from audiogpt.response import ArtifactView, Response
from audiogpt.text import clean_text
from audiogpt.ui_history import accept_returned_history, continued
from audiogpt.wording import tool_title

if TYPE_CHECKING:
    from audiogpt.agent import Agent

log = logging.getLogger(__name__)

EXAMPLES = [
    "say 'welcome home' in a calm voice",
    "say 'the train to Leeds leaves from platform four', then transcribe it",
    "say 'good morning' slowly, then give me an mp3",
]
MIC_NAME = "audio.wav"  # the name Gradio gives a recording made with the textbox's microphone
WELCOME = (
    "**Talk or type about sound.** Attach audio with the clip button or record a question with the "
    "microphone, for example "
    "*what sounds are in this recording?*, *clean up this noisy clip, then transcribe it*, "
    "*cut the first 3 seconds and give me an mp3*. Each step shows as it runs; every file has its "
    "own player and download, and the Files panel lists the whole session."
)


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


def split_message(message: dict[str, Any] | None) -> tuple[str, list[str], str | None]:
    """(typed text, files, spoken request) of a multimodal textbox message.

    A microphone recording arrives as a file named ``audio.wav``; with no typed text it is taken
    for the spoken request, with typed text it is a file like any other. An upload may carry the
    same name and Gradio gives nothing else to tell them apart, so the agent decides by content
    (``voice_may_be_file``): no words heard, or longer than a question, and it is kept as a file.
    See docs/ui/README.md.
    """
    message = message or {}
    text = clean_text(message.get("text")).strip()  # invalid UTF-8, surrogates, controls
    files = [f if isinstance(f, str) else (f.get("path") or "") for f in message.get("files") or []]
    files = [f for f in files if f]
    voice = None
    if not text:
        spoken = [f for f in files if Path(f).name == MIC_NAME]
        if spoken:
            voice = spoken[-1]
            files = [f for f in files if f != voice]
    return text, files, voice


def _shown_name(art: ArtifactView) -> str:
    """The file name a download gets: the upload's own name, else what made it plus its short id."""
    if art.label:
        return art.label
    stem = Path(art.name).name
    return f"{art.tool}_{stem}" if art.tool else stem


def response_messages(resp: Response, publish: Callable[..., str] = lambda p, n=None: p) -> list[dict[str, Any]]:
    """The assistant's messages for one Response: each file with its own player (and download) and
    picture, then event timelines, then the reply's text. The text comes last so that the chat,
    which follows a turn to its bottom, ends on it: placed first it was scrolled out of view above
    large pictures. ``publish(path, name)`` turns a session file into the copy the browser gets
    (a :class:`FilePublisher`)."""
    import gradio as gr

    text = resp.text
    if resp.query_transcript:
        text = f"*(heard: {resp.query_transcript})*\n\n{text}"
    out: list[dict[str, Any]] = []
    speech = resp.speech.name if resp.speech else None
    for art in resp.artifacts:
        title = f"{tool_title(art.tool)}: {_shown_name(art)}" if art.tool else _shown_name(art)
        if art.kind == "audio":
            player = gr.Audio(value=publish(art.path, _shown_name(art)), label=title, autoplay=art.name == speech,
                              buttons=["download"])  # fmt: skip
            out.append({"role": "assistant", "content": player})
        elif art.kind == "image":
            out.append({"role": "assistant", "content": gr.Image(value=publish(art.path), label=title,
                                                                 show_label=False)})  # fmt: skip
            continue
        else:
            out.append(
                {"role": "assistant", "content": gr.File(value=publish(art.path, _shown_name(art)), label=title)}
            )
        if art.name != speech:  # a spoken reply gets no picture of its own
            for pic in art.plots:
                image = gr.Image(value=publish(pic), label=title, show_label=False)
                out.append({"role": "assistant", "content": image})
    for call in resp.tool_calls:
        for pic in call.plots:
            image = gr.Image(value=publish(pic), label=tool_title(call.tool), show_label=False)
            out.append({"role": "assistant", "content": image})
    return [*out, {"role": "assistant", "content": text}]


def step_message(event: dict[str, Any]) -> dict[str, Any]:
    """A tool step as a collapsible message: pending while it runs, its result when done."""
    title = tool_title(event["tool"])
    meta: dict[str, Any] = {"title": title, "id": f"step-{event['index']}", "status": "pending"}
    if event.get("phase") != "finished":
        return {"role": "assistant", "content": "running…", "metadata": meta}
    meta.update(status="done", duration=event.get("seconds") or 0.0)
    if not event.get("ok"):
        meta["title"] = f"{title} (failed)"
    return {"role": "assistant", "content": event.get("result") or "", "metadata": meta}


PROGRESS_UPDATE_S = 0.2  # at most five progress redraws a second (a tiny model makes 100 steps in 0.1 s)
BAR_CELLS = 20


def progress_message(message: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """A pending step message showing a model's progress: "generating: diffusion step 12/50" with a bar
    in the message, and "step 12/50" beside its title (Gradio's ``log``), next to the spinner."""
    from audiogpt.tools import CATALOG

    done, total, what = int(event["done"]), int(event["total"]), event.get("what") or "step"
    spec = CATALOG.get(event.get("tool") or "")
    verb = "generating" if spec is not None and spec.category == "generation" else "working"
    filled = round(BAR_CELLS * min(done, total) / total)
    bar = "█" * filled + "░" * (BAR_CELLS - filled)
    meta = {**(message.get("metadata") or {}), "log": f"{what} {done}/{total}"}
    return {**message, "content": f"{verb}: {what} {done}/{total} {bar} {100 * done // total} %", "metadata": meta}


def banner(agent: Agent) -> str:
    """Engine, workspace and models: what a first run needs to know (shown on the page and printed)."""
    loaded: list[str] = []
    lazy: list[str] = []
    broken: list[str] = []
    for s in agent.pool.status():
        (broken if s.error else loaded if s.loaded else lazy).append(s.task)
    parts = [f"engine **{agent.engine_name}**", f"workspace `{agent.store.root}`"]
    parts.append(f"models loaded: {', '.join(loaded) or 'none yet'}")
    if lazy:
        parts.append(f"load on first use: {len(lazy)}")
    if broken:
        parts.append(f"**could not load: {', '.join(broken)}**")
    return " · ".join(parts)


def models_markdown(agent: Agent) -> str:
    rows = ["| tool | model | state |", "|---|---|---|"]
    for s in agent.pool.status():
        state = f"loaded on {s.device}" if s.loaded else ("could not load" if s.error else "loads on first use")
        if s.loaded and s.device_note:  # why it is not where the config asked (never the raw error)
            state += f" ({s.device_note})"
        rows.append(f"| {tool_title(s.task)} | {s.model} | {state} |")
    return "\n".join(rows)


def file_rows(agent: Agent, session_id: str | None) -> list[list[Any]]:
    """The session's files for the Files panel: name, kind, duration, made by, from."""
    if not session_id:
        return []
    try:
        arts = agent.store.open(session_id).artifacts()
    except Exception:  # the session was deleted meanwhile
        return []
    names = {a.name: a.label or a.name for a in arts}
    rows = []
    for a in arts:
        tool = a.provenance.get("tool")
        made = "uploaded" if tool == "upload" else tool_title(tool) if tool else ""
        parents = ", ".join(names.get(p, p) for p in a.provenance.get("parents", []))
        dur = f"{a.duration_s:.2f} s" if a.duration_s is not None else ""
        rows.append([a.name, a.label or "", a.kind, dur, made, parents])
    return rows


SAMPLE_WORDS = "Good morning. This is a sample recording, made by the embedded voice of AudioGPT."
FILE_EXAMPLES = ["transcribe this", "where does anyone speak in this file?", "make it 20 % slower and give me an mp3"]


def sample_recording(agent: Agent, folder: Path) -> str | None:
    """A real sample file for the examples that need one: the embedded voice reads a sentence.

    Made once at launch, outside every session; None when no text-to-speech model is available.
    """
    from audiogpt.handler import TaskHandler

    scratch = agent.store.create(title="(sample for the examples)")
    try:
        obs = TaskHandler(scratch, agent.pool, agent.settings.limits).call("text_to_speech", {"text": SAMPLE_WORDS})
        if not obs.ok:
            log.warning("no sample recording for the examples: %s", obs.error)
            return None
        target = folder / "sample_speech.wav"
        shutil.copyfile(scratch.resolve(obs.files[0]).path, target)
        return str(target)
    finally:
        agent.store.delete(scratch.id)


def build(agent: Agent, sample: str | None = None) -> Any:
    """The Blocks app (not launched). ``sample``: an audio file the file examples attach."""
    import queue
    import threading
    import time

    import gradio as gr

    publish = FilePublisher()
    headers = ["file", "uploaded as", "kind", "duration", "made by", "from"]

    def panel(session_id: str | None) -> tuple[Any, ...]:
        rows = file_rows(agent, session_id)
        copies = []
        if session_id and rows:
            sess = agent.store.open(session_id)
            copies = [publish(str(sess.resolve(r[0]).path), r[1] or Path(r[0]).name) for r in rows]
        choices = [r[0] for r in rows]
        return (session_id or "", gr.Dataframe(value=rows or None, headers=headers), copies or None,
                gr.Dropdown(choices=choices, value=None))  # fmt: skip

    def respond(message: dict[str, Any] | None, speak: bool, history: list[Any] | None,
                kept: list[Any] | None, session_id: str | None) -> Any:  # fmt: skip
        history = continued(history, kept)  # the history this server returned last, or the client's own
        text, files, voice = split_message(message)
        if not text and not files and not voice:
            yield (list(history), list(history), gr.MultimodalTextbox(value=None), session_id, *panel(session_id))
            return
        for f in files:
            history.append({"role": "user", "content": gr.File(value=f, label=Path(f).name)})
        if voice:
            history.append({"role": "user", "content": gr.Audio(value=voice, label="spoken request")})
        if text:
            history.append({"role": "user", "content": text})
        busy = gr.MultimodalTextbox(value=None, interactive=False)
        yield (list(history), list(history), busy, session_id, *panel(session_id))  # the user's message shows at once

        events: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        result: dict[str, Any] = {}

        def work() -> None:
            try:
                result["resp"] = agent.run(text, files=files, session=session_id or None, speak=speak,
                                           voice=voice, voice_may_be_file=True,
                                           on_event=lambda k, d: events.put((k, d)))  # fmt: skip
            except Exception:  # keep serving whatever happened
                log.exception("turn failed")
            finally:
                events.put(None)

        threading.Thread(target=work, daemon=True).start()
        steps: dict[int, int] = {}  # step index → position in history
        shown = 0.0  # when progress was last drawn
        while (item := events.get()) is not None:
            kind, data = item
            if kind == "progress" and data.get("total"):
                pending = [p for p in steps.values() if (history[p].get("metadata") or {}).get("status") == "pending"]
                for pos in pending:
                    history[pos] = progress_message(history[pos], data)
                now = time.monotonic()
                if pending and (data["done"] >= data["total"] or now - shown >= PROGRESS_UPDATE_S):
                    shown = now  # the files panel cannot change mid-call: leave it as it is
                    yield (list(history), list(history), busy, session_id, *[gr.skip()] * 4)
                continue
            if kind == "step":
                msg = step_message(data)
                if data["index"] in steps:
                    history[steps[data["index"]]] = msg
                else:
                    steps[data["index"]] = len(history)
                    history.append(msg)
            yield (list(history), list(history), busy, session_id, *panel(session_id))
        resp = result.get("resp")
        if resp is None:
            history.append({"role": "assistant", "content": "Sorry, something went wrong; your files are intact."})
        else:
            history.extend(response_messages(resp, publish))
            session_id = resp.session_id or session_id
        done = gr.MultimodalTextbox(value=None, interactive=True)
        yield (list(history), list(history), done, session_id, *panel(session_id))

    def delete_file(session_id: str | None, name: str | None) -> tuple[Any, ...]:
        if session_id and name:
            agent.store.open(session_id).remove(name)
        return panel(session_id)

    def delete_session(session_id: str | None) -> tuple[Any, ...]:
        if session_id:
            agent.store.delete(session_id)
        return ([], [], None, *panel(None))

    with gr.Blocks(title="AudioGPT", fill_height=True) as demo:
        gr.Markdown("## AudioGPT")
        gr.Markdown(banner(agent), elem_id="banner")
        session = gr.State(None)
        # What the server returned last (per browser, and per gradio_client session): a client that sends
        # it back continues with the server's own files (see ui_history); the session id is server state.
        kept = gr.State([])
        chat = gr.Chatbot(label="AudioGPT", height="62vh", buttons=["copy"], autoscroll=True, elem_id="chat",
                          placeholder=WELCOME, layout="bubble", group_consecutive_messages=False)  # fmt: skip
        accept_returned_history(chat)
        box = gr.MultimodalTextbox(
            placeholder="Ask about sound, attach files or record your question…",
            file_count="multiple",
            sources=["upload", "microphone"],
            show_label=False,
        )
        with gr.Row():
            speak = gr.Checkbox(label="Speak the replies", value=False)
            session_box = gr.Textbox(label="Session", interactive=False, max_lines=1)
            new = gr.Button("New conversation")
        examples: list[Any] = list(EXAMPLES)
        if sample:
            examples += [{"text": text, "files": [sample]} for text in FILE_EXAMPLES]
        gr.Examples([[e] for e in examples], inputs=[box], label="Try")
        with gr.Accordion("Files in this session", open=False):
            table = gr.Dataframe(headers=headers, interactive=False, wrap=True)
            downloads = gr.File(label="Download", file_count="multiple", interactive=False)
            with gr.Row():
                pick = gr.Dropdown(label="File", choices=[], allow_custom_value=False)
                remove = gr.Button("Delete this file", variant="stop")
                drop = gr.Button("Delete the whole conversation", variant="stop")
        with gr.Accordion("Models", open=False):
            status = gr.Markdown(models_markdown(agent))
            gr.Timer(5).tick(lambda: models_markdown(agent), outputs=status, api_visibility="private")
        side = [session_box, table, downloads, pick]
        turn = box.submit(
            respond, [box, speak, chat, kept, session], [chat, kept, box, session, *side], api_name="respond"
        )
        turn.then(lambda: models_markdown(agent), None, status, api_visibility="private")  # models a turn loaded
        remove.click(delete_file, [session, pick], side, api_visibility="private")
        drop.click(delete_session, [session], [chat, kept, session, *side], api_visibility="private")
        for fresh in (new.click, chat.clear):  # clearing the chat starts a new session
            fresh(lambda: ([], [], None, *panel(None)), None, [chat, kept, session, *side], api_visibility="private")
    return demo


def launch(agent: Agent, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
           auth: tuple[str, str] | None = None, block: bool = True) -> Any:  # fmt: skip
    """Preload the resident models, then serve the UI (until interrupted, or in the background
    with ``block=False``, returning the running app). ``auth``: one user and password."""
    for task, why in agent.preload().items():
        log.warning("%s could not be preloaded: %s", task, why)
    print(f"AudioGPT chat UI on http://{host}:{port} · {banner(agent).replace('**', '').replace('`', '')}",
          file=sys.stderr)  # fmt: skip
    samples = Path(tempfile.mkdtemp(prefix="audiogpt-sample-"))
    atexit.register(shutil.rmtree, samples, True)
    demo = build(agent, sample_recording(agent, samples))
    demo.queue(default_concurrency_limit=4).launch(
        server_name=host,
        server_port=port,
        share=share,
        auth=auth,  # no allowed_paths: the workspace is never served; see FilePublisher
        prevent_thread_lock=not block,
        quiet=not block,
    )
    return demo
