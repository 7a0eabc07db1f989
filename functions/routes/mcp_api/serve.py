"""``POST /mcp``: the product as an MCP server (decision 0186), the official SDK's streamable HTTP
transport, stateless and answering JSON, mounted on the api (a Flask function). Each request is
handed to a fresh stateless session manager on an event loop of its own, its caller (a key's or
session's person, authenticated by the api) set for the tools (``workspace_tools``)."""

import asyncio
from collections.abc import MutableMapping
from typing import Any

from flask import Response

from functions._http import JSON_BODY_LIMIT, Reply, parse_json, read_body
from functions.routes import Call
from functions.routes.mcp_api import workspace_tools
from functions.routes.mcp_api.models import McpMessage

# What the SDK is not handed of the request: the caller's credentials (it never needs them), and what
# this route sets itself: a JSON body, and an answer in JSON (a client may also take an event stream).
_KEPT_BACK = frozenset({"authorization", "cookie", "accept", "content-type"})
_SET = [(b"accept", b"application/json, text/event-stream"), (b"content-type", b"application/json")]
_ANSWER_HEADERS = frozenset({"content-type", "mcp-session-id"})


def post_mcp(call: Call) -> Reply:
    parse_json(call.request, McpMessage)  # a 400 in the api's words for what is no MCP message
    body = read_body(call.request, JSON_BODY_LIMIT)
    headers = _SET + [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in call.request.headers.items()
        if name.lower() not in _KEPT_BACK
    ]
    token = workspace_tools.CALLER.set(call)
    try:
        status, answered, payload = asyncio.run(_served(headers, body))
    finally:
        workspace_tools.CALLER.reset(token)
    kept = {k: v for k, v in answered if k.lower() in _ANSWER_HEADERS}
    return Response(payload, status=status, headers=kept)


async def _served(
    headers: list[tuple[bytes, bytes]], body: bytes
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One HTTP request through the SDK's stateless session manager: its status, headers and body."""
    import anyio
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

    manager = StreamableHTTPSessionManager(
        workspace_tools.server()._mcp_server,  # the SDK's own way to mount a FastMCP's server
        json_response=True,
        stateless=True,
    )
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": "/mcp",
        "raw_path": b"/mcp",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 443),
    }
    answer: dict[str, Any] = {"status": 500, "headers": [], "body": []}
    given, done = False, anyio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()  # the client stays until the answer is sent
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = [
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])
            ]
        elif message["type"] == "http.response.body":
            answer["body"].append(message.get("body", b""))
            if not message.get("more_body"):
                done.set()

    async with manager.run():
        await manager.handle_request(scope, receive, send)
    return int(answer["status"]), answer["headers"], b"".join(answer["body"])
