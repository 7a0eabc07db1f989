"""A workspace's agents: list, create, edit, pause, resume and delete them, read one with its
instructions, accept an instructions version, and list an agent's runs (``shared.agents.services.agents``)."""

import re
from typing import Annotated

from pydantic import ConfigDict, Field, ValidationError

from functions._http import Reply, parse_json
from functions.routes import Call
from shared.agents.domain.agents import AGENT_ID, AgentInput, Name, ToolName
from shared.agents.services import agents
from shared.platform.domain.schema import Schema, problems
from shared.platform.errors import InvalidInput, NotFound
from shared.runs.services import runs
from shared.tools import CODE_PLANNED, REGISTRY


class Acceptance(Schema):
    model_config = ConfigDict(extra="forbid")

    content_hash: str = Field(
        pattern=r"^[0-9a-f]{16}$", description="The version read (GET /agents/<agent_id>: current)"
    )


# The tools an agent may be given, as the contract names them (one it does not know is refused in words).
Tools = Annotated[
    list[Annotated[ToolName, Field(json_schema_extra={"enum": sorted(set(REGISTRY) - CODE_PLANNED)})]],
    Field(max_length=50),
]


class NewAgent(AgentInput):
    """What ``POST /agents`` takes: an agent's fields, its name required."""

    name: Name
    tools: Tools | None = None


class AgentChange(AgentInput):
    """What ``PATCH /agents/<agent_id>`` takes: at least one field; the others keep their values."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    instructions: None = Field(
        None, description="Edited in the agent's instructions page in Notion: null only"
    )
    tools: Tools | None = None


class AgentRunsQuery(Schema):
    """``GET /agents/<agent_id>/runs``: a page of the agent's runs."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(25, ge=1, le=100, description="How many, newest first")
    cursor: str | None = Field(
        None, max_length=200, pattern=r"^[A-Za-z0-9_-]+$", description="The next_cursor of an earlier answer"
    )


def _agent_id(call: Call) -> str:
    """The path's agent id; one no agent can have is not found."""
    agent_id = str(call.args["agent_id"])
    if not re.fullmatch(AGENT_ID, agent_id):
        raise NotFound("this workspace has no agent of that id")
    return agent_id


def list_agents(call: Call) -> Reply:
    return agents.list_view(call.tenant_id, call.container.agents.agents), 200


def parsed[T: AgentInput](call: Call, model: type[T]) -> T:
    """The body as ``model``; a 400 in the builder's words otherwise (``agents.refused_in_words``)."""
    try:
        return parse_json(call.request, model)
    except ValidationError as exc:
        raise agents.refused_in_words(problems(exc)) from None


def create(call: Call) -> Reply:
    body = parsed(call, NewAgent)
    c = call.container
    tenant = call.tenants.get(call.tenant_id, fresh=True)
    home = tenant is not None and tenant.home is not None and bool(tenant.home.parent_page_id)
    notion = c.notion.tenant_notion(call.tenant_id) if home or body.triggers else None
    return agents.create_agent(call.tenant_id, body, call.tenants, c.agents.agents, notion), 201


def get_agent(call: Call) -> Reply:
    c = call.container
    agent = agents.agent_of(call.tenant_id, _agent_id(call), c.agents.agents)
    tenant = call.tenants.get(call.tenant_id, fresh=True)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    shown = agents.view(agent)
    boxes = c.mail.mailboxes.of_tenant(call.tenant_id)
    shown["addresses"] = sorted(m.address for m in boxes if m.agent_id == agent.agent_id)
    if agent.instructions_page_id:
        shown["instructions"] = agents.instructions_view(
            tenant, agent, c.notion.tenant_notion(call.tenant_id)
        )
    return shown, 200


def edit(call: Call) -> Reply:
    body = parsed(call, AgentChange)
    if not body.model_fields_set:
        raise InvalidInput("send at least one field to change")
    c = call.container
    notion = c.notion.tenant_notion(call.tenant_id) if body.triggers else None
    return agents.edit_agent(
        call.tenant_id, _agent_id(call), body, tenants=call.tenants, agents=c.agents.agents, notion=notion
    ), 200


def _pause(call: Call, paused: bool) -> Reply:
    change = AgentInput(paused=paused)
    c = call.container
    return agents.edit_agent(
        call.tenant_id, _agent_id(call), change, tenants=call.tenants, agents=c.agents.agents, notion=None
    ), 200


def pause(call: Call) -> Reply:
    return _pause(call, True)


def resume(call: Call) -> Reply:
    return _pause(call, False)


def remove(call: Call) -> Reply:
    return agents.delete_agent(
        call.tenant_id, _agent_id(call), call.tenants, call.container.agents.agents
    ), 200


def accept(call: Call) -> Reply:
    body = parse_json(call.request, Acceptance)
    c = call.container
    return agents.accept_instructions(
        call.tenant_id,
        _agent_id(call),
        body.content_hash,
        tenants=call.tenants,
        agents=c.agents.agents,
        notion=c.notion.tenant_notion(call.tenant_id),
    ), 200


# A sentence ends at a full stop before a space, not at an abbreviation's ("e.g. {...}" goes on).
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bvs)(?<!\bcf)\.(?:\s|$)")


def first_sentence(text: str) -> str:
    """``text``'s first sentence without its full stop: it ends at the first full stop before a space
    or the end that is not an abbreviation's (e.g., i.e., etc., vs., cf.)."""
    end = _SENTENCE_END.search(text)
    return (text[: end.start()] if end else text).strip()


def list_tools(call: Call) -> Reply:
    """``GET /tools``: every tool an agent may be given, with what it does (the builder's list): its
    description's first sentence, whole."""
    shown = [
        {"name": t.name, "effect": t.effect.value, "description": first_sentence(t.description)}
        for t in REGISTRY.values()
    ]
    return {"tools": shown, "always": list(agents.ALWAYS_ALLOWED)}, 200


def agent_runs(call: Call) -> Reply:
    query = AgentRunsQuery.model_validate(call.request.args.to_dict())
    agent = agents.agent_of(call.tenant_id, _agent_id(call), call.container.agents.agents)
    page = runs.list_runs(
        call.tenant_id,
        call.container.runs.store,
        call.tenants,
        limit=query.limit,
        agent=agent.agent_id,
        cursor=query.cursor,
    )
    return page, 200
