"""Using an agent to start from: a template of the gallery (:mod:`shared.agents.domain.templates`) made
into the workspace's agent in one step, its instructions page written through the Notion adapter, the
agent registered paused ("off") until a person turns it on. The same ``request_id`` makes one agent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from shared.agents.domain.agents import AgentInput
from shared.agents.domain.templates import BY_ID, Template, agent_id_of
from shared.agents.services.agents import create_agent, refused_in_words, view
from shared.platform.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from shared.agents.ports import AgentStore
    from shared.notion.ports import TenantNotion
    from shared.workspace.ports import TenantStore

type JSON = dict[str, Any]


def template_of(template_id: str) -> Template:
    """The gallery's template ``template_id``; NotFound otherwise."""
    found = BY_ID.get(template_id)
    if found is None:
        raise NotFound("the gallery has no template of that id (GET /agent-templates lists them)")
    return found


def agent_input(template: Template, *, name: str, database: str, repository: str) -> AgentInput:
    """The agent ``template`` makes with what the person chose: its rules and reach on ``database``,
    ``repository`` named in its instructions, paused. A 400 names each choice missing or not wanted."""
    problems: list[tuple[str, str]] = []
    needs = template.needs
    for need, sent, field in (
        ("database", database, "data_source_id"),
        ("repository", repository, "repository"),
    ):
        if need in needs and not sent:
            problems.append((field, f"“{template.name}” needs a {need}: choose one"))
        if need not in needs and sent:
            problems.append((field, f"“{template.name}” uses no {need}: leave it out"))
    if problems:
        raise refused_in_words(problems)
    body: JSON = {
        "name": name or template.name,
        "instructions": template.text(repository),
        "tools": list(template.tools),
        "model_tier": template.model_tier,
        "paused": True,
    }
    if template.rules:
        body["triggers"] = {database: [dict(r) for r in template.rules]}
    if template.schedules:
        body["schedules"] = [dict(s) for s in template.schedules]
    if template.reads or template.changes:
        body["reach"] = {"read": [database], "change": [database] if template.changes else []}
    return AgentInput.model_validate(body)


class Choices(NamedTuple):
    """What a person sends when using a template: the request's id (a repeat makes nothing more), and
    the agent's name, database and repository ("": the template's name; none chosen)."""

    request_id: str
    name: str = ""
    database: str = ""
    repository: str = ""


def use_template(
    tenant_id: str,
    template_id: str,
    chosen: Choices,
    *,
    tenants: TenantStore,
    agents: AgentStore,
    notion: TenantNotion | None,
) -> tuple[JSON, bool]:
    """The agent ``template_id`` makes for this workspace, paused until turned on, and whether this call
    made it (False: the same request made it before, and it is answered as it is now). 404 for an
    unknown template; 400 for a choice missing or not wanted; 409 as ``POST /agents`` refuses."""
    template = template_of(template_id)
    agent_id = agent_id_of(template.template_id, chosen.request_id)
    before = agents.get(tenant_id, agent_id)
    if before is not None:
        return view(before), False
    body = agent_input(template, name=chosen.name, database=chosen.database, repository=chosen.repository)
    try:
        made = create_agent(
            tenant_id, body, tenants, agents, notion, agent_id=agent_id, template=template.template_id
        )
    except InvalidInput as exc:  # its rules on the database, refused: the database chosen is at fault
        if not any(f.startswith("triggers.") for f in exc.fields):
            raise
        said = [p for f, p in zip(exc.fields, exc.problems, strict=False) if f.startswith("triggers.")]
        raise refused_in_words([("data_source_id", said[0] if said else exc.reason)]) from None
    return made, True
