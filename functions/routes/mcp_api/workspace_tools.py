"""The product's own MCP tools (decision 0186): what a person's MCP client may do in the workspace,
with the API key (or session) of ``POST /mcp``, within that person's reach and the key's scopes. Each
tool holds to the api route it stands for (:data:`ACCESS`: the route's scope and least role), checks
its input with that route's model, and says a refusal as an MCP tool error with its reason."""

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, ValidationError

from functions.routes import Call
from shared.platform.errors import AgentError, Forbidden, NotFound
from shared.workspace.domain.members import at_least, role_refusal

if TYPE_CHECKING:
    from mcp.server.fastmcp import FastMCP

log = logging.getLogger(__name__)

# The request ``POST /mcp`` serves: set around the SDK's handling of it (functions.routes.mcp_api.serve).
CALLER: ContextVar[Call] = ContextVar("mcp_caller")

# Each tool: the api route it stands for, that route's scope for a key and its least role (a test holds
# them to the route table's rows).
ACCESS: dict[str, tuple[str, str, str]] = {
    "ask": ("POST /ask", "runs:start", "editor"),
    "search_workspace": ("POST /ask", "runs:start", "editor"),
    "list_agents": ("GET /agents", "read", "viewer"),
    "start_run": ("POST /runs", "runs:start", "editor"),
    "follow_run": ("GET /runs/<run_id>", "read", "viewer"),
    "decide": ("POST /runs/<run_id>/approve", "runs:decide", "editor"),
}
EVENTS = 30  # the latest events follow_run shows
PASSAGE_CHARS = 800


class Refused(Exception):
    """A tool's refusal, its reason for the caller (an MCP tool error)."""


def caller(tool: str) -> Call:
    """The request's caller, once their key has the tool's scope and they the route's role."""
    call = CALLER.get()
    _, scope, role = ACCESS[tool]
    if call.scopes is not None and scope not in call.scopes:
        raise Forbidden(f"this API key lacks the scope {scope!r} that {tool} needs: make a key that has it")
    if call.member is None:
        raise NotFound("this workspace is not connected")
    if not at_least(call.role, role):
        raise Forbidden(role_refusal(call.role, role))
    return call


