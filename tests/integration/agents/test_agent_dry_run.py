"""An agent tried on a page through the api, against the Notion sandbox and the
Firestore and Cloud Tasks emulators: the plan a real run would make and the approvals it would need,
its model cost counted, its budgets holding, bad input refused in words, and nothing else done."""

from typing import Any, cast

import pytest
from werkzeug.test import TestResponse

from local.notion_sandbox import seed_ids
from shared.engine.planning.dry_run import dry_run
from shared.platform.errors import Conflict
from shared.platform.topology import Queue
from tests.integration.notion_stack import Stack
from tests.support.agents.dry_runs import firestore_docs, notion_writes
from tests.support.platform.platform_fakes import FakeModel

pytestmark = pytest.mark.integration
DEMO = seed_ids("demo")


def _j(response: TestResponse) -> dict[str, Any]:
    return cast(dict[str, Any], response.get_json(force=True))


def _setup(stack: Stack) -> tuple[Any, dict[str, str], str]:
    connected = stack.connect()
    api, auth = stack.client("api"), {"Authorization": f"Bearer {connected['session']}"}
    home = {"parent_page_id": DEMO["home_page"], "tasks": "create"}
    assert api.post("/home", json=home, headers=auth).status_code == 200
    return api, auth, connected["tenant_id"]


def _queued(stack: Stack) -> int:
    return sum(len(stack.pending(q)) for q in Queue)


def test_a_dry_run_shows_the_plan_and_its_approvals_and_changes_nothing(stack: Stack) -> None:
    api, auth, tenant_id = _setup(stack)
    agent = _j(api.post("/agents", json={"name": "Planner", "instructions": "Plan the idea."}, headers=auth))
    before, queued = firestore_docs(stack.db, tenant_id), _queued(stack)
    stack.admin.delete("/requests")
    page = DEMO["idea_newsletter"]
    tried = api.post(f"/agents/{agent['agent_id']}/dry-run", json={"page_id": page}, headers=auth)
    assert tried.status_code == 200, _j(tried)
    shown = _j(tried)
    tools = [s["tool"] for s in shown["steps"]]
    assert "create_page" in tools and "request_approval" in tools and tools[-1] == "finish"
    assert "Plan the idea." in shown["goal"] and shown["page_title"]
    [asks] = shown["approvals"]
    assert asks["tool"] == "request_approval" and asks["approval"]["role"] == "editor"
    writes = [s for s in shown["steps"] if s["effect"] == "notion_write"]
    assert writes and all(s["approval"] is None for s in writes)  # its own page: none asked
    assert shown["effects"] == 0
    assert notion_writes(stack.admin.get("/requests")) == []
    assert firestore_docs(stack.db, tenant_id) == before
    assert _queued(stack) == queued
    assert _j(api.get("/runs", headers=auth))["runs"] == []


def test_a_dry_run_is_paid_for_and_held_to_the_agents_budget(stack: Stack) -> None:
    api, auth, tenant_id = _setup(stack)
    agent_id = _j(api.post("/agents", json={"name": "Cheap", "instructions": "Plan it."}, headers=auth))[
        "agent_id"
    ]
    deps = stack.container.engine()._replace(model=FakeModel(cost_usd=0.004))
    agent = stack.container.agents.agents.get(tenant_id, agent_id)
    assert agent is not None
    day = deps.clock().strftime("%Y-%m-%d")
    spent = deps.store.spend(tenant_id, day, day[:7])[0]
    shown = dry_run(deps, tenant_id, agent, DEMO["idea_newsletter"], person="", owner=True)
    assert shown["cost_usd"] == pytest.approx(0.004)
    assert deps.store.spend(tenant_id, day, day[:7])[0] == pytest.approx(spent + 0.004)
    # an agent budget too small for one plan call: refused, in words, like a plan
    capped = api.patch(f"/agents/{agent_id}", json={"max_cost_per_run_usd": 0.000001}, headers=auth)
    assert capped.status_code == 200
    agent = stack.container.agents.agents.get(tenant_id, agent_id)
    assert agent is not None
    with pytest.raises(Conflict, match="the dry run stopped"):
        dry_run(deps, tenant_id, agent, DEMO["idea_newsletter"], person="", owner=True)


def test_bad_dry_runs_are_refused_in_words(stack: Stack) -> None:
    api, auth, _ = _setup(stack)
    bad = api.post("/agents/default/dry-run", json={"page_id": "not a page"}, headers=auth)
    assert bad.status_code == 400 and [f["field"] for f in _j(bad)["fields"]] == ["page_id"]
    gone = api.post("/agents/nobody/dry-run", json={"page_id": DEMO["idea_newsletter"]}, headers=auth)
    assert gone.status_code == 404
    missing = api.post("/agents/default/dry-run", json={"page_id": "0" * 32}, headers=auth)
    assert missing.status_code == 400 and "could not be read" in _j(missing)["reason"]
    assert [f["field"] for f in _j(missing)["fields"]] == ["page_id"]
    # a paused agent is tried as if turned on (decision 0184): how one is checked before it is
    assert _j(api.post("/agents/default/pause", headers=auth))["paused"] is True
    paused = api.post("/agents/default/dry-run", json={"page_id": DEMO["idea_newsletter"]}, headers=auth)
    assert paused.status_code == 200 and _j(paused)["steps"] and _j(paused)["problem"] is None
    assert _j(api.get("/agents/default", headers=auth))["paused"] is True


def test_a_dry_run_is_held_to_the_workspaces_budget(stack: Stack) -> None:
    api, auth, tenant_id = _setup(stack)
    deps = stack.container.engine()._replace(model=FakeModel(cost_usd=0.004))

    def spent(tenant: Any) -> Any:
        tight = {"max_cost_per_run_usd": 0.000001, "max_cost_per_day_usd": 0.000001}
        return tenant.model_copy(update={"settings": tenant.settings.model_copy(update=tight)})

    stack.container.workspace.tenants.update(tenant_id, spent)
    agent = stack.container.agents.agents.get(tenant_id, "default")
    assert agent is not None
    with pytest.raises(Conflict, match="the dry run stopped"):
        dry_run(deps, tenant_id, agent, DEMO["idea_newsletter"], person="", owner=True)
    assert _j(api.get("/runs", headers=auth))["runs"] == []
