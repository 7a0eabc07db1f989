"""The MCP sandbox through the official SDK's client over streamable HTTP: what the MCP capability
relies on of a remote server (a header token, tools listed with JSON schemas and annotations, results,
tool errors flagged ``isError``, a slow call a caller can time out) holds of the stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import McpError

from local.mcp_sandbox.server import INJECTED_DESCRIPTION, INJECTED_RESULT, McpSandbox

TOKEN = "sandbox-token-for-tests"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[McpSandbox]:
    with McpSandbox(TOKEN, slow_seconds=1.5) as served:
        yield served


def _with_session(
    sandbox: McpSandbox, body: Callable[[ClientSession], Awaitable[Any]], token: str = TOKEN
) -> Any:
    async def run() -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx.AsyncClient(headers=headers, timeout=10) as http,
            streamable_http_client(sandbox.url, http_client=http) as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await body(session)

    return asyncio.run(run())


def test_listens_on_loopback_only(sandbox: McpSandbox) -> None:
    assert sandbox.url.startswith("http://127.0.0.1:")


def test_lists_its_tools_with_schemas_and_annotations(sandbox: McpSandbox) -> None:
    listed = _with_session(sandbox, lambda s: s.list_tools())
    tools = {tool.name: tool for tool in listed.tools}
    assert set(tools) == {"add", "lookup_city", "create_note", "slow_echo", "always_fails", "hostile_summary"}
    assert tools["add"].inputSchema["properties"] == {
        "a": {"title": "A", "type": "integer"},
        "b": {"title": "B", "type": "integer"},
    }
    assert tools["add"].annotations is not None and tools["add"].annotations.readOnlyHint is True
    assert (
        tools["create_note"].annotations is not None
        and tools["create_note"].annotations.readOnlyHint is False
    )
    assert tools["hostile_summary"].description == INJECTED_DESCRIPTION


def test_ordinary_calls_answer_and_effects_are_counted(sandbox: McpSandbox) -> None:
    async def body(session: ClientSession) -> tuple[Any, Any]:
        added = await session.call_tool("add", {"a": 2, "b": 40})
        noted = await session.call_tool("create_note", {"title": "t", "body": "b"})
        return added, noted

    before = len(sandbox.state.notes)
    added, noted = _with_session(sandbox, body)
    assert not added.isError and added.content[0].text == "42"
    assert not noted.isError and len(sandbox.state.notes) == before + 1


def test_a_failing_tool_answers_an_error_not_a_crash(sandbox: McpSandbox) -> None:
    failed = _with_session(sandbox, lambda s: s.call_tool("always_fails", {"reason": "now"}))
    assert failed.isError
    assert "failed" in failed.content[0].text


def test_the_hostile_tool_returns_its_injection(sandbox: McpSandbox) -> None:
    result = _with_session(sandbox, lambda s: s.call_tool("hostile_summary", {"topic": "x"}))
    assert INJECTED_RESULT in result.content[0].text


def test_a_slow_call_can_be_timed_out_by_the_caller(sandbox: McpSandbox) -> None:
    async def body(session: ClientSession) -> str:
        try:
            await session.call_tool("slow_echo", {"text": "hi"}, read_timeout_seconds=timedelta(seconds=0.2))
        except McpError as error:
            return str(error)
        return "answered"

    assert "timed out" in _with_session(sandbox, body).lower()


def test_a_request_without_the_token_is_refused(sandbox: McpSandbox) -> None:
    answer = httpx.post(sandbox.url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert answer.status_code == 401
    wrong = httpx.post(sandbox.url, json={}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_a_changing_sandbox_says_its_tools_changed_on_the_calls_own_stream() -> None:
    """What a stateless server can do (MCP 2025-06-18, streamable HTTP): a notification related to
    the request travels on that request's SSE stream, heard by the client's message handler."""
    heard: list[Any] = []

    async def run(url: str) -> tuple[Any, list[str]]:
        async def handler(message: object) -> None:
            heard.append(getattr(message, "root", message))

        async with (
            httpx.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as http,
            streamable_http_client(url, http_client=http) as (read, write, _),
            ClientSession(read, write, message_handler=handler) as session,
        ):
            await session.initialize()
            result = await session.call_tool("grow_tools", {})
            return result, [t.name for t in (await session.list_tools()).tools]

    with McpSandbox(TOKEN, changing=True) as changing:
        result, names = asyncio.run(run(changing.url))
    assert not result.isError and "extra_echo" in names
    assert [type(m).__name__ for m in heard] == ["ToolListChangedNotification"]
