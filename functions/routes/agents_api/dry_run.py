"""``POST /agents/<agent_id>/dry-run``: "try it on this page". The agent's plan for a
page as a real run would make it, with the approvals it would need, and no effect
(``shared.engine.planning.dry_run``)."""

from pydantic import ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call
from functions.routes.agents_api.agents import _agent_id
from functions.routes.runs_api.runs import starter_reach
from shared.agents.services import agents
from shared.engine.planning.context import beyond_starter
from shared.engine.planning.dry_run import dry_run
from shared.platform.domain.schema import Schema
from shared.platform.errors import Forbidden
from shared.workspace.domain.settings import NOTION_ID


class DryRunBody(Schema):
    model_config = ConfigDict(extra="forbid")

    page_id: str = Field(pattern=NOTION_ID, description="The Notion page to try the agent on (its id)")


def try_on_page(call: Call) -> Reply:
    body = parse_json(call.request, DryRunBody)
    agent = agents.agent_of(call.tenant_id, _agent_id(call), call.container.agents.agents)
    owner, beyond = starter_reach(call, body.page_id)
    if beyond:  # a dry run waits for nobody (decision 0147): 403, the page unread
        raise Forbidden(beyond_starter(body.page_id))
    deps = call.container.engine()
    return dry_run(deps, call.tenant_id, agent, body.page_id, person=call.person, owner=owner), 200
