"""Trigger rules end to end: the owner sets them through the api, checked against the data source's
schema in the Notion sandbox; then the sandbox's own signed events go through notion-webhook and the
plan tasks are planned for real (Firestore emulator, Cloud Tasks emulator, the offline model, counted).
An edit no rule names costs no Notion request, model call, task or run."""

from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.platform.topology import Queue
from tests.integration.notion_stack import Stack
from tests.support.engine.webhook_intake import flush
from tests.support.runs.trigger_rules import CountingModel, Planner, last_request, requests_since

pytestmark = pytest.mark.integration

RULES = [
    {"kind": "page_created"},
    {"kind": "property_changed", "property": "Status", "to": "In progress"},
    {"kind": "assigned_to_agent", "property": "For agent"},
    {"kind": "assigned_to_agent", "property": "Assignee"},
    {"kind": "mentioned"},
]


def owner_session(stack: Stack) -> tuple[str, dict[str, str], dict[str, Any]]:
    outcome = stack.connect()
    ws = next(w for w in stack.admin.get("/workspaces") if w["key"] == "demo")
    return outcome["tenant_id"], {"Authorization": f"Bearer {outcome['session']}"}, ws


def patch(stack: Stack, auth: dict[str, str], body: dict[str, Any]) -> Any:
    return stack.client("api").patch("/settings", json=body, headers=auth)


def test_rules_are_checked_against_the_sources_schema_and_stored_with_property_ids(stack: Stack) -> None:
    tenant_id, auth, ws = owner_session(stack)
    tasks, ideas = ws["ids"]["tasks_data_source"], ws["ids"]["ideas_data_source"]
    schema = stack.admin.post("/workspaces/demo/act", {"method": "GET", "path": f"/v1/data_sources/{tasks}"})
    ids = {name: p["id"] for name, p in schema["response"]["properties"].items()}
    answer = patch(stack, auth, {"data_source_ids": [tasks, ideas], "triggers": {tasks: RULES}})
    assert answer.status_code == 200, answer.json
    stored = answer.json["settings"]["triggers"][tasks]
    assert [(r.get("property"), r.get("property_id"), r.get("property_type")) for r in stored] == [
        (None, None, None),
        ("Status", ids["Status"], "status"),
        ("For agent", ids["For agent"], "checkbox"),
        ("Assignee", ids["Assignee"], "people"),
        (None, None, None),
    ]
    # A source chosen without rules gets the default: created and mentioned, never an edit.
    assert [r["kind"] for r in answer.json["effective_triggers"][ideas]] == ["page_created", "mentioned"]
    before = stack.client("api").get("/settings", headers=auth).json
    refused = {
        "Stage": [{"kind": "property_changed", "property": "Stage"}],
        "'Priority' is of type select": [{"kind": "assigned_to_agent", "property": "Priority"}],
        "no option 'Ready for agent'": [
            {"kind": "property_changed", "property": "Status", "to": "Ready for agent"}
        ],
        "'Due' is of type date": [{"kind": "property_changed", "property": "Due", "to": "2026-01-01"}],
    }
    for says, rules in refused.items():
        answer = patch(stack, auth, {"triggers": {tasks: rules}, "planning_hour": 3})
        assert answer.status_code == 400 and says in answer.json["reason"], (says, answer.json)
        assert answer.json["fields"][0]["field"].startswith(f"triggers.{tasks}.0.")
    unknown_source = "0f0f0f0f-0000-4000-8000-000000000000"
    answer = patch(
        stack, auth, {"data_source_ids": [tasks, unknown_source], "triggers": {unknown_source: RULES}}
    )
    assert answer.status_code == 400 and "could not be read from Notion" in answer.json["reason"]
    answer = patch(stack, auth, {"data_source_ids": [ideas], "triggers": {tasks: [{"kind": "page_created"}]}})
    assert answer.status_code == 400 and "not among data_source_ids" in answer.json["reason"]
    assert stack.client("api").get("/settings", headers=auth).json == before  # nothing stored
    # Dropping a source from the chosen ones drops its rules too.
    answer = patch(stack, auth, {"data_source_ids": [ideas]})
    assert answer.status_code == 200 and answer.json["settings"]["triggers"] == {}
    assert tenant_id


def act(stack: Stack, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    done = stack.admin.post("/workspaces/demo/act", {"method": method, "path": path, "body": body})
    assert done["status"] == 200, done
    return dict(done["response"])


def test_only_edits_a_rule_names_cost_anything_and_a_matching_one_starts_one_run(stack: Stack) -> None:
    tenant_id, auth, ws = owner_session(stack)
    tasks = ws["ids"]["tasks_data_source"]
    assert patch(stack, auth, {"data_source_ids": [tasks], "triggers": {tasks: RULES}}).status_code == 200
    if (stack.admin.get("/webhook")["subscription"] or {}).get("url") != stack.webhook_url:
        assert stack.subscribe()["verified"]
    pages = [ws["ids"][k] for k in ("task_report", "task_invoices", "task_release", "task_archive")]
    delivered = [len(flush(stack))]
    model = CountingModel(stack.container.platform.model)
    deps = stack.container.engine()._replace(model=model)
    planner = Planner(stack.tasks, deps)

    def edit(page: str, properties: dict[str, Any]) -> tuple[list[dict[str, Any]], list[bool], int]:
        """A person's edit delivered, its tasks planned: the events, what planning returned, and the
        Notion requests made meanwhile."""
        seq = last_request(stack.admin)
        act(stack, "PATCH", f"/v1/pages/{page}", {"properties": properties})
        deliveries = flush(stack)
        events = [d for d in deliveries[delivered[0] :] if d["type"] == "page.properties_updated"]
        delivered[0] = len(deliveries)
        started = planner.plan_pending()
        return events, started, len(requests_since(stack.admin, seq))

    # Edits to properties no rule names: acknowledged, nothing recorded or enqueued, no Notion request.
    for page, props in (
        (pages[0], {"Priority": {"select": {"name": "Low"}}}),
        (pages[1], {"Due": {"date": {"start": "2026-12-01"}}}),
        (pages[2], {"Name": {"title": [{"text": {"content": "Renamed"}}]}}),
    ):
        events, started, requests = edit(page, props)
        assert len(events) == 1 and events[0]["status"] == 200
        assert (started, requests, model.calls) == ([], 0, 0)
    assert stack.event_ids(tenant_id) == [] and stack.pending(Queue.PLAN) == []
    # The right property with the wrong value: one page read when planning, no model call, no run.
    events, started, requests = edit(pages[0], {"Status": {"status": {"name": "Done"}}})
    assert len(events) == 1 and started == [False] and requests == 1 and model.calls == 0
    assert deps.store.list_runs(tenant_id) == []
    # Status moved to "In progress": exactly one run, planned by the model.
    events, started, requests = edit(pages[1], {"Status": {"status": {"name": "In progress"}}})
    assert len(events) == 1 and started == [True] and model.calls == 1
    [run] = deps.store.list_runs(tenant_id)
    assert run.state.page_id == pages[1]
    # Assigned to the agent (its bot user in a people property): one more run.
    tenant = stack.container.workspace.tenants.get(tenant_id)
    assert tenant is not None and tenant.bot_id
    events, started, _ = edit(pages[3], {"Assignee": {"people": [{"id": tenant.bot_id}]}})
    assert started == [True] and len(deps.store.list_runs(tenant_id)) == 2
    # Every plan task planned again (a repeated delivery) starts nothing more.
    assert all(start_run(t, deps) is False for t in stack.plan_tasks())
    assert len(deps.store.list_runs(tenant_id)) == 2 and model.calls == 2
