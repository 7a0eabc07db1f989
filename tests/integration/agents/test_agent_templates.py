"""Agents to start from through the api, against the Notion sandbox and the Firestore emulator: the
gallery listed, a template made into a paused agent in one step (its instructions page written in the
workspace), a repeat making nothing more, bad choices refused with nothing stored, and the new agent
tried in a dry run before it is turned on."""

from typing import Any, cast

import pytest
from werkzeug.test import TestResponse

from local.notion_sandbox import seed_ids
from shared.agents.domain.templates import BY_ID, TEMPLATES
from tests.integration.notion_stack import Stack
from tests.support.agents.dry_runs import firestore_docs, notion_writes

pytestmark = pytest.mark.integration
DEMO = seed_ids("demo")


def _instructions_pages(stack: Stack, title: str) -> list[dict[str, Any]]:
    pages = stack.admin.get("/workspaces/demo/state")["pages"]
    return [p for p in pages if title in str(p["properties"]) and not p["in_trash"]]


def _j(response: TestResponse) -> dict[str, Any]:
    """The answer's JSON object (whatever its status)."""
    return cast(dict[str, Any], response.get_json(force=True))


def _setup(stack: Stack) -> tuple[Any, dict[str, str], str]:
    connected = stack.connect()
    api, auth = stack.client("api"), {"Authorization": f"Bearer {connected['session']}"}
    made = api.post("/home", json={"parent_page_id": DEMO["home_page"], "tasks": "create"}, headers=auth)
    assert made.status_code == 200, _j(made)
    return api, auth, connected["tenant_id"]


def test_the_gallery_lists_every_template_in_words(stack: Stack) -> None:
    api, auth, _ = _setup(stack)
    shown = _j(api.get("/agent-templates", headers=auth))["templates"]
    assert [t["template_id"] for t in shown] == [t.template_id for t in TEMPLATES]
    assert len(shown) >= 10
    weekly = next(t for t in shown if t["template_id"] == "weekly-status")
    assert "every Friday at 16:00" in weekly["starts"] and weekly["needs"] == ["database"]
    assert "query data source" in weekly["tools_words"] and weekly["reach"].startswith(
        "It reads the database"
    )


def test_a_template_becomes_a_paused_agent_once_whatever_the_repeats(stack: Stack) -> None:
    api, auth, tenant_id = _setup(stack)
    before = len(_j(api.get("/agents", headers=auth))["agents"])
    body = {"request_id": "use-1", "data_source_id": DEMO["tasks_data_source"]}
    made = api.post("/agent-templates/inbox-triage/agents", json=body, headers=auth)
    assert made.status_code == 201, _j(made)
    agent = _j(made)
    assert agent["paused"] is True and agent["template"] == "inbox-triage" and agent["name"] == "Inbox triage"
    source = DEMO["tasks_data_source"]
    assert [r["kind"] for r in next(iter(agent["triggers"].values()))] == ["page_created"]
    assert agent["reach"]["read"] == [source] and agent["reach"]["change"] == [source]
    assert agent["tools"] == list(BY_ID["inbox-triage"].tools)
    [page] = _instructions_pages(stack, "Instructions: Inbox triage")
    assert page["id"].replace("-", "") == agent["instructions_page_id"].replace("-", "")
    text = " ".join(b["text"] for b in page["content"])
    assert 'comment "Triaged"' in text
    shown = _j(api.get(f"/agents/{agent['agent_id']}", headers=auth))
    assert not shown["instructions"]["needs_acceptance"] and shown["accepted"]["content_hash"]
    # off: its trigger rule is not among the workspace's until it is turned on
    tenant = stack.container.workspace.tenants.get(tenant_id, fresh=True)
    assert tenant is not None and agent["agent_id"] not in tenant.agent_triggers
    again = api.post("/agent-templates/inbox-triage/agents", json=body, headers=auth)
    assert again.status_code == 200 and _j(again)["agent_id"] == agent["agent_id"]
    assert len(_instructions_pages(stack, "Instructions: Inbox triage")) == 1
    assert len(_j(api.get("/agents", headers=auth))["agents"]) == before + 1
    # tried on a page of its database before it is on: every step within its reach
    tried = api.post(
        f"/agents/{agent['agent_id']}/dry-run", json={"page_id": DEMO["task_report"]}, headers=auth
    )
    assert tried.status_code == 200 and _j(tried)["steps"], _j(tried)
    assert [s["refused"] for s in _j(tried)["steps"]] == [None] * len(_j(tried)["steps"])
    on = api.post(f"/agents/{agent['agent_id']}/resume", headers=auth)
    assert on.status_code == 200 and _j(on)["paused"] is False
    tenant = stack.container.workspace.tenants.get(tenant_id, fresh=True)
    assert tenant is not None and agent["agent_id"] in tenant.agent_triggers


def test_bad_choices_are_refused_in_words_and_nothing_is_stored(stack: Stack) -> None:
    api, auth, tenant_id = _setup(stack)
    docs = firestore_docs(stack.db, tenant_id)
    stack.admin.delete("/requests")
    cases = [
        ("inbox-triage", {"request_id": "a"}, 400, "data_source_id"),
        (
            "page-summary",
            {"request_id": "b", "data_source_id": DEMO["tasks_data_source"]},
            400,
            "data_source_id",
        ),
        ("idea-to-pull-request", {"request_id": "c"}, 400, "repository"),
        ("idea-to-pull-request", {"request_id": "d", "repository": "not a repo"}, 400, "repository"),
        ("page-summary", {"request_id": "no spaces allowed"}, 400, "request_id"),
        ("page-summary", {"request_id": "e", "tools": ["archive_page"]}, 400, "tools"),
        ("no-such-template", {"request_id": "f"}, 404, ""),
    ]
    for template, body, status, field in cases:
        answer = api.post(f"/agent-templates/{template}/agents", json=body, headers=auth)
        assert answer.status_code == status, (template, body, _j(answer))
        if field:
            assert field in [f["field"] for f in _j(answer)["fields"]], _j(answer)
    assert firestore_docs(stack.db, tenant_id) == docs
    assert notion_writes(stack.admin.get("/requests")) == []


def test_a_new_agent_is_tried_in_a_dry_run_before_it_is_turned_on(stack: Stack) -> None:
    api, auth, tenant_id = _setup(stack)
    body = {"request_id": "try-1"}
    agent = _j(api.post("/agent-templates/page-summary/agents", json=body, headers=auth))
    assert agent["paused"] is True
    docs = firestore_docs(stack.db, tenant_id)
    stack.admin.delete("/requests")
    tried = api.post(
        f"/agents/{agent['agent_id']}/dry-run", json={"page_id": DEMO["idea_newsletter"]}, headers=auth
    )
    assert tried.status_code == 200, _j(tried)
    shown = _j(tried)
    assert "Summarise the page" in shown["goal"] and shown["effects"] == 0 and shown["problem"] is None
    assert [s["tool"] for s in shown["steps"]] == ["read_page", "draft_text", "append_blocks", "finish"]
    assert notion_writes(stack.admin.get("/requests")) == []
    assert firestore_docs(stack.db, tenant_id) == docs
    assert _j(api.get("/runs", headers=auth))["runs"] == []
    assert _j(api.get(f"/agents/{agent['agent_id']}", headers=auth))["paused"] is True
