"""Agents to start from: ``GET /agent-templates`` lists the gallery's templates, and
``POST /agent-templates/<template_id>/agents`` makes one into the workspace's agent in one step,
paused until turned on (``shared.agents.services.templates``; decision 0184)."""

import re

from pydantic import ConfigDict, Field, ValidationError

from functions._http import Reply, parse_json
from functions.routes import Call
from shared.agents.domain.agents import Name
from shared.agents.domain.templates import REPOSITORY_PATTERN, TEMPLATE_ID, TEMPLATES, view
from shared.agents.services.agents import refused_in_words
from shared.agents.services.templates import Choices, template_of, use_template
from shared.platform.domain.schema import Schema, problems
from shared.platform.errors import NotFound
from shared.workspace.domain.settings import NOTION_ID


class TemplateUse(Schema):
    """What ``POST /agent-templates/<template_id>/agents`` takes: the request's id, and what the
    template asks the person to choose (its ``needs``)."""

    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(
        pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The same id makes the same agent: a repeat makes none"
    )
    name: Name | None = Field(None, description="Its name; left out: the template's")
    data_source_id: str | None = Field(
        None, pattern=NOTION_ID, description="The database its rules and reach name (needs: database)"
    )
    repository: str | None = Field(
        None,
        pattern=REPOSITORY_PATTERN,
        description="owner/name, as its instructions name it (needs: repository)",
    )


def _template_id(call: Call) -> str:
    template_id = str(call.args["template_id"])
    if not re.fullmatch(TEMPLATE_ID, template_id):
        raise NotFound("the gallery has no template of that id (GET /agent-templates lists them)")
    return template_of(template_id).template_id


def list_templates(call: Call) -> Reply:
    """``GET /agent-templates``: every template, what it does and its starts, reach and tools in words."""
    return {"templates": [view(t) for t in TEMPLATES]}, 200


def use(call: Call) -> Reply:
    """``POST /agent-templates/<template_id>/agents``: the agent made, paused (201), or the one the same
    ``request_id`` made before (200)."""
    template_id = _template_id(call)
    try:
        body = parse_json(call.request, TemplateUse)
    except ValidationError as exc:
        raise refused_in_words(problems(exc)) from None
    chosen = Choices(body.request_id, body.name or "", body.data_source_id or "", body.repository or "")
    c = call.container
    made, new = use_template(
        call.tenant_id,
        template_id,
        chosen,
        tenants=call.tenants,
        agents=c.agents.agents,
        notion=c.notion.tenant_notion(call.tenant_id),
    )
    return made, 201 if new else 200
