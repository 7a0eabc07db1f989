"""Runs: start one, list them, follow one (timeline). Deciding and controlling one: ``run_actions``."""

from pydantic import ConfigDict, Field, field_validator

from functions._http import Reply, parse_json
from functions.routes import Call
from shared.domain.schema import Schema
from shared.domain.settings import NOTION_ID
from shared.domain.tasks import is_run_id
from shared.errors import NotFound
from shared.services import runs


class NewRun(Schema):
    model_config = ConfigDict(extra="forbid")

    goal: str = Field(min_length=1, max_length=2000)
    page_id: str | None = Field(None, pattern=NOTION_ID, description="A Notion page id")
    request_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Makes retries idempotent"
    )

    @field_validator("goal")
    @classmethod
    def _not_blank(cls, goal: str) -> str:
        if not goal.strip():
            raise ValueError("a goal needs some text besides spaces")
        return goal


def run_id_of(call: Call) -> str:
    """The path's run id; one no run can have is not found (nor sent to Firestore, which refuses it)."""
    run_id = call.args["run_id"]
    if not is_run_id(run_id):
        raise NotFound("no run has this id")
    return run_id


def start(call: Call) -> Reply:
    body = parse_json(call.request, NewRun)
    c = call.container
    return runs.request_run(
        call.tenant_id,
        body.goal,
        body.page_id,
        body.request_id,
        tenants=c.tenants,
        requests=c.webhook_events,
        queue=c.queue,
    ), 202


def list_all(call: Call) -> Reply:
    c = call.container
    return runs.list_runs(call.tenant_id, c.store, c.tenants), 200


def get_run(call: Call) -> Reply:
    c = call.container
    return runs.timeline(call.tenant_id, run_id_of(call), c.store, c.tenants), 200
