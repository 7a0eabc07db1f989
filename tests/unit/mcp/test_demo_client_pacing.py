"""local/demo_mcp.paced: the demo's MCP client (the SDK's) starts its session again after the wait a
429 names, whichever request the api refused. A 429 to the ``initialized`` notification is only
logged by the SDK, which closes the session's streams: the next request fails with anyio's
ClosedResourceError, not an HTTP error, and the demo failed on it under a busy key."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
from mcp.server.fastmcp import FastMCP

from local.demo_mcp import paced, session_calls
from local.processes import free_port

Refuse = Callable[[dict[str, Any]], bool]


def refusing(app: Any, refuse: Refuse, times: int) -> Any:
    """``app``, but the first ``times`` JSON-RPC messages ``refuse`` picks are answered 429."""
    left = [times]

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if left[0] > 0 and refuse(json.loads(body)):
            left[0] -= 1
            await send({"type": "http.response.start", "status": 429, "headers": [(b"retry-after", b"0")]})
            await send({"type": "http.response.body", "body": b'{"error": "slow down"}'})
            return
        replayed = [False]

        async def replay() -> dict[str, Any]:
            if replayed[0]:
                message: dict[str, Any] = await receive()
                return message
            replayed[0] = True
            return {"type": "http.request", "body": body, "more_body": False}

        await app(scope, replay, send)

    return wrapped


@pytest.fixture
def serve() -> Iterator[Callable[[Refuse, int], str]]:
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(refuse: Refuse, times: int) -> str:
        mcp = FastMCP("pacing", stateless_http=True, json_response=True)

        @mcp.tool()
        def echo(text: str) -> dict[str, str]:
            """``text``, back."""
            return {"text": text}

        port = free_port()
        app = refusing(mcp.streamable_http_app(), refuse, times)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="on")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "the MCP server did not start"
            time.sleep(0.02)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}/mcp"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)


def initialized(message: dict[str, Any]) -> bool:
    return message.get("method") == "notifications/initialized"


def a_call(message: dict[str, Any]) -> bool:
    return message.get("method") == "tools/call"


def calls(url: str) -> Callable[[list[float]], Any]:
    return lambda waits: session_calls(url, "key", [("echo", {"text": "hi"})], waits)


@pytest.mark.parametrize("refuse", [initialized, a_call], ids=["the initialized notification", "a tool call"])
def test_a_429_to_any_request_starts_the_session_again(serve: Any, refuse: Refuse) -> None:
    tools, results = paced(calls(serve(refuse, 1)))
    assert tools == ["echo"]
    assert results == [{"text": "hi"}]


def test_a_key_refused_every_time_fails_after_the_attempts(serve: Any) -> None:
    with pytest.raises(BaseExceptionGroup):
        paced(calls(serve(initialized, 10)), attempts=3)


def test_a_closed_session_without_a_429_is_not_retried(serve: Any) -> None:
    """The closed streams of a failure that is not a 429 are raised at once: nothing waits to retry."""
    url = serve(initialized, 0)
    tries = []

    async def broken(waits: list[float]) -> None:
        import anyio

        tries.append(1)
        raise BaseExceptionGroup("the SDK's task group", [anyio.ClosedResourceError()])

    with pytest.raises(BaseExceptionGroup):
        paced(broken)
    assert tries == [1]
    assert paced(calls(url))[0] == ["echo"]
