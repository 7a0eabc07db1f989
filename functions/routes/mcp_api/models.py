"""The MCP routes' path, bodies and answers, for the contract (``functions.routes.mcp_api``)."""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StrictInt, StrictStr

from shared.platform.domain.schema import Schema

_URL = "The server's MCP endpoint (streamable HTTP), https on a public host"
_BEARER = "Sent as Authorization: Bearer; kept in Secret Manager, never shown again"


class McpServerPath(Schema):
    server_id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="The server's id (from its name)"
    )


class McpServerConnect(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$")
    url: str = Field(min_length=10, max_length=500, description=_URL)
    token: str = Field(min_length=8, max_length=2000, pattern=r"^[!-~]+$", description=_BEARER)


class McpOAuthConnect(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$")
    url: str = Field(min_length=10, max_length=500, description=_URL)
    client_id: str | None = Field(
        None,
        max_length=255,
        pattern=r"^[!-~]*$",
        description="A client registered by hand at the server's authorization server, for one that offers "
        "no dynamic registration; without it a client is registered dynamically",
    )
    client_secret: str | None = Field(
        None,
        max_length=1000,
        pattern=r"^[!-~]*$",
        description="That client's secret, if it has one: kept in Secret Manager, never shown again",
    )


class McpOAuthStarted(Schema):
    """Where to send the admin: the server's authorization page, with our signed state and PKCE's
    challenge (10 minutes); nothing of the server is kept until the callback."""

    server: str = Field(description="The id the server will have")
    authorization_url: str = Field(description="Its authorization server's page, for the browser to open")
    expires_in_s: int


class McpOAuthCallbackQuery(Schema):
    """What the authorization server's redirect brings: our state, and its code or its error."""

    state: str = Field(max_length=4000, description="The signed state POST /mcp/servers/oauth issued")
    code: str | None = Field(None, max_length=1000, description="The authorization code")
    error: str | None = Field(None, max_length=200, description="The server's error, e.g. access_denied")


class McpToolView(Schema):
    name: str = Field(description="Its name at the server")
    description: str = Field(description="The server's words: untrusted text, shown as text")
    input_schema: dict[str, Any] = Field(description="Its arguments' JSON Schema, as the server listed it")
    read_only: bool = Field(description="The server annotates it read-only (readOnlyHint)")
    idempotent: bool = Field(description="The server annotates it idempotent (idempotentHint)")


class McpServerView(Schema):
    id: str = Field(description="Its id, made from its name")
    name: str
    url: str
    auth: Literal["token", "oauth"] = Field(
        description="token: a header token; oauth: the MCP authorization specification's OAuth (its tokens "
        "refreshed without a person)"
    )
    added_at: str = Field(description="When an admin connected it (ISO 8601)")
    listed_at: str = Field(description="When its tools were last listed (ISO 8601)")
    failures: int = Field(description="Its calls that failed in a row (an answer sets it back to 0)")
    paused_at: str | None = Field(
        description="When failed calls in a row paused it (ISO 8601): its tools are neither offered nor "
        "called until an admin resumes it; null while it is not paused"
    )
    paused_why: str = Field(description="Why it was paused, in our words (empty when it is not)")
    tools_changed_at: str | None = Field(
        description="When it said its tools changed after they were listed (ISO 8601): the next listing "
        "asks it again; null when the list is current"
    )
    tools: list[McpToolView] = Field(description="Its tools as listed then, checked")


class McpServerList(Schema):
    servers: list[McpServerView]


class McpServerRemoved(Schema):
    """The server's secrets are deleted and its record forgotten; its OAuth tokens revoked first when
    its authorization server offers that (RFC 7009), the removal done either way."""

    id: str
    connected: Literal[False]
    revocation: Literal["revoked", "not_offered", "failed", "none"] = Field(
        description="revoked: its OAuth tokens were revoked at its authorization server; not_offered: it "
        "names no revocation_endpoint; failed: revoking them failed (revocation_why says why); none: a "
        "header token, nothing to revoke"
    )
    revocation_why: str = Field(
        description="Why the tokens could not be revoked, in our words (empty if they were)"
    )


class McpAgentPath(Schema):
    agent_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="The agent's id")


class McpPolicyChange(Schema):
    model_config = ConfigDict(extra="forbid")

    server: str = Field(description="A connected server's id")
    tool: str = Field(description="A tool that server lists")
    policy: Literal["off", "ask", "allowed"]


class McpToolPolicy(Schema):
    server: str = Field(description="The server's id")
    tool: str = Field(description="The tool's name")
    policy: Literal["off", "ask", "allowed"] = Field(
        description="off: never offered nor called; ask: each call waits for an approval of its exact "
        "arguments; allowed: called unasked. Unset: allowed for a tool annotated read-only, else ask"
    )
    set: bool = Field(description="Whether someone set it (else the default)")
    read_only: bool = Field(description="The server annotates it read-only")
    once: str = Field(description="What the tool can promise about being called once, in plain words")


class McpPolicies(Schema):
    agent_id: str = Field(description="The agent the policies are of")
    tools: list[McpToolPolicy] = Field(description="Every connected tool with this agent's policy")


class McpMessage(Schema):
    """A JSON-RPC message an MCP client sends (the SDK's transport checks the rest of it)."""

    model_config = ConfigDict(extra="forbid")

    jsonrpc: Literal["2.0"]
    method: str = Field(
        min_length=1, max_length=200, description="initialize, tools/list, tools/call, a notification"
    )
    id: StrictInt | Annotated[StrictStr, Field(max_length=200)] | None = Field(
        None, description="A request's id, at most 200 characters (a notification has none)"
    )
    params: dict[str, Any] | None = Field(None, description="Its parameters, as MCP's schema says")


class McpAnswer(Schema):
    """The JSON-RPC answer to a request: its result, or a JSON-RPC error (a tool's own error is a result
    with ``isError``)."""

    model_config = ConfigDict(extra="allow")

    jsonrpc: Literal["2.0"]
    id: int | str | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
