"""What an agent may do with a tool of a connected MCP server (decision 0171).
``off``: never offered, never called; ``ask``: each call waits for a person's approval of its exact
arguments; ``allowed``: called without asking. Unset, a tool the server annotates read-only is
``allowed`` and every other ``ask``. The annotation is the server's claim: an owner may set a tool
it calls read-only to ``ask``. Also what a tool can promise about "once" (:func:`once_promise`)."""

from __future__ import annotations

from enum import StrEnum

from shared.mcp.domain.servers import McpTool


class Policy(StrEnum):
    OFF = "off"
    ASK = "ask"
    ALLOWED = "allowed"


def default_policy(tool: McpTool) -> Policy:
    """The policy of a tool no one set: allowed when the server annotates it read-only, else ask."""
    return Policy.ALLOWED if tool.read_only else Policy.ASK


def policy_key(server_id: str, tool: str) -> str:
    """A policy's key within an agent's: ``<server>/<tool>`` (neither holds a ``/``)."""
    return f"{server_id}/{tool}"


def repeatable(tool: McpTool) -> bool:
    """Whether a call may be made again after a crash lost its result: only for a tool the server
    annotates read-only or idempotent (repeating it changes nothing, as the server says)."""
    return tool.read_only or tool.idempotent


def once_promise(tool: McpTool) -> str:
    """What the console says of a tool about "once", in plain words."""
    if repeatable(tool):
        return (
            "cannot promise once: a call whose result was lost in a crash is made again (the server "
            "says the tool is read-only or idempotent)"
        )
    return (
        "at most once: a call is never made twice; if a crash loses its result, the step records that "
        "its outcome is unknown instead of calling again"
    )
