"""An agent's calls of MCP tools (decision 0171), bound to one tenant and agent: the tools it is
offered (every connected tool not ``off``, as data), each tool's policy as set now, and a call. A call
is checked first (server connected and not paused, tool listed, policy not ``off``, arguments valid
against its input schema, host still public), made with the tool's timeout and a bound on the text
kept, then watched (:mod:`shared.mcp.services.watch`). A server whose call session said its tools
changed is marked, and the next listing asks it again: a function holds no session open to hear the
notice. Whether a call needs a person, and that it is made once, is the engine's
(``shared/tools/mcp_calls.py``)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.mcp.domain.policy import Policy, default_policy, once_promise, policy_key, repeatable
from shared.mcp.domain.servers import McpServer, McpTool, checked_tools, resolved_problem
from shared.mcp.services.connect import credential
from shared.mcp.services.watch import Called, Watch, counted, recorded
from shared.platform import errors

if TYPE_CHECKING:
    from shared.mcp.ports import McpClient, McpPolicies, McpServers
    from shared.platform.ports import SecretStore

log = logging.getLogger(__name__)
_DESCRIPTION = 500  # characters of a tool's description the planner is shown
# A failed call's words in the audit log: ours, by kind, never the server's (it may echo arguments).
_FAILED: dict[type[errors.AgentError], str] = {
    errors.TransientError: "the server was unreachable or did not answer in time",
    errors.PermanentError: "the server's answer was no MCP, or an MCP error",
    errors.Unauthenticated: "the server refused the token",
}


class McpCalls(NamedTuple):
    """One agent's MCP tools in one tenant (what ``ToolContext.mcp`` holds)."""

    tenant_id: str
    agent_id: str
    servers: McpServers
    policies: McpPolicies
    secrets: SecretStore
    client: McpClient
    timeout_s: float
    allow_loopback: bool = False
    watch: Watch | None = None  # the audit log, the failures' count and the pause's notice
    # The tools the run's instructions page names (``server/tool``): only those are offered and
    # called when it names any; the policy of each still decides (a named tool that is off stays off).
    named: tuple[str, ...] = ()

    def _named(self, server_id: str, name: str) -> bool:
        return not self.named or policy_key(server_id, name) in self.named

    def tool(self, server_id: str, name: str) -> tuple[McpServer, McpTool]:
        """The connected server and its listed tool, or a ModelFixableError naming what exists."""
        server = self.servers.get(self.tenant_id, server_id)
        if server is None:
            known = [s.id for s in self.servers.list(self.tenant_id)]
            raise errors.ModelFixableError(f"no MCP server {server_id!r} is connected; use one of {known}")
        if server.tools_changed_at is not None and all(t.name != name for t in server.tools):
            server = self.relisted(server)
        for tool in server.tools:
            if tool.name == name:
                return server, tool
        names = [t.name for t in server.tools]
        raise errors.ModelFixableError(f"MCP server {server_id!r} lists no tool {name!r}; it lists {names}")

    def policy(self, server_id: str, name: str) -> Policy:
        """The agent's policy for the tool as set now (unset: its default)."""
        _, tool = self.tool(server_id, name)
        return self._policies().get(policy_key(server_id, name), default_policy(tool))

    def _policies(self) -> dict[str, Policy]:
        return self.policies.of(self.tenant_id, self.agent_id)

    def usable(self, server_id: str, name: str) -> tuple[McpServer, McpTool, Policy]:
        """The server, tool and policy of a call the agent may make (asked or not); a
        ModelFixableError when the tool is off for this agent."""
        server, tool = self.tool(server_id, name)
        if server.paused_at is not None:
            raise errors.ModelFixableError(
                f"MCP server {server_id!r} is paused ({server.paused_why or 'it failed repeatedly'}) until "
                "an admin resumes it; use another tool"
            )
        if not self._named(server_id, name):
            raise errors.ModelFixableError(
                f"MCP tool {server_id}/{name} is not among the tools this agent's instructions name "
                f"({', '.join(self.named)}); use one of those"
            )
        policy = self._policies().get(policy_key(server_id, name), default_policy(tool))
        if policy == Policy.OFF:
            raise errors.ModelFixableError(
                f"MCP tool {server_id}/{name} is off for this agent (the owner's policy); use another tool"
            )
        return server, tool, policy

    def repeatable(self, server_id: str, name: str) -> bool:
        """Whether a call whose result a crash lost may be made again (:func:`repeatable`)."""
        return repeatable(self.tool(server_id, name)[1])

    def offered(self) -> list[dict[str, Any]]:
        """The tools the planner is told of: every tool not off for this agent, of a server not paused
        (only those its instructions name, when they name some). Each has its description cut and
        marked as the server's words (data, not instructions), its input schema and its policy."""
        servers = [
            self.relisted(s) if s.tools_changed_at is not None else s
            for s in self.servers.list(self.tenant_id)
            if s.paused_at is None
        ]
        policies, offered = self._policies() if servers else {}, []  # none connected: one query only
        for server in servers:
            for tool in server.tools:
                policy = policies.get(policy_key(server.id, tool.name), default_policy(tool))
                if policy != Policy.OFF and self._named(server.id, tool.name):
                    offered.append(
                        {
                            "server": server.id,
                            "tool": tool.name,
                            "policy": policy.value,
                            "servers_description": tool.description[:_DESCRIPTION],
                            "input_schema": tool.input_schema,
                        }
                    )
        return offered

    def call(
        self, server_id: str, name: str, arguments: dict[str, Any], key: str, run_id: str = ""
    ) -> dict[str, Any]:
        """Make the call once: ``{"server", "tool", "is_error", "result", "cut"}``, the result the
        server's text (untrusted, bounded), and ``cost_usd`` when the server billed the call. A tool error is a result (``is_error``), not a failure.
        A call made or refused at the host has its audit entry (``run_id``: the run it is of)."""
        from jsonschema import Draft202012Validator  # a call's check: not every step's

        server, tool, _ = self.usable(server_id, name)
        problems = sorted(Draft202012Validator(tool.input_schema).iter_errors(arguments), key=str)
        if problems:
            where = "/".join(str(p) for p in problems[0].absolute_path) or "arguments"
            raise errors.ModelFixableError(
                f"arguments of MCP tool {server_id}/{name}: {where}: {problems[0].message[:200]}"
            )
        host = _host(server.url)
        called = Called(run_id, self.agent_id, server_id, name, "refused")
        if why := resolved_problem(host, self.client.addresses(host), self.allow_loopback):
            recorded(self.watch, self.tenant_id, called._replace(why=why))
            raise errors.PermanentError(f"MCP server {server_id!r} refused: {why}")
        token = credential(self.secrets, self.tenant_id, server)
        try:
            answer = self.client.call_tool(
                server.url, token, name, arguments, timeout_s=self.timeout_s, key=key
            )
        except (errors.TransientError, errors.PermanentError, errors.Unauthenticated) as exc:
            why = next(words for kind, words in _FAILED.items() if isinstance(exc, kind))
            self._after(server, called._replace(outcome="failed", why=why))
            raise
        outcome = "tool_error" if answer["is_error"] else "ok"
        cost = answer.get("cost_usd")
        why = "the server's cost was not a number of dollars we read" if answer.get("cost_unreadable") else ""
        self._after(
            server, called._replace(outcome=outcome, size=len(str(answer["text"])), cost_usd=cost, why=why)
        )
        if answer.get("tools_changed"):
            self.servers.tools_changed(self.tenant_id, server_id, self._now())
        return {
            "server": server_id,
            "tool": name,
            "is_error": bool(answer["is_error"]),
            "result": str(answer["text"]),
            "cut": bool(answer.get("cut")),
        } | ({"cost_usd": float(cost)} if cost is not None else {})

    def relisted(self, server: McpServer) -> McpServer:
        """The server with its tools listed again and kept (its mark cleared unless it said they
        changed again meanwhile); as it was when listing fails (logged, no token), tried again on
        the next listing."""
        try:
            host = _host(server.url)
            if why := resolved_problem(host, self.client.addresses(host), self.allow_loopback):
                raise errors.PermanentError(why)
            token = credential(self.secrets, self.tenant_id, server)
            tools = checked_tools(self.client.list_tools(server.url, token))
        except (errors.AgentError, ValueError) as exc:
            log.warning("mcp: the tools of %s were not listed again: %s", server.id, str(exc)[:200])
            return server
        now = self._now()
        self.servers.relisted(self.tenant_id, server.id, tools, now, server.tools_changed_at)
        return server.model_copy(update={"tools": tools, "listed_at": now, "tools_changed_at": None})

    def _now(self) -> datetime:
        return self.watch.now() if self.watch is not None else datetime.now(UTC)

    def _after(self, server: McpServer, called: Called) -> None:
        """The call's audit entry, then its outcome counted on the server (a failure may pause it)."""
        recorded(self.watch, self.tenant_id, called)
        if self.watch is not None:
            counted(self.watch, self.servers, self.tenant_id, server, called.outcome == "failed")


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "").lower().strip("[]")


def tool_views(server: McpServer, policies: dict[str, Policy]) -> list[dict[str, Any]]:
    """A server's tools with one agent's policy of each, whether it was set, and what it promises
    about once (the console's words)."""
    return [
        {
            "server": server.id,
            "tool": tool.name,
            "policy": policies.get(policy_key(server.id, tool.name), default_policy(tool)).value,
            "set": policy_key(server.id, tool.name) in policies,
            "read_only": tool.read_only,
            "once": once_promise(tool),
        }
        for tool in server.tools
    ]
