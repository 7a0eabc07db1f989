"""An agent's record (decision 0170): ``GET /agents/<agent_id>/record``, its runs and cost
over 7 and 30 days and its 30 days' chart, read from its day documents (``shared.agents.services.records``).
Seen by whoever sees the workspace's spend (``GET /usage``: a viewer and up)."""

from functions._http import Reply
from functions.routes import Call
from functions.routes.agents_api.agents import _agent_id
from shared.agents.services import agents, records


def agent_record(call: Call) -> Reply:
    store = call.container.agents.agents
    agent = agents.agent_of(call.tenant_id, _agent_id(call), store)
    return records.record(store, call.tenant_id, agent.agent_id), 200
