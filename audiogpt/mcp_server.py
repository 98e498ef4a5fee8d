"""The MCP server: ``audiogpt mcp`` (stdio) and ``audiogpt mcp --http`` (streamable HTTP).

Built on the official MCP Python SDK (``mcp`` 2.x, its low-level ``Server``, so each tool keeps
the catalog's own JSON schema). Every catalog tool is an MCP tool, plus ``agent``, which takes a
whole request in plain language. Each MCP client gets one AudioGPT session, made on first use:
local files named in a call are ingested into it, and the files a call makes come back as
resource links (``audiogpt://<session>/audio/3f9a1c2e.wav``, readable with ``resources/read`` by
that client only) and, for local clients, as paths in the structured result.

The module is not called ``mcp.py``: that would shadow the SDK's package.
"""

from __future__ import annotations

import base64
import copy
import logging
import mimetypes
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiogpt.errors import UserError
from audiogpt.events import EventCallback
from audiogpt.frontend import available_tools
from audiogpt.response import Response, ResponseGenerator
from audiogpt.session import ARTIFACT_NAME_RE
from audiogpt.wording import tool_title

if TYPE_CHECKING:
    from mcp.server import Server

    from audiogpt.agent import Agent
    from audiogpt.session import Session

log = logging.getLogger(__name__)

URI_SCHEME = "audiogpt"
AGENT_TOOL = "agent"
TOKEN_META_KEY = "audiogpt/session_token"  # `_meta` key a stateless HTTP client continues its session with
_PATH_HINT = " Or a local file path: the file is added to this client's session first."
AGENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "request": {"type": "string", "minLength": 1, "maxLength": 5000,
                    "description": "what to do, in plain language, e.g. 'clean up this clip, then transcribe it'"},
        "files": {"type": "array", "items": {"type": "string"}, "maxItems": 20, "default": [],
                  "description": "local paths of files the request is about"},
        "speak": {"type": "boolean", "default": False, "description": "also speak the reply (an audio file)"},
    },
    "required": ["request"],
    "additionalProperties": False,
}  # fmt: skip


class ClientSessions:
    """One AudioGPT session per MCP client, made on first use.

    A client is known by a key: over stdio the server process has exactly one client; over HTTP
    it is the MCP session id (``Mcp-Session-Id``) of a stateful connection, or else the secret
    ``session_token`` a result gave it, sent back in the request's ``_meta`` under
    :data:`TOKEN_META_KEY` (the stateless protocol has no connection to remember). A call with
    neither gets a new session.
    """

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self._by_client: dict[str, str] = {}
        self._lock = threading.Lock()

    def of(self, key: str | None) -> tuple[Session, str]:
        """The client's session and its key (a new token when the client had none)."""
        with self._lock:
            if key is None or key not in self._by_client:
                key = key or "token:" + secrets.token_urlsafe(24)
                self._by_client[key] = self.agent.new_session()
            sid = self._by_client[key]
        return self.agent.store.open(sid), key

    def known(self, key: str | None) -> Session | None:
        sid = self._by_client.get(key) if key is not None else None
        return self.agent.store.open(sid) if sid else None


def tool_schema(spec_schema: dict[str, Any]) -> dict[str, Any]:
    """The catalog schema with file fields also accepting a local path (said in their description)."""
    schema = copy.deepcopy(spec_schema)
    for prop in schema.get("properties", {}).values():
        if prop.get("artifact_kind"):
            prop["description"] = (prop.get("description") or "") + _PATH_HINT
    return schema


def local_file(value: Any, roots: list[Path] | None) -> Path | None:
    """``value`` as a local file to read, or None when it is not one (e.g. an artifact name).

    ``roots``: folders such files must lie in (None: any readable file, for a local stdio client).
    """
    if not isinstance(value, str) or not value.strip() or ARTIFACT_NAME_RE.fullmatch(value.strip()):
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        return None
    if roots is not None and not any(path.resolve().is_relative_to(r.resolve()) for r in roots):
        raise UserError(f"{path.name}: local files are only read from the folders the server allows")
    return path