@contextmanager
def refusals(tool: str) -> Iterator[None]:
    """A refusal (ours, or input off the route's model) as a :class:`Refused` naming why; anything else
    as a failure on our side, logged, its details kept from the caller."""
    try:
        yield
    except AgentError as exc:
        raise Refused(f"{tool} refused ({exc.code}): {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "arguments"
        raise Refused(f"{tool} refused (invalid_input): {where}: {first['msg']}") from None
    except Refused:
        raise
    except Exception:
        log.exception("MCP tool %s failed", tool)
        raise Refused(f"{tool} failed on our side: try again later") from None


def ask(question: str, conversation_id: str | None = None) -> dict[str, Any]:
    """Ask the workspace (as POST /ask does)."""
    from functions.routes.memory_api.ask import AskRequest
    from shared.memory.services.ask import ask_in_conversation
    from shared.team.services.sessions import require_connected

    with refusals("ask"):
        call = caller("ask")
        body = AskRequest.model_validate({"question": question, "conversation_id": conversation_id})
        tenant = require_connected(call.tenant_id, call.tenants)
        assert call.member is not None  # caller() refused a request without one
        got, conversation = ask_in_conversation(
            call.container.engine(), tenant, call.member, body.question, body.conversation_id
        )
        return {
            "answer": got.text,
            "cited": got.cited,
            "conversation_id": conversation,
            "searched": got.searched,
        }


def search_workspace(query: str, limit: int = 5) -> dict[str, Any]:
    """The workspace index's passages for ``query`` within the caller's reach (Ask's)."""
    from shared.memory.services.workspace_search import searcher
    from shared.team.services.sessions import require_connected

    with refusals("search_workspace"):
        call = caller("search_workspace")
        tenant = require_connected(call.tenant_id, call.tenants)
        assert call.member is not None
        deps = call.container.engine()
        if deps.memory is None or not deps.settings.workspace_index:
            raise Refused("search_workspace refused: this workspace has no index (NA_WORKSPACE_INDEX is off)")
        found = searcher(deps, tenant.tenant_id, tenant.ask_scopes(call.member))(query.strip(), limit)
        return {"results": [r | {"text": r["text"][:PASSAGE_CHARS]} for r in found]}


def list_agents() -> dict[str, Any]:
    """The workspace's agents (as GET /agents)."""
    from shared.agents.services import agents

    with refusals("list_agents"):
        call = caller("list_agents")
        listed = agents.list_view(call.tenant_id, call.container.agents.agents)["agents"]
        keep = ("agent_id", "name", "description", "paused", "model_tier")
        return {"agents": [{k: a[k] for k in keep if k in a} for a in listed]}


def start_run(
    goal: str, agent_id: str | None = None, page_id: str | None = None, request_id: str | None = None
) -> dict[str, Any]:
    """Start a run of an agent (as POST /runs), held to the caller's reach."""
    from functions.routes.runs_api.runs import NewRun, started

    with refusals("start_run"):
        call = caller("start_run")
        body = NewRun.model_validate({"goal": goal, "page_id": page_id, "request_id": request_id})
        if agent_id is not None:
            agent = call.container.agents.agents.get(call.tenant_id, agent_id)
            if agent is None:
                raise NotFound(f"this workspace has no agent {agent_id!r} (list_agents names them)")
            if agent.paused:
                raise Refused(f"start_run refused: agent {agent_id!r} is paused (an admin resumes it)")
        return started(call, body, agent_id)


def follow_run(run_id: str) -> dict[str, Any]:
    """A run's state, what it waits for and its latest events (as GET /runs/{run_id})."""
    from shared.platform.domain.tasks import is_run_id
    from shared.runs.services import runs

    with refusals("follow_run"):
        call = caller("follow_run")
        if not is_run_id(run_id):
            raise NotFound("no run has this id")
        viewer = runs.Viewer.of(call.tenants, call.tenant_id, call.role)
        c = call.container
        body, _ = runs.timeline(
            call.tenant_id,
            run_id,
            c.runs.store,
            call.tenants,
            viewer=viewer,
            web=c.settings.notion_web_base_url,
        )
        assert body is not None  # no If-None-Match: the body is always read
        keep = ("run_id", "status", "goal", "summary", "agent_id", "waiting", "needs", "change", "wrote")
        shown = {k: body[k] for k in keep if k in body}
        return shown | {"events": list(body.get("events") or [])[-EVENTS:]}


def decide(
    run_id: str, request_id: str, decision: Literal["approve", "reject", "answer"], text: str = ""
) -> dict[str, Any]:
    """Decide the request a run waits for, named by its request_id (as POST /runs/{run_id}/approve)."""
    from functions.routes.runs_api.run_actions import DecisionBody, decided
    from shared.platform.domain.tasks import is_run_id

    with refusals("decide"):
        call = caller("decide")
        body = DecisionBody.model_validate({"request_id": request_id, "text": text})
        if not is_run_id(run_id):
            raise NotFound("no run has this id")
        return decided(call, run_id, decision, body)


_RUN_ID = Field(min_length=1, max_length=200, description="The run's id (start_run gives it)")


@functools.cache
def server() -> "FastMCP":
    """The SDK's server with the tools, stateless and answering JSON (one per instance, made once)."""
    return _made()


def _made() -> "FastMCP":
    from mcp.server.fastmcp import FastMCP
    from mcp.types import ToolAnnotations

    made = FastMCP("notion-agent", stateless_http=True, json_response=True, log_level="WARNING")
    logging.getLogger("mcp").setLevel(logging.WARNING)  # the SDK's every request at INFO: not ours to log
    reads = ToolAnnotations(readOnlyHint=True)
    changes = ToolAnnotations(readOnlyHint=False, destructiveHint=False)

    @made.tool(name="ask", annotations=reads)
    def _ask(
        question: Annotated[
            str, Field(min_length=1, max_length=2000, description="What to ask the workspace")
        ],
        conversation_id: Annotated[
            str | None, Field(description="A follow-up's conversation: the id an earlier answer gave")
        ] = None,
    ) -> dict[str, Any]:
        """Ask the workspace a question: an answer from its pages within your reach, citing them."""
        return ask(question, conversation_id)

    @made.tool(name="search_workspace", annotations=reads)
    def _search(
        query: Annotated[
            str, Field(min_length=1, max_length=500, pattern=r"\S", description="Words to search for")
        ],
        limit: Annotated[int, Field(ge=1, le=20, description="How many passages")] = 5,
    ) -> dict[str, Any]:
        """Search the workspace's pages within your reach: the best passages, each with its page."""
        return search_workspace(query, limit)

    @made.tool(name="list_agents", annotations=reads)
    def _agents() -> dict[str, Any]:
        """The workspace's agents: their ids (start_run takes one), names and whether paused."""
        return list_agents()

    @made.tool(name="start_run", annotations=changes)
    def _start(
        goal: Annotated[str, Field(min_length=1, max_length=2000, description="What the run should do")],
        agent_id: Annotated[
            str | None, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="The agent (list_agents)")
        ] = None,
        page_id: Annotated[str | None, Field(description="A Notion page the run works on")] = None,
        request_id: Annotated[
            str | None, Field(description="Makes a retry start no second run (letters, digits, - and _)")
        ] = None,
    ) -> dict[str, Any]:
        """Start a run of an agent; follow_run follows it. Its changes wait for approvals as any run's."""
        return start_run(goal, agent_id, page_id, request_id)

    @made.tool(name="follow_run", annotations=reads)
    def _follow(run_id: Annotated[str, _RUN_ID]) -> dict[str, Any]:
        """A run's status, the request it waits for (waiting.request_id) and its latest events."""
        return follow_run(run_id)

    @made.tool(name="decide", annotations=changes)
    def _decide(
        run_id: Annotated[str, _RUN_ID],
        request_id: Annotated[
            str,
            Field(
                min_length=1,
                max_length=100,
                description="The request decided: follow_run's waiting.request_id",
            ),
        ],
        decision: Annotated[
            Literal["approve", "reject", "answer"], Field(description="approve, reject or answer")
        ],
        text: Annotated[str, Field(max_length=2000, description="An answer's words, or a note")] = "",
    ) -> dict[str, Any]:
        """Decide the request a run waits for: exactly the one named, never a later one."""
        return decide(run_id, request_id, decision, text)

    return made
