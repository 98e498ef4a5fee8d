"""Sessions and their artifacts: SQLite (stdlib) + files on disk, atomic writes, strict isolation.

Layout under the workspace::

    audiogpt.db                          # sessions, artifacts (with provenance), turns
    sessions/<session id>/audio/3f9a1c2e.wav

An artifact is named ``<kind>/<8 hex>.<ext>``; that name is the only handle a tool, an LLM or a
user gets. Names are resolved inside one session only; paths, ``..`` and other sessions' names
are refused.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audiogpt.audio import DEFAULT_DECODE_LIMITS, Audio, AudioError, DecodeLimits, load_audio, save_audio
from audiogpt.errors import UserError
from audiogpt.formats import AUDIO_EXTENSIONS, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from audiogpt.observation import SessionFile
from audiogpt.text import clean_text, storable

log = logging.getLogger(__name__)

KINDS = ("audio", "image", "video", "text")
ARTIFACT_NAME_RE = re.compile(r"\b(?:audio|image|video|text)/[0-9a-f]{8}\.[a-z0-9]{2,5}\b")
SESSION_ID_RE = re.compile(r"^[0-9a-f]{12}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created REAL NOT NULL, title TEXT);
CREATE TABLE IF NOT EXISTS artifacts (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    label TEXT,
    sample_rate INTEGER, channels INTEGER, duration_s REAL,
    provenance TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (session_id, name)
);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    idx INTEGER NOT NULL,
    user_text TEXT NOT NULL,
    reply_text TEXT NOT NULL,
    response TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (session_id, idx)
);
-- Uploads of a turn that has not been saved yet, and the process running it. A turn's save
-- deletes its rows; rows of a process that died (kill -9) name uploads without a turn.
CREATE TABLE IF NOT EXISTS pending_uploads (
    session_id TEXT NOT NULL,
    name TEXT NOT NULL,
    pid INTEGER NOT NULL,
    PRIMARY KEY (session_id, name)
);
"""


@dataclass
class Artifact:
    """A file of a session, with its format facts and where it came from."""

    name: str
    kind: str
    path: Path
    label: str | None = None  # the uploaded file's original name
    sample_rate: int | None = None
    channels: int | None = None
    duration_s: float | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    created: float = 0.0

    def describe(self) -> str:
        """One line for prompts and observations."""
        facts = [self.kind]
        if self.duration_s is not None:
            facts.append(f"{self.duration_s:.1f} s, {self.sample_rate} Hz, {self.channels} ch")
        tool = self.provenance.get("tool")
        facts.append(f"made by {tool}" if tool and tool != "upload" else f'uploaded as "{self.label}"')
        return f"{self.name} ({'; '.join(facts)})"

    def session_file(self) -> SessionFile:
        """This file as the engines see it (data, not a line of the prompt): name, upload name, maker, length."""
        tool = self.provenance.get("tool")
        made = tool if tool and tool != "upload" else None
        return SessionFile(self.name, None if made else self.label, made, self.duration_s)


