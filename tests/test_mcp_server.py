"""The MCP server through the official SDK's own client, over stdio, on the real tools."""

from __future__ import annotations

import base64
import io
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import numpy as np
import pytest
import soundfile as sf

from audiogpt.config import load_settings
from audiogpt.frontend import available_tools
from foundation_models.pool import ModelPool

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def stdio_params(workspace: Path) -> Any:
    from mcp.client.stdio import StdioServerParameters

    env = {**os.environ, "AUDIOGPT_WORKSPACE": str(workspace), "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    return StdioServerParameters(command=sys.executable, args=["-m", "audiogpt.cli", "mcp", "--engine", "offline"],
                                 env=env, cwd=str(ROOT))  # fmt: skip


def test_catalog_tools_files_and_the_agent_over_stdio(tmp_path: Path, _workspace: Path) -> None:
    from mcp import Client

    clip = tmp_path / "street noise.wav"
    sf.write(clip, np.full(16000, 0.1, dtype=np.float32), 16000)
    settings = load_settings()
    expected = {s.name: s.input_model.model_json_schema() for s in available_tools(_Pool(settings))}

    async def session() -> None:
        async with Client(stdio_params(_workspace), read_timeout_seconds=120) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert set(tools) == {"agent", *expected}
            trim = tools["trim_audio"].input_schema
            assert trim["properties"]["end_s"] == expected["trim_audio"]["properties"]["end_s"]
            assert "local file path" in trim["properties"]["audio"]["description"]

            heard: list[tuple[float, str | None]] = []

            async def progress(done: float, total: float | None, message: str | None) -> None:
                heard.append((done, message))

            first = await client.call_tool("trim_audio", {"audio": str(clip), "end_s": 0.5}, progress_callback=progress)
            assert [m for _, m in heard] == ["Trim started", "Trim finished"]  # the steps as MCP progress
            assert not first.is_error, first.content
            assert "trim_audio succeeded" in first.content[0].text
            link = first.content[1]
            assert (
                link.type == "resource_link" and link.uri.startswith("audiogpt://") and link.mime_type == "audio/x-wav"
            )
            made = first.structured_content["files"][0]
            assert Path(made["path"]).is_file() and made["duration_s"] == pytest.approx(0.5, abs=0.01)
            blob = (await client.read_resource(link.uri)).contents[0].blob
            assert sf.info(io.BytesIO(base64.b64decode(blob))).duration == pytest.approx(0.5, abs=0.01)

            # the same client keeps its session: the first result is named in the second call
            second = await client.call_tool("trim_audio", {"audio": made["name"], "end_s": 0.25})
            assert (
                not second.is_error
                and second.structured_content["session_id"] == first.structured_content["session_id"]
            )
            assert second.structured_content["files"][0]["duration_s"] == pytest.approx(0.25, abs=0.01)

            # a whole request in plain language, with a local file
            whole = await client.call_tool(
                "agent", {"request": "cut the first 0.5 seconds of this", "files": [str(clip)]}
            )
            assert not whole.is_error, whole.content
            assert [c["tool"] for c in whole.structured_content["tool_calls"]] == ["trim_audio"]
            assert whole.structured_content["files"][0]["duration_s"] == pytest.approx(0.5, abs=0.01)

            missing = await client.call_tool("trim_audio", {"audio": "nowhere.wav", "end_s": 0.5})
            assert missing.is_error and "I don't have nowhere.wav" in missing.content[0].text
            other = link.uri.replace(first.structured_content["session_id"], "0" * 12)
            with pytest.raises(Exception, match="not a file of this client"):
                await client.read_resource(other)
            listed = {r.uri for r in (await client.list_resources()).resources}
            assert link.uri in listed

    anyio.run(session)


class _Pool:
    """Just enough of an Agent for ``available_tools`` (no model is built)."""

    def __init__(self, settings: Any) -> None:
        self.pool = ModelPool(settings.models, "cpu")


def test_streamable_http_reads_only_allowed_folders(tmp_path: Path) -> None:
    from mcp import Client

    from audiogpt.agent import Agent
    from audiogpt.mcp_server import create_server
    from tests.live import TrimNewestFile, live_server

    allowed, elsewhere = tmp_path / "shared", tmp_path / "private"
    allowed.mkdir(), elsewhere.mkdir()
    for folder in (allowed, elsewhere):
        sf.write(folder / "clip.wav", np.full(16000, 0.1, dtype=np.float32), 16000)
    agent = Agent(load_settings(), engine=TrimNewestFile())
    app = create_server(agent, local_client=False, roots=[allowed]).streamable_http_app()

    async def session(base: str) -> None:
        async with Client(base + "/mcp", read_timeout_seconds=60) as client:
            ok = await client.call_tool("trim_audio", {"audio": str(allowed / "clip.wav"), "end_s": 0.5})
            assert not ok.is_error, ok.content
            assert "path" not in ok.structured_content["files"][0]  # no server paths for remote clients
            # a stateless HTTP client continues its session with the token it was given, and only with it
            name, token = ok.structured_content["files"][0]["name"], ok.structured_content["session_token"]
            meta = {"audiogpt/session_token": token}
            again = await client.call_tool("trim_audio", {"audio": name, "end_s": 0.25}, meta=meta)
            assert not again.is_error and again.structured_content["session_id"] == ok.structured_content["session_id"]
            stranger = await client.call_tool("trim_audio", {"audio": name, "end_s": 0.25})
            assert stranger.is_error and "I don't have" in stranger.content[0].text
            uri = ok.content[1].uri
            assert (await client.read_resource(uri, meta=meta)).contents[0].blob
            with pytest.raises(Exception, match="not a file of this client"):
                await client.read_resource(uri)
            refused = await client.call_tool("trim_audio", {"audio": str(elsewhere / "clip.wav"), "end_s": 0.5})
            assert refused.is_error and "only read from the folders the server allows" in refused.content[0].text

    with live_server(app, lifespan="on") as base:
        anyio.run(session, base)