def ingest_paths(sess: Session, agent: Agent, args: dict[str, Any], file_fields: dict[str, str],
                 roots: list[Path] | None) -> dict[str, Any]:  # fmt: skip
    """Arguments with each local file path replaced by the name it gets in the session; any other
    value is left as is (an artifact name, or a mistake the handler will explain)."""
    limits = agent.settings.limits
    out = dict(args)

    def one(value: Any) -> Any:
        path = local_file(value, roots)
        return sess.ingest(path, limits.max_upload_mb, limits.max_duration_s).name if path else value

    for name in file_fields:
        if name in out:
            out[name] = [one(v) for v in out[name]] if isinstance(out[name], list) else one(out[name])
    return out


def file_fields(input_schema: dict[str, Any]) -> dict[str, str]:
    """The file arguments of a tool (name → artifact kind) from its JSON schema."""
    return {
        name: str(prop["artifact_kind"])
        for name, prop in input_schema.get("properties", {}).items()
        if prop.get("artifact_kind")
    }


def result_content(resp: Response, with_paths: bool) -> tuple[list[Any], dict[str, Any]]:
    """(content blocks, structured result) for a Response: its text, and a link per file made."""
    import mcp_types as types

    blocks: list[Any] = [types.TextContent(text=resp.text)]
    files = []
    for art in resp.artifacts:
        uri = f"{URI_SCHEME}://{resp.session_id}/{art.name}"
        mime = mimetypes.guess_type(art.name)[0] or "application/octet-stream"
        title = art.label or art.name
        blocks.append(types.ResourceLink(uri=uri, name=title, mime_type=mime, size=Path(art.path).stat().st_size))
        entry = {"name": art.name, "kind": art.kind, "uri": uri, "duration_s": art.duration_s,
                 "sample_rate": art.sample_rate, "tool": art.tool}  # fmt: skip
        if with_paths:
            entry["path"] = art.path
        files.append(entry)
    calls = [{"tool": c.tool, "args": c.args, "ok": c.ok} for c in resp.tool_calls]
    structured = {"text": resp.text, "ok": resp.ok, "error": resp.error, "session_id": resp.session_id,
                  "files": files, "tool_calls": calls}  # fmt: skip
    return blocks, structured