class SessionStore:
    """All sessions of one workspace. Thread-safe; every write is a committed transaction."""

    def __init__(self, workspace: str | os.PathLike[str]) -> None:
        self.root = Path(workspace).expanduser().resolve()
        (self.root / "sessions").mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.root / "audiogpt.db", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: every commit is atomic and survives the process dying at any point; only an OS
        # crash or power cut can roll back the last commits (the files, written without fsync, are no
        # more durable than that). FULL would fsync every commit: 5-8 ms of each turn here.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._drop_orphan_uploads()

    def _drop_orphan_uploads(self) -> None:
        """Remove uploads whose turn was never saved because its process died (kill -9, power loss)."""
        with self.transaction() as db:
            rows = db.execute("SELECT session_id, name, pid FROM pending_uploads").fetchall()
            dead = [(sid, name) for sid, name, pid in rows if not _alive(pid)]
            for sid, name in dead:
                db.execute("DELETE FROM artifacts WHERE session_id = ? AND name = ?", (sid, name))
                db.execute("DELETE FROM pending_uploads WHERE session_id = ? AND name = ?", (sid, name))
        for sid, name in dead:
            (self.root / "sessions" / sid / name).unlink(missing_ok=True)
            log.info("removed %s of session %s: uploaded by a turn that never finished", name, sid)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def create(self, title: str | None = None) -> Session:
        sid = uuid.uuid4().hex[:12]
        with self.transaction() as db:
            db.execute("INSERT INTO sessions VALUES (?, ?, ?)", (sid, time.time(), title))
        (self.root / "sessions" / sid).mkdir(parents=True, exist_ok=True)
        return Session(self, sid)

    def open(self, session_id: str) -> Session:
        if not SESSION_ID_RE.match(session_id or ""):
            raise UserError(f"{session_id!r} is not a session id (12 hex characters)")
        with self._lock:
            row = self._db.execute("SELECT id FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise UserError(f"session {session_id} does not exist in {self.root}")
        return Session(self, session_id)

    def open_or_create(self, session_id: str | None) -> Session:
        return self.open(session_id) if session_id else self.create()

    def list_sessions(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT id FROM sessions ORDER BY created").fetchall()
        return [r[0] for r in rows]

    def info(self, session_id: str) -> dict[str, Any]:
        """``id``, ``created`` (epoch seconds), ``title`` (or the first request), ``turns`` and ``files`` counts."""
        with self._lock:
            row = self._db.execute(
                "SELECT s.created, s.title, (SELECT user_text FROM turns t WHERE t.session_id = s.id AND t.idx = 0), "
                "(SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id), "
                "(SELECT COUNT(*) FROM artifacts a WHERE a.session_id = s.id) FROM sessions s WHERE s.id = ?",
                (session_id,),
            ).fetchone()
        if row is None:
            raise UserError(f"session {session_id} does not exist in {self.root}")
        created, title, first, turns, files = row
        return {"id": session_id, "created": created, "title": title or first, "turns": turns, "files": files}

    def delete(self, session_id: str) -> None:
        """Remove a session for good: its turns, its files' records and every file on disk."""
        sess = self.open(session_id)  # refuses malformed and unknown ids
        with self.transaction() as db:
            db.execute("DELETE FROM turns WHERE session_id = ?", (session_id,))
            db.execute("DELETE FROM artifacts WHERE session_id = ?", (session_id,))
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        shutil.rmtree(sess.dir, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Session:
    """One conversation's files and turns."""

    def __init__(self, store: SessionStore, session_id: str) -> None:
        self.store = store
        self.id = session_id
        self.dir = store.root / "sessions" / session_id

    # ---- artifacts -------------------------------------------------------------------------
    def artifacts(self) -> list[Artifact]:
        """Every file of this session, oldest first."""
        with self.store._lock:
            rows = self.store._db.execute(
                "SELECT name, kind, label, sample_rate, channels, duration_s, provenance, created "
                "FROM artifacts WHERE session_id = ? ORDER BY created, rowid",
                (self.id,),
            ).fetchall()
        return [self._row_to_artifact(r) for r in rows]

    def _row_to_artifact(self, r: tuple[Any, ...]) -> Artifact:
        return Artifact(
            name=r[0],
            kind=r[1],
            path=self.dir / r[0],
            label=r[2],
            sample_rate=r[3],
            channels=r[4],
            duration_s=r[5],
            provenance=json.loads(r[6]),
            created=r[7],
        )

    def resolve(self, name: str) -> Artifact:
        """The artifact called ``name`` (or uploaded under that file name) in this session only."""
        name = (name or "").strip().strip("'\"`")
        if not name:
            raise UserError("no file name was given")
        files = self.artifacts()
        listing = ", ".join(a.name + (f" ({a.label})" if a.label else "") for a in files) or "no files yet"
        shown = clean_text(name)[:200]
        if name.startswith(("/", "\\", "~")) or ".." in name.split("/") or "\\" in name or "\x00" in name:
            # Never read outside the session, and never substitute another file for the one named.
            raise UserError(
                f"I don't have {shown}; this session has: {listing} "
                "(paths are not accepted: name a file of this session)"
            )
        for art in files:
            if art.name == name:
                return art
        by_label = [a for a in files if a.label == name]
        if len(by_label) >= 1:
            return by_label[-1]  # the newest upload under that name
        raise UserError(f"I don't have {shown}; this session has: {listing}")

    def _new_name(self, kind: str, ext: str) -> str:
        return f"{kind}/{uuid.uuid4().hex[:8]}{ext}"

    def _register(self, art: Artifact, pending: bool = False) -> Artifact:
        art.created = time.time()
        with self.store.transaction() as db:
            if pending:
                db.execute("INSERT INTO pending_uploads VALUES (?, ?, ?)", (self.id, art.name, os.getpid()))
            db.execute(
                "INSERT INTO artifacts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.id,
                    art.name,
                    art.kind,
                    storable(art.label),
                    art.sample_rate,
                    art.channels,
                    art.duration_s,
                    json.dumps(art.provenance, default=str),
                    art.created,
                ),
            )
        return art

    def save_audio(
        self, audio: Audio, provenance: dict[str, Any], ext: str = ".wav", subtype: str | None = None
    ) -> Artifact:
        """Store a tool's audio output as a new artifact (the inputs are never modified)."""
        name = self._new_name("audio", ext)
        path = save_audio(audio, self.dir / name, subtype=subtype)
        art = Artifact(name, "audio", path, None, audio.sample_rate, audio.channels, audio.duration_s, provenance)
        return self._register(art)

    def save_file(
        self, kind: str, ext: str, data: bytes, provenance: dict[str, Any], label: str | None = None,
        pending: bool = False,
    ) -> Artifact:  # fmt: skip
        """Store bytes (an image, a video, a text) atomically as a new artifact."""
        name = self._new_name(kind, ext)
        target = self.dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(target, data)
        return self._register(Artifact(name, kind, target, label, provenance=provenance), pending)

    def ingest(
        self, path: str | os.PathLike[str], max_upload_mb: float, max_duration_s: float,
        limits: DecodeLimits = DEFAULT_DECODE_LIMITS, pending: bool = False,
    ) -> Artifact:  # fmt: skip
        """Copy a user's file into the session after checking it; the original is untouched.

        ``pending``: the upload belongs to a turn being run; it is kept when that turn is saved
        (:meth:`add_turn`) and removed at the next start if the process dies first.
        """
        src = Path(path)
        label = src.name
        if not src.is_file():  # a directory, FIFO or device would hang or mislead a decoder
            raise UserError(f"{label}: no such file" if not src.exists() else f"{label} is not a regular file")
        size_mb = src.stat().st_size / 2**20
        if size_mb > max_upload_mb:
            raise UserError(f"{label} is {size_mb:.0f} MB; the upload limit is {max_upload_mb:.0f} MB")
        ext = src.suffix.lower()
        if ext in AUDIO_EXTENSIONS or ext == "":
            audio = load_audio(src, max_duration_s=max_duration_s, name=label, limits=limits)  # raises AudioError
            name = self._new_name("audio", ext or ".wav")
            target = self.dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(".tmp-" + target.name)
            shutil.copyfile(src, tmp)
            os.replace(tmp, target)
            art = Artifact(
                name, "audio", target, label, audio.sample_rate, audio.channels, audio.duration_s,
                {"tool": "upload", "source": label},
            )  # fmt: skip
            return self._register(art, pending)
        if ext in VIDEO_EXTENSIONS:
            _check_video(src, label)
        for kind, exts in (("image", IMAGE_EXTENSIONS), ("video", VIDEO_EXTENSIONS)):
            if ext in exts:
                return self.save_file(kind, ext, src.read_bytes(), {"tool": "upload", "source": label}, label, pending)
        raise AudioError(
            f"{label}: unsupported file type {ext!r}; audio {', '.join(AUDIO_EXTENSIONS)} or images/videos are accepted"
        )

    def remove(self, name: str) -> None:
        """Delete one file of this session (its record and the file on disk)."""
        art = self.resolve(name)
        with self.store.transaction() as db:
            db.execute("DELETE FROM artifacts WHERE session_id = ? AND name = ?", (self.id, art.name))
        art.path.unlink(missing_ok=True)

    def load(
        self, name: str, max_duration_s: float | None = None, limits: DecodeLimits = DEFAULT_DECODE_LIMITS
    ) -> tuple[Artifact, Audio]:
        """Resolve and read an audio artifact."""
        art = self.resolve(name)
        if art.kind != "audio":
            raise UserError(f"{art.name} is a {art.kind} file, not audio")
        return art, load_audio(art.path, max_duration_s=max_duration_s, name=art.name, limits=limits)

    # ---- turns -----------------------------------------------------------------------------
    def add_turn(self, user_text: str, reply_text: str, response: dict[str, Any]) -> None:
        with self.store.transaction() as db:
            (idx,) = db.execute("SELECT COUNT(*) FROM turns WHERE session_id = ?", (self.id,)).fetchone()
            row = (self.id, idx, storable(user_text), storable(reply_text), json.dumps(response, default=str))
            db.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?)", (*row, time.time()))
            db.execute("DELETE FROM pending_uploads WHERE session_id = ? AND pid = ?", (self.id, os.getpid()))

    def turns(self) -> list[tuple[str, str]]:
        """(user text, reply text) of every earlier turn, oldest first."""
        with self.store._lock:
            rows = self.store._db.execute(
                "SELECT user_text, reply_text FROM turns WHERE session_id = ? ORDER BY idx", (self.id,)
            ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def turn_records(self) -> list[dict[str, Any]]:
        """Every turn, oldest first: ``index``, ``request``, ``reply``, ``response`` (its JSON), ``created``."""
        with self.store._lock:
            rows = self.store._db.execute(
                "SELECT idx, user_text, reply_text, response, created FROM turns WHERE session_id = ? ORDER BY idx",
                (self.id,),
            ).fetchall()
        return [{"index": r[0], "request": r[1], "reply": r[2], "response": json.loads(r[3]), "created": r[4]}
                for r in rows]  # fmt: skip


def _check_video(path: Path, label: str) -> None:
    """Refuse a "video" that FFmpeg (through PyAV) cannot open or that holds no streams."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video and not container.streams.audio:
                raise UserError(f"{label} holds no video or audio stream")
    except (av.error.FFmpegError, OSError) as exc:
        log.info("FFmpeg cannot open %s: %s", label, str(exc)[:200])
        raise UserError(f"{label} is not a readable video file (or the file is damaged)") from exc


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a reused pid counts as alive: never delete a live turn's files)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _atomic_write(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
