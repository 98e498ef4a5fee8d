"""The HTTP API: ``audiogpt serve`` (FastAPI + uvicorn), a thin shell over :class:`Agent`.

Each session created here gets a bearer token that grants that session only; the workspace keeps
the token's SHA-256, never the token. Turns run in worker threads, at most ``max_concurrent`` at
once (models are big; more would exhaust memory) with up to ``max_queue`` more waiting; beyond
that a turn is refused with 503 and ``Retry-After``. One session's turns run in order.

This module imports FastAPI at the top on purpose: it is only imported by ``audiogpt serve`` and
tests, and FastAPI reads the route functions' type hints from the module's globals.
"""

import asyncio
import hashlib
import hmac
import json
import logging
import mimetypes
import secrets
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile, status
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from audiogpt.agent import Agent
from audiogpt.errors import UserError
from audiogpt.frontend import available_tools, check_port_free, public_response, safe_filename, tool_json
from audiogpt.session import Session

log = logging.getLogger(__name__)

_TOKENS_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_tokens (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id),
    token_sha256 TEXT NOT NULL,
    created REAL NOT NULL
);
"""
_PLOT_NAME = r"plots/[A-Za-z0-9_.-]+\.png"
_COPY_CHUNK = 1 << 20  # bytes read at a time from an upload


class TokenStore:
    """Bearer tokens of API sessions, kept as SHA-256 digests in the workspace database."""

    def __init__(self, agent: Agent) -> None:
        self.store = agent.store
        with self.store.transaction() as db:
            db.execute(_TOKENS_SCHEMA)

    def issue(self, session_id: str) -> str:
        token = secrets.token_urlsafe(32)  # 256 random bits: a plain hash is enough, no slow KDF needed
        with self.store.transaction() as db:
            db.execute("INSERT OR REPLACE INTO api_tokens VALUES (?, ?, ?)", (session_id, _digest(token), time.time()))
        return token

    def digest_of(self, session_id: str) -> str | None:
        with self.store.transaction() as db:
            row = db.execute("SELECT token_sha256 FROM api_tokens WHERE session_id = ?", (session_id,)).fetchone()
        return row[0] if row else None

    def forget(self, session_id: str) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM api_tokens WHERE session_id = ?", (session_id,))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerBusy(Exception):
    """Too many turns are running and waiting."""


class TurnGate:
    """At most ``max_concurrent`` turns at once, ``max_queue`` waiting, one session's turns in order."""

    def __init__(self, max_concurrent: int, max_queue: int) -> None:
        self.max_concurrent = max_concurrent
        self.max_queue = max_queue
        self.admitted = 0  # running + waiting
        self._slots = asyncio.Semaphore(max_concurrent)
        self._session_locks: dict[str, asyncio.Lock] = {}

    def admit(self) -> None:
        """Take a place (running or in the queue) now, or raise :class:`ServerBusy`."""
        if self.admitted >= self.max_concurrent + self.max_queue:
            raise ServerBusy
        self.admitted += 1

    @asynccontextmanager
    async def turn(self, session_id: str) -> AsyncIterator[None]:
        """Run one admitted turn: wait for the session's previous turn, then for a free slot."""
        lock = self._session_locks.setdefault(session_id, asyncio.Lock())
        try:
            async with lock, self._slots:
                yield
        finally:
            self.admitted -= 1
            if not lock.locked() and self._session_locks.get(session_id) is lock:
                del self._session_locks[session_id]


