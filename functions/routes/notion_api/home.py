"""The agent's home: what the integration can see (a page picker), and the Runs, Daily plans and
Tasks databases made under the page the owner chose (``shared.notion.services.agent_home``)."""

import re
from typing import Literal

from pydantic import ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call
from shared.agents.services import agents
from shared.notion.services import agent_home
from shared.platform.domain.schema import Schema
from shared.platform.errors import InvalidInput, NotFound, PermanentError
from shared.workspace.domain.agent_home import TasksChoice
from shared.workspace.domain.settings import NOTION_ID
from shared.workspace.domain.triggers import property_choices

PAGE_SIZE_MAX = 100
QUERY_MAX = 200
CURSOR_MAX = 200


class NewHome(Schema):
    model_config = ConfigDict(extra="forbid")

    parent_page_id: str = Field(pattern=NOTION_ID, description="The page the databases go under")
    tasks: str = Field(
        "auto", pattern=f"^(create|auto)$|{NOTION_ID}", description='"create", "auto" or a data source id'
    )


def _page_size(raw: str) -> int:
    # ASCII digits (str.isdigit() also takes "²", which int() refuses), and few
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or not 1 <= int(raw) <= PAGE_SIZE_MAX:
        raise InvalidInput(f"page_size must be a whole number from 1 to {PAGE_SIZE_MAX}", ["page_size"])
    return int(raw)


def list_pages(call: Call) -> Reply:
    args = call.request.args
    query, cursor = args.get("query", ""), args.get("cursor") or None
    if len(query) > QUERY_MAX:
        raise InvalidInput(f"query must be at most {QUERY_MAX} characters", ["query"])
    if cursor is not None and (len(cursor) > CURSOR_MAX or not cursor.isascii() or not cursor.isprintable()):
        raise InvalidInput("cursor must be the next_cursor of an earlier answer", ["cursor"])
    page_size = _page_size(args.get("page_size", "25"))
    kind = args.get("kind", "")
    if kind not in ("", "page", "data_source"):
        raise InvalidInput("kind must be page or data_source, or absent for both", ["kind"])
    tenant = call.tenants.get(call.tenant_id)
    hidden = agent_home.agent_written(tenant.home if tenant is not None else None)
    notion = call.container.notion.tenant_notion(call.tenant_id)
    return agent_home.list_visible(notion, query, cursor, page_size, kind=kind or None, hidden=hidden), 200


def list_properties(call: Call) -> Reply:
    """A chosen data source's properties, as trigger rules may name them (name, type, options)."""
    source = call.args["data_source_id"]
    if not re.fullmatch(NOTION_ID, source):
        raise InvalidInput("data_source_id must be a Notion id", ["data_source_id"])
    read = call.container.notion.data_source_schemas(call.tenant_id)
    try:
        schema = read(source)
    except PermanentError as exc:
        if getattr(exc, "status", None) == 404:
            raise NotFound("no data source with this id is shared with the agent") from exc
        raise
    return {"properties": [c.model_dump(mode="json") for c in property_choices(schema)]}, 200


def get_home(call: Call) -> Reply:
    c = call.container
    return agent_home.read_home(
        call.tenant_id, c.workspace.tenants, c.notion.tenant_notion(call.tenant_id)
    ), 200


def post_home(call: Call) -> Reply:
    body = parse_json(call.request, NewHome)
    mode: Literal["create", "auto", "existing"] = (
        "create" if body.tasks == "create" else "auto" if body.tasks == "auto" else "existing"
    )
    choice = TasksChoice(mode=mode, data_source_id=body.tasks if mode == "existing" else "")
    c = call.container
    notion = c.notion.tenant_notion(call.tenant_id)
    made = agent_home.ensure_home(call.tenant_id, body.parent_page_id, choice, c.workspace.tenants, notion)
    tenant = c.workspace.tenants.get(call.tenant_id, fresh=True)
    if tenant is not None:  # onboarding: the default agent's instructions page, once
        agents.ensure_default_instructions(tenant, notion, c.agents.agents)
    return made, 200
