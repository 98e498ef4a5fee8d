"""The chat UI serves a session's files only as unguessable cached copies, never the workspace."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf

from audiogpt.agent import Agent
from audiogpt.config import load_settings
from audiogpt.ui import launch
from tests.live import TrimNewestFile

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def file_urls(data: Any) -> list[str]:
    return sorted({u for u in _strings(data) if "/gradio_api/file=" in u})


def _strings(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, (list, tuple)):
        return [s for v in data for s in _strings(v)]
    return [data] if isinstance(data, str) else []


def one_turn(base: str, wav: Path, auth: tuple[str, str] | None = None) -> Any:
    from gradio_client import Client, handle_file

    client = Client(base, download_files=False, verbose=False, auth=auth)
    message = {"text": "keep the first 0.5 s", "files": [handle_file(str(wav))]}
    return client.predict(message, False, api_name="/respond")


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    path = tmp_path / "mine.wav"
    sf.write(path, np.full(16000, 0.1, dtype=np.float32), 16000)
    return path


def test_a_guessed_workspace_url_gets_nothing(wav: Path, _workspace: Path) -> None:
    agent = Agent(load_settings(preload=[]), engine=TrimNewestFile())
    port = free_port()
    demo = launch(agent, port=port, block=False)
    try:
        base = f"http://127.0.0.1:{port}"
        history = one_turn(base + "/", wav)
        urls = file_urls(history)
        assert len(urls) >= 3  # the upload, the trimmed file, its picture
        (session,) = agent.store.list_sessions()
        made = [a for a in agent.store.open(session).artifacts() if a.provenance.get("tool") == "trim_audio"]
        with httpx.Client(timeout=30) as http:
            for url in urls:  # what this browser was given works …
                assert http.get(url).status_code == 200, url
            # … but the workspace's own files, and the UI's staging copies, are not served to anyone
            for path in [made[0].path, agent.store.root / "audiogpt.db"]:
                assert http.get(f"{base}/gradio_api/file={path}").status_code in (403, 404), path
            staged = [p for p in Path(tempfile.gettempdir()).glob("audiogpt-ui-*/*/*") if p.is_file()]
            assert staged and http.get(f"{base}/gradio_api/file={staged[0]}").status_code in (403, 404)
        assert not demo.allowed_paths
    finally:
        demo.close()


def test_with_auth_nothing_is_served_before_login(wav: Path) -> None:
    agent = Agent(load_settings(preload=[]), engine=TrimNewestFile())
    port = free_port()
    demo = launch(agent, port=port, block=False, auth=("ann", "s3cret-pw"))
    try:
        base = f"http://127.0.0.1:{port}"
        urls = file_urls(one_turn(base + "/", wav, auth=("ann", "s3cret-pw")))
        assert urls
        with httpx.Client(timeout=30) as http:
            assert http.get(urls[0]).status_code in (401, 403)
            assert http.post(f"{base}/gradio_api/call/respond", json={"data": []}).status_code in (401, 403)
    finally:
        demo.close()