def create_app(agent: Agent, max_concurrent: int = 2, max_queue: int = 32) -> FastAPI:
    """The FastAPI application serving ``agent``; documented at ``/docs`` and ``/openapi.json``."""
    tokens = TokenStore(agent)
    gate = TurnGate(max_concurrent, max_queue)
    background: set[asyncio.Task[None]] = set()
    bearer = HTTPBearer(auto_error=False, description="the token returned by POST /v1/sessions")
    limits = agent.settings.limits
    app = FastAPI(
        title="AudioGPT",
        version=_version(),
        description="An audio agent over HTTP: sessions, turns with files, live progress, files per session.",
    )
    app.state.gate = gate  # for health checks and tests

    def owned_session(
        session_id: str, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Session:
        """The session, if the request carries its token: 401 without a token, 403 with a wrong one."""
        if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
            )
        try:
            sess = agent.store.open(session_id)
        except UserError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"there is no session {session_id}") from None
        expected = tokens.digest_of(session_id)
        # constant-time comparison of digests; a session without an API token is closed to HTTP
        if expected is None or not hmac.compare_digest(expected, _digest(credentials.credentials)):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "this token does not grant access to this session")
        return sess

    Owned = Annotated[Session, Depends(owned_session)]

    def file_url(request: Request, session_id: str) -> Callable[[str], str]:
        base = str(request.base_url).rstrip("/")
        return lambda name: f"{base}/v1/sessions/{session_id}/files/{name}"

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, Any]:
        """Liveness plus the dialogue engine and every configured model's state."""
        from dataclasses import asdict

        return {"status": "ok", "engine": agent.engine_name, "models": [asdict(s) for s in agent.pool.status()]}

    @app.get("/v1/tools", tags=["catalog"])
    def tools() -> list[dict[str, Any]]:
        """The tool catalog: name, description and JSON schema of each tool's input."""
        return [tool_json(spec) for spec in available_tools(agent)]

    @app.post("/v1/sessions", status_code=status.HTTP_201_CREATED, tags=["sessions"])
    def create_session() -> dict[str, str]:
        """A new session and its token (shown once; keep it secret, it grants this session only)."""
        sid = agent.new_session()
        return {"session_id": sid, "token": tokens.issue(sid)}

    @app.get("/v1/sessions/{session_id}", tags=["sessions"])
    def get_session(sess: Owned, request: Request) -> dict[str, Any]:
        """The session's turns (with their responses) and files."""
        url = file_url(request, sess.id)
        info = agent.store.info(sess.id)
        turns = [{**t, "response": public_response(t["response"], sess.dir, url)} for t in sess.turn_records()]
        files = [
            {"name": a.name, "kind": a.kind, "label": a.label, "duration_s": a.duration_s,
             "sample_rate": a.sample_rate, "channels": a.channels, "tool": a.provenance.get("tool"),
             "parents": a.provenance.get("parents", []), "created": a.created, "url": url(a.name)}
            for a in sess.artifacts()
        ]  # fmt: skip
        return {"session_id": sess.id, "created": info["created"], "title": info["title"], "turns": turns,
                "artifacts": files}  # fmt: skip

    @app.delete("/v1/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["sessions"])
    def delete_session(sess: Owned) -> Response:
        """Delete the session, its turns and all its files; its token stops working."""
        tokens.forget(sess.id)
        agent.store.delete(sess.id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @app.get("/v1/sessions/{session_id}/files/{name:path}", tags=["sessions"], response_class=FileResponse)
    def get_file(sess: Owned, name: str) -> FileResponse:
        """One file of the session by its artifact name (``audio/3f9a1c2e.wav``) or picture name."""
        import re

        if re.fullmatch(_PLOT_NAME, name):
            path, download = sess.dir / name, Path(name).name
        else:
            try:
                art = sess.resolve(name)
            except UserError:
                art = None
            if art is None or art.name != name:  # names only, never an upload's label or a path
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"session {sess.id} has no file {name}")
            path, download = art.path, art.label or Path(art.name).name
        if not path.is_file():
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"session {sess.id} has no file {name}")
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=media, filename=download, content_disposition_type="inline")

    @app.post(
        "/v1/sessions/{session_id}/turns",
        tags=["turns"],
        responses={200: {"content": {"text/event-stream": {}}, "description": "the Response JSON, or its events"},
                   503: {"description": "too many turns are running and waiting; retry later"}},
    )  # fmt: skip
    async def post_turn(
        sess: Owned,
        request: Request,
        text: Annotated[str, Form(description="the request, typed")] = "",
        files: Annotated[list[UploadFile] | None, File(description="files for the agent (repeatable)")] = None,
        voice: Annotated[UploadFile | None, File(description="a recording of the spoken request")] = None,
        speak: Annotated[bool, Form(description="also speak the reply")] = False,
        stream: Annotated[bool, Query(description="answer with server-sent events")] = False,
    ) -> Any:
        """One turn: the same JSON as ``audiogpt run --json`` (files with a ``url``), or with
        ``?stream=true`` the events ``step``, ``progress``, then ``response`` (or ``error``)."""
        try:
            gate.admit()
        except ServerBusy:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "the server is busy; please retry shortly",
                headers={"Retry-After": "5"},
            ) from None  # fmt: skip
        url = file_url(request, sess.id)
        staged = tempfile.mkdtemp(prefix="audiogpt-upload-")
        try:
            paths = [await _stage(f, Path(staged), limits.max_upload_mb) for f in files or []]
            voice_path = await _stage(voice, Path(staged), limits.max_upload_mb) if voice is not None else None
        except BaseException:
            gate.admitted -= 1  # never reached the queue
            shutil.rmtree(staged, ignore_errors=True)
            raise

        async def run_turn(on_event: Callable[[str, dict[str, Any]], None] | None) -> dict[str, Any]:
            try:
                async with gate.turn(sess.id):
                    resp = await anyio.to_thread.run_sync(
                        lambda: agent.run(
                            text, files=paths, session=sess.id, speak=speak, voice=voice_path, on_event=on_event
                        )
                    )
            finally:
                shutil.rmtree(staged, ignore_errors=True)
            return public_response(resp.to_dict(), sess.dir, url)

        if not stream:
            try:
                return await run_turn(None)
            except Exception:
                log.exception("turn failed in session %s", sess.id)
                return JSONResponse({"detail": "the turn failed unexpectedly; the session is intact"}, 500)
        return StreamingResponse(_events(run_turn, background), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})  # fmt: skip

    return app


