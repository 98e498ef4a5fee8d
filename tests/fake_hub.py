"""A tiny Hugging Face Hub on 127.0.0.1, enough for ``huggingface_hub.snapshot_download``.

It answers the endpoints the client calls, with the headers it reads:
``GET /api/models/{repo}/revision/{rev}`` (the commit sha), ``GET /api/models/{repo}/tree/{rev}``
(paths, sizes, git blob ids, LFS sha256), ``HEAD|GET /{repo}/resolve/{rev}/{file}``
(``X-Repo-Commit``, ``ETag``/``X-Linked-Etag``, ``X-Linked-Size``, ``Range`` for resumes).
Knobs for the failure tests: gated repos (401 + ``X-Error-Code: GatedRepo`` without the right
token), cutting a file's first N transfers part-way, serving bytes that differ from the checksum.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".ckpt")


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class FakeRepo:
    files: dict[str, bytes]
    commit: str = "0123456789abcdef0123456789abcdef01234567"
    gated_token: str | None = None  # when set, only this bearer token may read the repo
    corrupt: set[str] = field(default_factory=set)  # files served with one byte flipped
    cut: dict[str, int] = field(default_factory=dict)  # file -> how many GETs to cut half-way

    def is_lfs(self, path: str) -> bool:
        return path.endswith(LFS_SUFFIXES)

    def tree(self) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for path, data in sorted(self.files.items()):
            entry: dict[str, object] = {"type": "file", "path": path, "size": len(data), "oid": git_blob_sha1(data)}
            if self.is_lfs(path):
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
            out.append(entry)
        return out


class FakeHub:
    """``with FakeHub({"owner/name": FakeRepo(...)}) as hub: hub.url``; ``hub.requests`` logs (method, path, range)."""

    def __init__(self, repos: dict[str, FakeRepo]) -> None:
        self.repos = repos
        self.requests: list[tuple[str, str, str | None]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_HEAD(self) -> None:
                hub._serve(self, head=True)

            def do_GET(self) -> None:
                hub._serve(self, head=False)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _find(self, parts: list[str]) -> tuple[str, FakeRepo, list[str]] | None:
        repo_id = "/".join(parts[:2])
        repo = self.repos.get(repo_id)
        return (repo_id, repo, parts[2:]) if repo else None

    def _serve(self, h: BaseHTTPRequestHandler, head: bool) -> None:
        url = urlsplit(h.path)
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        self.requests.append((h.command, url.path, h.headers.get("Range")))
        api = parts[:2] == ["api", "models"]
        found = self._find(parts[2:] if api else parts)
        if found is None:
            return self._send(h, 404, b'{"error":"Repository not found"}', {"X-Error-Code": "RepoNotFound"})
        repo_id, repo, rest = found
        if repo.gated_token and h.headers.get("Authorization") != f"Bearer {repo.gated_token}":
            msg = f"Access to model {repo_id} is restricted. You must have access to it and be authenticated."
            return self._send(
                h, 401, json.dumps({"error": msg}).encode(), {"X-Error-Code": "GatedRepo", "X-Error-Message": msg}
            )
        if api and rest[:1] == ["revision"]:
            body = {"id": repo_id, "sha": repo.commit, "siblings": [{"rfilename": p} for p in sorted(repo.files)]}
            return self._send(h, 200, json.dumps(body).encode(), {"Content-Type": "application/json"})
        if api and rest[:1] == ["tree"]:
            return self._send(h, 200, json.dumps(repo.tree()).encode(), {"Content-Type": "application/json"})
        if not api and rest[:1] == ["resolve"] and len(rest) >= 3:
            return self._file(h, repo, "/".join(rest[2:]), head)
        return self._send(h, 404, b"{}", {"X-Error-Code": "EntryNotFound"})

    def _file(self, h: BaseHTTPRequestHandler, repo: FakeRepo, path: str, head: bool) -> None:
        data = repo.files.get(path)
        if data is None:
            return self._send(h, 404, b"{}", {"X-Error-Code": "EntryNotFound"})
        etag = hashlib.sha256(data).hexdigest() if repo.is_lfs(path) else git_blob_sha1(data)
        headers = {"X-Repo-Commit": repo.commit, "ETag": f'"{etag}"', "Accept-Ranges": "bytes"}
        if repo.is_lfs(path):
            headers.update({"X-Linked-Etag": f'"{etag}"', "X-Linked-Size": str(len(data))})
        if head:
            return self._send(h, 200, b"", headers, length=len(data))
        if path in repo.corrupt:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        start = 0
        rng = h.headers.get("Range")
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
        body = data[start:]
        status = 206 if start else 200
        if start:
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        if repo.cut.get(path, 0) > 0:  # promise the whole body, send half, hang up
            repo.cut[path] -= 1
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            h.close_connection = True
            return
        self._send(h, status, body, headers)

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str], length: int | None = None
    ) -> None:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body) if length is None else length))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)


def repo_from_folder(folder: Path, **kw: object) -> FakeRepo:
    """A fake repo holding every file of a ``save_pretrained`` folder."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    return FakeRepo(files=files, **kw)  # type: ignore[arg-type]