def create_server(agent: Agent, local_client: bool = True, roots: list[Path] | None = None) -> Server[Any]:
    """The MCP server over ``agent``. ``local_client``: the client runs on this machine (stdio), so
    results carry file paths and any readable local file may be named; else only files under
    ``roots`` (none by default) are read."""
    import anyio
    import mcp_types as types
    from mcp.server import Server

    from audiogpt.handler import TaskHandler

    sessions = ClientSessions(agent)

    def client(ctx: Any) -> str | None:
        if local_client:
            return "stdio"
        token = (ctx.meta or {}).get(TOKEN_META_KEY)
        if isinstance(token, str) and token:
            return "token:" + token
        headers = getattr(ctx.request, "headers", None)  # the HTTP request, over streamable HTTP
        session_id = headers.get("mcp-session-id") if headers is not None else None
        return "mcp:" + session_id if session_id else None

    specs = {spec.name: spec for spec in available_tools(agent)}
    schemas = {name: spec.input_model.model_json_schema() for name, spec in specs.items()}
    allowed_roots = None if local_client else list(roots or [])

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        tools = [types.Tool(name=AGENT_TOOL, description="Do a whole request in plain language with AudioGPT "
                            "(it picks and chains the audio tools itself).", input_schema=AGENT_SCHEMA)]  # fmt: skip
        tools += [types.Tool(name=n, description=specs[n].description, input_schema=tool_schema(schemas[n]))
                  for n in specs]  # fmt: skip
        return types.ListToolsResult(tools=tools)

    def run_tool(sess: Session, name: str, args: dict[str, Any], on_event: EventCallback | None) -> Response:
        if name == AGENT_TOOL:
            files = []
            for f in args.get("files") or []:
                path = local_file(f, allowed_roots)
                if path is None:
                    raise UserError(f"{Path(str(f)).name}: no such local file")
                files.append(path)
            return agent.run(str(args.get("request") or ""), files=files, session=sess.id,
                             speak=bool(args.get("speak")), on_event=on_event)  # fmt: skip
        if name not in specs:
            raise UserError(f"{name!r} is not a tool of this server; tools: {AGENT_TOOL}, {', '.join(specs)}")
        args = ingest_paths(sess, agent, args, file_fields(schemas[name]), allowed_roots)
        handler = TaskHandler(sess, agent.pool, agent.settings.limits)
        handler.on_event = on_event
        obs = handler.call(name, args)
        resp = ResponseGenerator(sess).build(obs.content, [obs], error=None if obs.ok else obs.error)
        sess.add_turn(f"{name} {args}", obs.content, resp.to_dict())
        return resp

    def progress_reporter(ctx: Any) -> EventCallback | None:
        """Steps and model progress as MCP progress notifications, when the client asked for them."""
        token = (ctx.meta or {}).get("progress_token")
        if token is None:
            return None
        count = [0]

        def on_event(kind: str, data: dict[str, Any]) -> None:  # called in the worker thread
            count[0] += 1
            what = tool_title(data.get("tool", ""))
            if kind == "progress":
                message = f"{what}: {data.get('what') or 'working'} {data.get('done')}/{data.get('total')}"
            else:
                message = f"{what} {data.get('phase')}" + ("" if data.get("ok", True) else " (failed)")
            anyio.from_thread.run(ctx.session.send_progress_notification, token, float(count[0]), None, message,
                                  ctx.request_id)  # fmt: skip

        return on_event

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        sess, key = sessions.of(client(ctx))
        args = dict(params.arguments or {})
        try:
            on_event = progress_reporter(ctx)
            resp = await anyio.to_thread.run_sync(lambda: run_tool(sess, params.name, args, on_event))
        except UserError as exc:
            return types.CallToolResult(content=[types.TextContent(text=f"Error: {exc}")], is_error=True)
        except Exception:
            log.exception("MCP tool %s failed", params.name)
            text = f"Error: {params.name} failed unexpectedly; the session is intact"
            return types.CallToolResult(content=[types.TextContent(text=text)], is_error=True)
        blocks, structured = result_content(resp, with_paths=local_client)
        if key.startswith("token:"):
            structured["session_token"] = key.removeprefix("token:")  # send it back in _meta to continue
        return types.CallToolResult(content=blocks, structured_content=structured, is_error=not resp.ok)

    def own_file(ctx: Any, uri: str) -> Path:
        prefix = f"{URI_SCHEME}://"
        sess = sessions.known(client(ctx))
        sid, _, name = uri.removeprefix(prefix).partition("/")
        if not uri.startswith(prefix) or sess is None or sid != sess.id:
            raise UserError(f"{uri} is not a file of this client's session")
        art = sess.resolve(name)
        if art.name != name:
            raise UserError(f"{uri} is not a file of this client's session")
        return art.path

    async def list_resources(ctx: Any, params: Any) -> types.ListResourcesResult:
        sess = sessions.known(client(ctx))
        arts = sess.artifacts() if sess else []
        return types.ListResourcesResult(resources=[
            types.Resource(uri=f"{URI_SCHEME}://{sess.id}/{a.name}", name=a.label or a.name,
                           mime_type=mimetypes.guess_type(a.name)[0] or "application/octet-stream")
            for a in arts if sess is not None
        ])  # fmt: skip

    async def read_resource(ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        from mcp.shared.exceptions import MCPError

        try:
            path = own_file(ctx, str(params.uri))
        except UserError as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from None
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        blob = base64.b64encode(path.read_bytes()).decode()
        return types.ReadResourceResult(
            contents=[types.BlobResourceContents(uri=params.uri, mime_type=mime, blob=blob)]
        )

    from audiogpt import __version__

    return Server(
        "audiogpt",
        version=__version__,
        instructions="Audio tools: transcribe, speak, detect sounds, clean and edit audio. Name local files by path.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )


def run_stdio(agent: Agent) -> None:
    """Serve one local client over stdin/stdout until it disconnects."""
    import anyio
    from mcp.server.stdio import stdio_server

    server = create_server(agent, local_client=True)

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)


def run_http(agent: Agent, host: str, port: int, roots: list[Path] | None = None,
             serve: Callable[..., None] | None = None) -> None:  # fmt: skip
    """Serve MCP over streamable HTTP at ``http://host:port/mcp``."""
    import uvicorn

    server = create_server(agent, local_client=False, roots=roots)
    (serve or uvicorn.run)(server.streamable_http_app(), host=host, port=port, log_level="warning")
