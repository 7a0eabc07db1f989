"""A remote MCP server as a workspace connects it, and its tools as they are kept: checked before
anything is stored. The server's URL is https on a public host, with no credentials, query or
fragment; http and loopback are taken only when the local setting allows it. Its tools' names,
descriptions and input schemas (valid JSON Schema, an object) are bounded. A list that breaks any of
this is refused with the reason, nothing kept. The header token is never part of the record:
it lives in the secrets port under :func:`mcp_token_secret`."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field

from shared.platform.domain.addresses import all_public, ip_literal
from shared.platform.domain.schema import Record

MAX_TOOLS = 100
MAX_DESCRIPTION = 2000  # characters of a tool's description kept (the rest is cut, said so)
MAX_SCHEMA_BYTES = 20_000  # a tool's input schema as JSON
SERVER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}")
SERVER_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
# MCP's tool names (the specification's 2025-06-18 guidance): letters, digits, _ - . ; we bound to 64.
TOOL_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_HOST = re.compile(
    r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
)
_PATH = re.compile(r"(/[A-Za-z0-9._~-]+)*/?")


class McpTool(Record):
    """One tool of a server as kept: its name, its description (untrusted text, bounded), its input
    schema and what its annotations say (``readOnlyHint``, ``idempotentHint``; absent: False)."""

    name: str
    description: str = ""
    input_schema: dict[str, Any]
    read_only: bool = False
    idempotent: bool = False


class McpServer(Record):
    """``tenants/{t}/mcp_servers/{id}``: a connected server, its tools as last listed. No token.
    ``failures``: its calls failed in a row (a success sets it back to 0). ``paused_at``: when that
    run reached the limit (its tools are then neither offered nor called until an admin resumes it).
    ``tools_changed_at``: when it last said its tools changed (``notifications/tools/list_changed``)
    after they were listed, so the next listing asks it again. ``auth``: what its token secret holds."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    url: str
    tools: list[McpTool] = Field(default_factory=list)
    added_at: datetime
    added_by: str = ""
    listed_at: datetime
    failures: int = 0
    paused_at: datetime | None = None
    paused_why: str = ""
    tools_changed_at: datetime | None = None
    auth: Literal["token", "oauth"] = "token"  # a header token, or an OAuth grant (its token secret)


def outcome_fields(server: McpServer, ok: bool, pause_after: int, now: datetime) -> dict[str, Any]:
    """The fields a call's outcome changes on ``server`` (none: nothing to write): a success sets its
    failures back to 0, a failure adds one and pauses a server not yet paused at ``pause_after``."""
    if ok:
        return {"failures": 0} if server.failures else {}
    failures = server.failures + 1
    if server.paused_at is None and failures >= pause_after:
        return {"failures": failures, "paused_at": now, "paused_why": f"{failures} failed calls in a row"}
    return {"failures": failures}


def mcp_token_secret(tenant_id: str, server_id: str) -> str:
    """The secret holding a server's header token: under the sync's prefix, which api writes and
    deletes and the engine's functions read (terraform/secrets.tf), as GitHub's webhook secret is."""
    return f"sync-mcp-{tenant_id}-{server_id}"


SERVER_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")  # what server_id makes (a Firestore document's id)


def server_id(name: str) -> str:
    """A server's id from its name: lower case, runs of anything else as one ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "server"


def checked_name(raw: object) -> str:
    """The server's name, or a ValueError saying what a name is."""
    if not isinstance(raw, str) or not SERVER_NAME.fullmatch(raw.strip()):
        raise ValueError("name: 1 to 40 letters, digits, spaces, _ . or -, starting with a letter or digit")
    return raw.strip()