async def _events(
    run_turn: Callable[[Callable[[str, dict[str, Any]], None]], Any], background: set[asyncio.Task[None]]
) -> AsyncIterator[str]:
    """Server-sent events of one turn; the turn finishes (and is saved) even if the client leaves."""
    queue: asyncio.Queue[tuple[str, dict[str, Any]] | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def on_event(kind: str, data: dict[str, Any]) -> None:  # called from the worker thread
        loop.call_soon_threadsafe(queue.put_nowait, (kind, data))

    async def work() -> None:
        try:
            queue.put_nowait(("response", await run_turn(on_event)))
        except Exception:
            log.exception("streamed turn failed")
            queue.put_nowait(("error", {"message": "the turn failed unexpectedly; the session is intact"}))
        finally:
            queue.put_nowait(None)

    task = asyncio.create_task(work())
    background.add(task)
    task.add_done_callback(background.discard)
    yield ": accepted\n\n"  # a comment: the headers go out at once, before any model runs
    while (item := await queue.get()) is not None:
        kind, data = item
        yield f"event: {kind}\ndata: {json.dumps(data, default=str)}\n\n"


async def _stage(upload: UploadFile, folder: Path, max_mb: float) -> str:
    """Save an upload under its own (sanitised) name, so replies can name it; refuse oversize files."""
    target = folder / safe_filename(upload.filename)
    n = 1
    while target.exists():  # two uploads with one name keep both
        target = folder / f"{target.stem}-{n}{target.suffix}"
        n += 1
    size = 0
    with target.open("wb") as out:
        while chunk := await upload.read(_COPY_CHUNK):
            size += len(chunk)
            if size > max_mb * 2**20:
                raise HTTPException(
                    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                    f"{target.name} is larger than the upload limit of {max_mb:.0f} MB",
                )
            out.write(chunk)
    return str(target)


def _version() -> str:
    from audiogpt import __version__

    return __version__


def serve(agent: Agent, host: str = "127.0.0.1", port: int = 8000, max_concurrent: int = 2,
          max_queue: int = 32) -> None:  # fmt: skip
    """Load the resident models, then serve the API until interrupted (the port is checked first)."""
    import uvicorn

    check_port_free(host, port)
    for task, why in agent.preload().items():
        log.warning("%s could not be preloaded: %s", task, why)
    uvicorn.run(create_app(agent, max_concurrent, max_queue), host=host, port=port, log_level="info")
