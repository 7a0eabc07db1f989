"""A remote MCP server through the official SDK's client (decision 0166): ``ClientSession`` over
``streamable_http_client`` with an ``httpx.AsyncClient`` carrying the header token, or the SDK's OAuth
provider over a stored grant (:mod:`shared.mcp.adapters.oauth_session`). Each request is a session of
its own run on an event loop of its own, so synchronous functions may call it; a
``notifications/tools/list_changed`` on its stream is told to the caller (``tools_changed``). The
SDK's failures become ours: a 401 or 403 (or an OAuth grant that cannot be refreshed) is
Unauthenticated, an answer that is no MCP a PermanentError, an unreachable server or a timeout a
TransientError. The token is never part of a message raised or logged."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
from mcp import ClientSession
from mcp.client.auth import OAuthFlowError, OAuthTokenError
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import McpError
from mcp.types import ServerNotification, ToolListChangedNotification
from pydantic import ValidationError

from shared.mcp.adapters.oauth_session import ElsewhereError, kept_to, provider
from shared.mcp.domain.billing import billed
from shared.mcp.ports import Auth
from shared.platform.adapters import resolving
from shared.platform.errors import PermanentError, TransientError, Unauthenticated

CONNECT_TIMEOUT_S = 10.0
MAX_RESULT_CHARS = 20_000  # a result's text kept; past it, cut and said so
_PAGES = 10
# The call's idempotency key in the request's ``_meta``: MCP names none, so only a server that reads
# this one de-duplicates by it; the engine's record of the result is what keeps a call once.
IDEMPOTENCY_META = "notion-agent/idempotency-key"  # tools/list pages followed at most


class SdkMcpClient:
    """:class:`shared.mcp.ports.McpClient` over streamable HTTP."""

    def addresses(self, host: str) -> list[str]:
        return resolving.addresses(host)

    def list_tools(self, url: str, token: Auth) -> list[dict[str, Any]]:
        async def body(session: ClientSession) -> list[dict[str, Any]]:
            tools: list[dict[str, Any]] = []
            cursor: str | None = None
            for _ in range(_PAGES):
                page = await session.list_tools(cursor)
                tools += [t.model_dump(mode="json", exclude_none=True) for t in page.tools]
                cursor = page.nextCursor
                if not cursor:
                    break
            return tools

        return _session(url, token, CONNECT_TIMEOUT_S, body)

    def call_tool(
        self, url: str, token: Auth, name: str, arguments: dict[str, Any], *, timeout_s: float, key: str = ""
    ) -> dict[str, Any]:
        meta = {IDEMPOTENCY_META: key} if key else None
        said: list[object] = []

        async def body(session: ClientSession) -> dict[str, Any]:
            result = await session.call_tool(
                name, arguments, read_timeout_seconds=timedelta(seconds=timeout_s), meta=meta
            )
            text = "\n".join(
                getattr(part, "text", f"[{getattr(part, 'type', 'content')} omitted]")
                for part in result.content
            )
            cut = len(text) > MAX_RESULT_CHARS
            text = text[:MAX_RESULT_CHARS] + ("\n[cut: the result was longer]" if cut else "")
            cost, unreadable = billed(result.meta)
            return {
                "is_error": bool(result.isError),
                "text": text,
                "cut": cut,
                "cost_usd": cost,
                "cost_unreadable": unreadable,
            }

        answer = _session(url, token, timeout_s, body, said)
        return answer | {"tools_changed": any(isinstance(n, ToolListChangedNotification) for n in said)}


def _session[T](
    url: str,
    token: Auth,
    timeout_s: float,
    body: Callable[[ClientSession], Awaitable[T]],
    said: list[object] | None = None,
) -> T:
    unread: list[Exception] = []

    async def refuse(message: object) -> None:
        # What the server sent besides answers: one the SDK could not read (garbage) ends the session
        # at once, instead of the caller waiting out its timeout; its notifications go to ``said``.
        if isinstance(message, Exception):
            unread.append(message)
            raise message
        if isinstance(message, ServerNotification) and said is not None:
            said.append(message.root)

    async def run() -> T:
        timeout = httpx.Timeout(timeout_s + 5, connect=CONNECT_TIMEOUT_S)
        async with (
            _http(url, token, timeout) as http,
            streamable_http_client(url, http_client=http) as (read, write, _),
            ClientSession(
                read, write, read_timeout_seconds=timedelta(seconds=timeout_s), message_handler=refuse
            ) as session,
        ):
            await session.initialize()
            return await body(session)

    try:
        return asyncio.run(asyncio.wait_for(run(), timeout_s + CONNECT_TIMEOUT_S))
    except BaseException as exc:  # the SDK raises through task groups: ExceptionGroups
        raise _ours(BaseExceptionGroup("the session failed", [*unread, exc]) if unread else exc) from None


def _http(url: str, token: Auth, timeout: httpx.Timeout) -> httpx.AsyncClient:
    """The session's HTTP client: the header token, or the SDK's OAuth provider over the grant (its
    requests kept to the server's and its token endpoint's hosts)."""
    if isinstance(token, str):
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.AsyncClient(headers=headers, timeout=timeout, follow_redirects=False)
    auth, hosts = provider(url, token)
    return httpx.AsyncClient(
        auth=auth, timeout=timeout, follow_redirects=False, event_hooks={"request": [kept_to(hosts)]}
    )


def _ours(exc: BaseException) -> Exception:  # noqa: PLR0911 (a case per failure the SDK raises)
    """The first meaningful failure inside ``exc`` (task groups nest them) as one of ours."""
    for inner in _leaves(exc):
        if isinstance(inner, httpx.HTTPStatusError):
            status = inner.response.status_code
            if status in (401, 403):
                return Unauthenticated(f"the server refused the token (HTTP {status})")
            if status in (408, 429) or status >= 500:
                return TransientError(f"the server answered HTTP {status}; try again later")
            return PermanentError(f"the server answered HTTP {status}: is this its MCP endpoint?")
        if isinstance(inner, OAuthFlowError | OAuthTokenError | ElsewhereError):
            return Unauthenticated(
                "the server's OAuth authorization has expired or was revoked and could not be refreshed: "
                "an admin connects it again"
            )
        if isinstance(inner, McpError):
            words = str(inner)[:200]
            if "timed out" in words.lower():
                return TransientError(f"the server did not answer in time ({words})")
            return PermanentError(f"the server answered an MCP error: {words}")
        if isinstance(inner, (TimeoutError, httpx.TimeoutException)):
            return TransientError("the server did not answer in time")
        if isinstance(inner, (httpx.TransportError, OSError)):
            return TransientError("the server could not be reached")
        if isinstance(inner, (ValidationError, ValueError, KeyError, TypeError)):
            return PermanentError("the server's answer is not MCP (it does not follow the protocol)")
    if isinstance(exc, KeyboardInterrupt | SystemExit):
        raise exc
    return PermanentError("the server's answer could not be read as MCP")


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    found = [exc]
    if exc.__cause__ is not None:
        found += _leaves(exc.__cause__)
    return found