def checked_url(raw: object, allow_loopback: bool) -> tuple[str, str]:
    """``(url, host)`` of a server's MCP endpoint, or a ValueError saying why it is refused. A host
    written as an address must be public unless ``allow_loopback`` and it is a loopback address (the
    local stack's sandbox); http is taken only then."""
    if not isinstance(raw, str) or not 10 <= len(raw) <= 500:
        raise ValueError("url: the server's MCP endpoint, e.g. https://mcp.example.com/mcp")
    try:
        parts = urlsplit(raw.strip())
        port = parts.port
    except ValueError:
        raise ValueError("url: not a URL") from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower().strip("[]")
    literal = ip_literal(host)
    loopback = allow_loopback and literal is not None and literal.is_loopback
    problems = (
        (
            scheme != "https" and not (loopback and scheme == "http"),
            "url: must start with https:// (the server's token is never sent in the clear)",
        ),
        (
            bool(parts.username or parts.password or parts.query or parts.fragment or "@" in parts.netloc),
            "url: no user, password, query or fragment; only https://host[:port][/path]",
        ),
        (not _PATH.fullmatch(parts.path), "url: the path holds characters a URL path may not"),
        (literal is None and not _HOST.fullmatch(host), "url: the host is not a domain name or an address"),
        (
            literal is not None and not loopback and not literal.is_global,
            "url: a private, loopback, link-local (metadata) or reserved address is refused",
        ),
    )
    for bad, reason in problems:
        if bad:
            raise ValueError(reason)
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://{netloc}{f':{port}' if port else ''}{parts.path}", host


def resolved_problem(host: str, addresses: list[str], allow_loopback: bool) -> str:
    """Why a host resolving to ``addresses`` is refused ("" when it may be called)."""
    if not addresses:
        return "url: the host does not resolve to any address"
    literal = ip_literal(host)
    if allow_loopback and literal is not None and literal.is_loopback:
        return ""
    if not all_public(addresses):
        return "url: the host resolves to a private, loopback, link-local or reserved address; refused"
    return ""


def checked_tools(listed: object) -> list[McpTool]:
    """The tools of a ``tools/list`` answer (each ``{name, description, inputSchema, annotations}``),
    checked; a ValueError saying what is wrong with the first bad one (the server is refused)."""
    if not isinstance(listed, list):
        raise ValueError("the server's tools/list answer is not a list of tools")
    if len(listed) > MAX_TOOLS:
        raise ValueError(f"the server lists {len(listed)} tools; at most {MAX_TOOLS} are taken")
    tools: list[McpTool] = []
    for n, raw in enumerate(listed, 1):
        tool = _tool(n, raw)
        if any(t.name == tool.name for t in tools):
            raise ValueError(f"tool {n}: the name {tool.name!r} is listed twice")
        tools.append(tool)
    return tools


def _tool(n: int, raw: object) -> McpTool:
    if not isinstance(raw, dict):
        raise ValueError(f"tool {n}: not an object")
    name, schema = raw.get("name"), raw.get("inputSchema")
    if not isinstance(name, str) or not TOOL_NAME.fullmatch(name):
        raise ValueError(
            f"tool {n}: its name must be 1 to 64 letters, digits, _ . or -, got {str(name)[:40]!r}"
        )
    description = raw.get("description") or ""
    if not isinstance(description, str):
        raise ValueError(f"tool {name}: its description is not text")
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise ValueError(f"tool {name}: its inputSchema must be a JSON Schema of type object")
    if len(json.dumps(schema)) > MAX_SCHEMA_BYTES:
        raise ValueError(f"tool {name}: its inputSchema is over {MAX_SCHEMA_BYTES} bytes")
    from jsonschema import Draft202012Validator, SchemaError  # a connect's check: not at cold start

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise ValueError(
            f"tool {name}: its inputSchema is not valid JSON Schema ({exc.message[:200]})"
        ) from None
    notes = raw.get("annotations") or {}
    if not isinstance(notes, dict):
        raise ValueError(f"tool {name}: its annotations are not an object")
    return McpTool(
        name=name,
        description=description[:MAX_DESCRIPTION],
        input_schema=schema,
        read_only=notes.get("readOnlyHint") is True,
        idempotent=notes.get("idempotentHint") is True,
    )
