"""An agent's routines: each schedule with when it next starts a run. "Run now"
starts a routine's run at once, idempotently: the same ``request_id`` (a double click, a retried
request) names the same run, which planning creates once."""

import hashlib
from datetime import UTC, datetime, tzinfo

from pydantic import ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call
from functions.routes.agents_api.agents import _agent_id
from shared.agents.domain.agents import RUN_NOW, next_slot, slot_words
from shared.agents.services import agents
from shared.platform.domain.schema import Schema
from shared.platform.errors import Conflict, InvalidInput, NotFound
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.workspace.domain.daily import zone_of


class RunNow(Schema):
    model_config = ConfigDict(extra="forbid")

    routine: int = Field(ge=0, le=9, description="Which of the agent's schedules, from 0 (its order)")
    request_id: str = Field(
        pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The same id names the same run: a repeat starts none"
    )


def _zone(call: Call) -> tuple[str, tzinfo]:
    tenant = call.tenants.get(call.tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    name = tenant.settings.timezone or "UTC"
    return name, zone_of(name) or UTC


def routines(call: Call) -> Reply:
    """``GET /agents/<agent_id>/routines``: each schedule, in the agent's order, with ``next_run`` (null
    while the agent is paused: a paused agent's routines start nothing)."""
    agent = agents.agent_of(call.tenant_id, _agent_id(call), call.container.agents.agents)
    name, zone = _zone(call)
    now = datetime.now(UTC)
    shown = []
    for index, schedule in enumerate(agent.schedules):
        upcoming = None if agent.paused else next_slot(schedule, now, zone)
        shown.append(
            {
                "index": index,
                "schedule": schedule.model_dump(mode="json"),
                "next_run": upcoming.isoformat() if upcoming else None,
            }
        )
    return {"agent_id": agent.agent_id, "timezone": name, "paused": agent.paused, "routines": shown}, 200


def run_now(call: Call) -> Reply:
    """``POST /agents/<agent_id>/run-now``: the routine's run, started now (202); the
    same ``request_id`` answers the same run and queues it under the same task name, once."""
    body = parse_json(call.request, RunNow)
    agent = agents.agent_of(call.tenant_id, _agent_id(call), call.container.agents.agents)
    index = body.routine
    if index >= len(agent.schedules):
        # the agent exists (a 404 would say it does not): the body names a schedule it lacks
        raise InvalidInput(
            f"routine: agent {agent.agent_id} has no routine {index + 1} (it has {len(agent.schedules)})",
            ["routine"],
        )
    if agent.paused:
        raise Conflict(f"agent {agent.agent_id} is paused: resume it to run its routines")
    _, zone = _zone(call)
    now = datetime.now(UTC).astimezone(zone).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    words = RUN_NOW + slot_words(agent.schedules[index], now, zone)
    digest = hashlib.sha256(f"{agent.agent_id}:{index}:{body.request_id}".encode()).hexdigest()[:16]
    run_id = f"now-{digest}"
    person = call.person
    tenant = call.tenants.get(call.tenant_id)
    by_owner = tenant is not None and tenant.owner_reach(call.role)  # its starter's reach
    trigger = Trigger(kind="schedule", by_owner=by_owner, slot=words[:100], people=[person] if person else [])
    task = PlanTask(tenant_id=call.tenant_id, run_id=run_id, trigger=trigger, agent_id=agent.agent_id)
    call.container.platform.queue.enqueue(Queue.PLAN, task, f"plan:{call.tenant_id}:{run_id}")
    return {"run_id": run_id, "status": "planning"}, 202
