"""Agents' tracker rules (decision 0121) on the Linear sandbox's own signed deliveries, through the intake
with the Firestore emulator's delivery ledger: an issue assigned to the agent's Linear user starts one run,
whether its deliveries come twice, under new delivery ids, or out of order; other changes start none."""

import pytest

from shared.agents.domain.agents import Agent
from shared.agents.domain.tracker_rules import TrackerRule
from shared.agents.services.tracker_triggers import start_runs
from shared.platform.errors import Conflict
from shared.runs.domain.plan_task import PlanTask
from shared.sync.services.connect import connect_linear
from shared.sync.services.intake import ingest_linear
from tests.integration.sync.conftest import KEY, TEAM_ID, SyncStack
from tests.support.agents.agent_fakes import FakeAgents

pytestmark = pytest.mark.integration


def test_an_assignment_starts_one_run_however_its_deliveries_come(stack: SyncStack) -> None:
    connect_linear(stack.tenant_id, {"api_key": KEY, "team_id": TEAM_ID}, stack.linking)
    agents, now = FakeAgents(), stack.clock[0]
    rule = TrackerRule(on="assigned", target=f"linear:{TEAM_ID}", user="user-ada")
    agents.create(
        stack.tenant_id,
        Agent(agent_id="triage", name="Triage", created_at=now, updated_at=now, tracker_triggers=(rule,)),
    )
    intake = stack.intake._replace(triggers=lambda t, s: start_runs(t, s, agents, stack.queue))
    stack.queue.tasks.clear()
    stack.linear.outbox.clear()
    issue = stack.linear.add_issue("Crash on save", description="Steps: open, save.")
    stack.linear.edit(issue, assigneeId="user-ada")
    stack.linear.edit(issue, title="Crash on save (Safari)")
    deliveries = list(reversed(stack.linear.outbox))  # out of order: the last change first
    for _, headers, body in deliveries:
        ingest_linear(stack.tenant_id, body, headers, intake)
    runs = [t for _, t, _, _ in stack.queue.tasks if isinstance(t, PlanTask)]
    assert len(runs) == 1 and runs[0].trigger.tracker is not None
    assert runs[0].trigger.tracker.title == "Crash on save" and runs[0].agent_id == "triage"
    for _, headers, body in deliveries:  # each again: a replay of its delivery id
        with pytest.raises(Conflict):
            ingest_linear(stack.tenant_id, body, headers, intake)
    for n, (_, headers, body) in enumerate(deliveries):  # the same signed body under a new, unsigned id
        with pytest.raises(Conflict):
            ingest_linear(stack.tenant_id, body, {**headers, "Linear-Delivery": f"retry-{n:08}"}, intake)
    assert [t for _, t, _, _ in stack.queue.tasks if isinstance(t, PlanTask)] == runs
