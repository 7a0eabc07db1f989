"""``make demo``'s MCP part (local/demo.py): an agent uses a tool of the MCP sandbox once the owner
allows it, and an MCP client (the official SDK's) connects to the workspace with an API key, asks it
a question and starts a run (``POST /mcp``, decision 0186)."""

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from local.stack import MCP_TOKEN

JSON = dict[str, Any]
NOTE_GOAL = 'Create a note with the create_note tool, title "Demo" body "made by an agent of make demo"'
CLIENT_GOAL = 'Look up the city "Lyon" with the lookup_city tool'
# A follow_run is a session of three or four requests; one every 5 s stays within an API key's
# default rate (NA_API_KEY_PER_MIN, 60 a minute): faster, the key meets 429s.
FOLLOW_EVERY_S = 5.0


def mcp_agent(demo: Any) -> JSON:
    """The owner connects the MCP sandbox, allows its ``create_note`` tool for the default agent (else
    each call waits for an approval), and starts a run naming it: the run calls it once, unasked."""
    stack = demo.stack
    body = {"name": "Sandbox", "url": stack.mcp.url, "token": MCP_TOKEN}
    server = demo.api("POST", "/mcp/servers", body)
    demo.note("owner → api", f"connected the MCP sandbox: {len(server['tools'])} tools listed")
    allow = {"server": server["id"], "tool": "create_note", "policy": "allowed"}
    demo.api("PUT", "/mcp/policies/default", allow)
    demo.note("owner → api", "allowed the default agent's sandbox/create_note (it was: ask first)")
    before = len(stack.mcp.state.notes)
    started = demo.api("POST", "/runs", {"goal": NOTE_GOAL})
    run: JSON = demo.wait(lambda: _ended(demo, started["run_id"]), "the MCP run to end", 90)
    made = stack.mcp.state.notes[before:]
    demo.note("execute-step", f"call_mcp sandbox/create_note: {len(made)} note made; the run {run['status']}")
    return {"run": run, "notes": made, "calls": dict(stack.mcp.state.calls)}


def _ended(demo: Any, run_id: str) -> JSON | None:
    """The run once ended; None before (and before planning made it: a 404 until then)."""
    status, run = demo.get(f"/runs/{run_id}")
    if status == 404:
        return None
    assert status == 200, f"GET /runs/{run_id} answered {status}: {run}"
    return run if run.get("status") in {"completed", "failed", "cancelled"} else None


def mcp_client(demo: Any, question: str) -> JSON:
    """An API key made for an MCP client, then the SDK's client at ``<api>/mcp``: the tools it lists,
    the answer to ``question`` and a run it starts (followed to its end)."""
    made = demo.api("POST", "/api-keys", {"name": "MCP client", "scopes": ["read", "runs:start"]})
    demo.note("owner → api", "made an API key for an MCP client (read, runs:start)")
    url = demo.stack.url_of_api() + "/mcp"
    # The key's requests count against the owner's pace too, which the demo's calls just spent: the
    # client waits as a 429's Retry-After says; the run's request_id keeps a retried start to one run.
    start = {"goal": CLIENT_GOAL, "request_id": f"mcp-demo-{uuid.uuid4().hex}"}
    calls = [("ask", {"question": question}), ("start_run", start)]
    listed, (asked, started) = paced(lambda waits: session_calls(url, made["key"], calls, waits))
    demo.note("MCP client → api", f"listed {len(listed)} tools; asked {question!r}; started a run")
    run_id = started["run_id"]
    followed = demo.wait(lambda: _followed(url, made["key"], run_id), "the MCP client's run to end", 90)
    demo.note("MCP client → api", f"follow_run {run_id}: {followed['status']}, {followed['summary']}")
    return {"tools": listed, "asked": asked, "run": followed}


def _followed(url: str, key: str, run_id: str) -> JSON | None:
    """The run once ended, as follow_run gives it; None before (and before planning made it:
    follow_run's not_found until then, as GET /runs/{id}'s 404). One session of a few requests per
    call: the caller paces its calls within the key's rate (``FOLLOW_EVERY_S``)."""
    time.sleep(FOLLOW_EVERY_S)
    try:
        follow = [("follow_run", {"run_id": run_id})]
        _, (run,) = paced(lambda waits: session_calls(url, key, follow, waits))
    except RuntimeError as exc:
        if "(not_found)" in str(exc):
            return None
        raise
    return run if run.get("status") in {"completed", "failed", "cancelled"} else None


def paced[T](session: Callable[[list[float]], Coroutine[Any, Any, T]], attempts: int = 4) -> T:
    """``session(waits)`` run to its end; made again, up to ``attempts`` times, when the api answered
    one of its requests 429, after the longest wait a 429's Retry-After named (``session`` appends
    each to ``waits``). The SDK's client does not wait: a 429 to a request is raised as an
    HTTPStatusError, a 429 to a notification (``initialized``) is only logged and closes the
    session's streams, so the next request fails with anyio's ClosedResourceError."""
    import anyio
    import httpx

    for attempt in range(attempts):
        waits: list[float] = []
        try:
            return asyncio.run(session(waits))
        except* (httpx.HTTPStatusError, anyio.ClosedResourceError) as group:
            refused = [e for e in group.exceptions if isinstance(e, httpx.HTTPStatusError)]
            if attempt + 1 == attempts or not waits or any(e.response.status_code != 429 for e in refused):
                raise
            time.sleep(max(waits))
    raise AssertionError("unreachable: the last attempt returns or raises")


async def session_calls(
    url: str, key: str, calls: list[tuple[str, JSON]], waits: list[float] | None = None
) -> tuple[list[str], list[JSON]]:
    """One MCP session with the SDK's client and ``key``: the tools listed and each call's result,
    as JSON (a tool error is raised as a RuntimeError with its words). Each 429's Retry-After, in
    seconds, is appended to ``waits``."""
    import httpx
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def note_429(response: httpx.Response) -> None:
        if response.status_code == 429 and waits is not None:
            waits.append(float(response.headers.get("Retry-After", "1")))

    headers = {"Authorization": f"Bearer {key}"}
    async with (
        httpx.AsyncClient(headers=headers, timeout=60, event_hooks={"response": [note_429]}) as http,
        streamable_http_client(url, http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        tools = [t.name for t in (await session.list_tools()).tools]
        results, refused = [], ""
        for name, arguments in calls:
            result = await session.call_tool(name, arguments)
            text = " ".join(getattr(c, "text", "") for c in result.content)
            if result.isError:
                refused = text
                break
            results.append(result.structuredContent or json.loads(text))
    if refused:  # raised out of the session: inside, the SDK's task group would wrap it
        raise RuntimeError(refused)
    return tools, results


def print_mcp(result: JSON) -> None:
    """What the agent did with the MCP sandbox's tool, and what the MCP client was answered."""
    agent, client = result["mcp_agent"], result["mcp_client"]
    run = agent["run"]
    print(
        f"An MCP tool: run {run['run_id']} ({run['status']}) called sandbox/create_note, allowed by the owner:"
    )
    for note in agent["notes"]:
        print(f"  - the sandbox made the note {note['title']!r}: {note['body']!r}")
    print(f"  the sandbox's calls by tool: {json.dumps(agent['calls'])}")
    print(f"An MCP client (the SDK's) at POST /mcp with an API key; tools: {', '.join(client['tools'])}")
    asked = client["asked"]
    print(f"  ask: {asked['answer'].split(chr(10))[0][:160]}")
    print(
        f"  start_run, then follow_run: {client['run']['run_id']} {client['run']['status']}: {client['run']['summary']}\n"
    )
