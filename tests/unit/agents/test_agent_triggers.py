"""Trigger rules belong to agents: a page change that meets an agent's rules starts that agent (its
plan task names it, a task apart from the default agent's), an agent's pause keeps its rules from
starting anything, and webhook intake still reads nothing but the tenant (its ``agent_triggers``)."""

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.agents.domain.agents import Agent, AgentInput
from shared.agents.services import agents as agents_service
from shared.engine.planning.start import start_run
from shared.platform.errors import Conflict, InvalidInput
from shared.runs.domain.notion_events import NotionEvent, admit, plan_task
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant
from shared.workspace.domain.triggers import PageCreated, PropertyChanged
from tests.support.agents.agent_fakes import FakeAgents
from tests.support.engine.engine_fakes import make_deps
from tests.support.workspace.workspace_fakes import FakeTenantStore

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
DS, OTHER = "2a3b4c5d-0000-4000-8000-000000000001", "2a3b4c5d-0000-4000-8000-000000000009"
PAGE = "3b4c5d6e-0000-4000-8000-000000000002"
STATUS = PropertyChanged(property="Status", property_id="st", property_type="status")


def _tenant(**changes: Any) -> Tenant:
    fields: dict[str, Any] = {
        "tenant_id": "t1",
        "workspace_id": "ws1",
        "token_secret": "s",
        "created_at": NOW,
        "updated_at": NOW,
        "settings": TenantSettings(data_source_ids=[DS]),
    }
    return Tenant.model_validate(fields | changes)


def _event(kind: str, source: str = DS, updated: list[str] | None = None) -> NotionEvent:
    data: dict[str, Any] = {"parent": {"id": source, "type": "database", "data_source_id": source}}
    if updated is not None:
        data["updated_properties"] = updated
    return NotionEvent.model_validate(
        {
            "id": "evt-1",
            "type": kind,
            "timestamp": "2026-01-05T09:00:00.000Z",
            "workspace_id": "ws1",
            "authors": [{"id": "person-1", "type": "person"}],
            "entity": {"id": PAGE, "type": "page"},
            "data": data,
        }
    )


def test_a_change_that_meets_an_agents_rules_names_that_agent() -> None:
    tenant = _tenant(agent_triggers={"triage": {OTHER: [PageCreated()], DS: [STATUS]}})
    changed = admit(_event("page.properties_updated", updated=["st"]), tenant)
    assert changed.admitted and changed.agent_id == "triage"
    created = admit(_event("page.created"), tenant)  # the default agent's rules (the settings')
    assert created.admitted and created.agent_id is None
    elsewhere = admit(_event("page.created", OTHER), tenant)  # a source only the agent watches
    assert elsewhere.admitted and elsewhere.agent_id == "triage"
    theirs = plan_task(_event("page.properties_updated", updated=["st"]), "t1", 30.0, NOW, agent_id="triage")
    default = plan_task(_event("page.properties_updated", updated=["st"]), "t1", 30.0, NOW)
    assert theirs.task.agent_id == "triage" and default.task.agent_id is None
    assert theirs.task_id != default.task_id and theirs.task.run_id != default.task.run_id


def test_agents_rules_follow_the_agents_and_a_paused_one_starts_nothing() -> None:
    tenants, store = FakeTenantStore(), FakeAgents()
    tenants.save(_tenant())
    store.create("t1", Agent(agent_id="triage", name="Triage", created_at=NOW, updated_at=NOW))
    change = AgentInput(triggers={DS: [PageCreated()]})
    agents_service.edit_agent("t1", "triage", change, tenants=tenants, agents=store, notion=None)
    stored = tenants.get("t1")
    assert stored is not None and list(stored.agent_triggers) == ["triage"]
    agents_service.edit_agent(
        "t1", "triage", AgentInput(paused=True), tenants=tenants, agents=store, notion=None
    )
    stored = tenants.get("t1")
    assert stored is not None and stored.agent_triggers == {}

    deps = make_deps()._replace(agents_source=lambda: store)
    trigger = Trigger(kind="webhook", event_id="e1", event_type="page.created", page_id=PAGE, by_owner=True)
    task = PlanTask(tenant_id="t1", run_id="wh-e1", trigger=trigger, agent_id="triage", admitted=True)
    assert not start_run(task, deps)
    assert deps.store.get_run("t1", "wh-e1") is None
    agents_service.edit_agent(
        "t1", "triage", AgentInput(paused=False), tenants=tenants, agents=store, notion=None
    )
    assert start_run(task, deps) and deps.store.get_run("t1", "wh-e1") is not None
    agents_service.delete_agent("t1", "triage", tenants, store)
    again = task.model_copy(update={"run_id": "wh-e2"})
    assert not start_run(again, deps) and deps.store.get_run("t1", "wh-e2") is None  # deleted: dropped


def test_a_name_another_agent_has_is_a_409_and_a_bad_tool_still_a_400() -> None:
    tenants, store = FakeTenantStore(), FakeAgents()
    tenants.save(_tenant())
    store.create("t1", Agent(agent_id="triage", name="Triage", created_at=NOW, updated_at=NOW))
    store.create("t1", Agent(agent_id="notes", name="Notes", created_at=NOW, updated_at=NOW))
    with pytest.raises(Conflict, match="another agent is called 'triage'"):  # trimmed; the workspace's state
        agents_service.edit_agent(
            "t1", "notes", AgentInput(name=" triage"), tenants=tenants, agents=store, notion=None
        )
    with pytest.raises(InvalidInput) as refused:  # the body's own problem comes first
        agents_service.edit_agent(
            "t1",
            "notes",
            AgentInput(name="Triage", tools=["no_such_tool"]),
            tenants=tenants,
            agents=store,
            notion=None,
        )
    assert refused.value.fields == ["tools.0"]
