"""Who started a run, recorded in its plan and found by search: the trigger page's title, the people
(named from the team), the trigger rule in words, the event's type and a routine's slot; and
``GET /runs?q=`` finding runs by title and person, within the tenant."""

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.agents.domain.agents import slot_words
from shared.platform.topology import Queue
from shared.runs.domain.events import RunPlanned
from shared.runs.domain.notion_events import NotionEvent, admit, plan_task
from shared.runs.domain.run_search import search_terms, words
from shared.runs.domain.state import Run, RunState
from shared.runs.services import run_view
from shared.team.services.sessions import start_session
from shared.workspace.domain.connecting.connection import NotionTokens
from shared.workspace.domain.members import Member
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant
from shared.workspace.domain.triggers import PropertyChanged, Schedule
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.runs.api_runs import auth, pump

NOW = datetime.now(UTC)
DS = "2a3b4c5d-0000-4000-8000-000000000001"
PAGE = "3b4c5d6e-0000-4000-8000-000000000002"
ANA = "5c6d7e8f-0000-4000-8000-00000000000a"
BOT = "9f9f9f9f-0000-4000-8000-0000000000bb"
OWNER = "1a1a1a1a-0000-4000-8000-0000000000cc"
STATUS = PropertyChanged(property="Status", property_id="st", property_type="status", to="Ready for agent")
PLAN = {
    "goal": "",
    "on_reject": "end",
    "steps": [{"tool": "finish", "args_json": json.dumps({"summary": "ok"})}],
}
HOSTILE = "Q3 <img src=x onerror=alert(1)> Roadmap"


def tenant(tenant_id: str, workspace: str) -> Tenant:
    ana = Member(
        member_id="m-ana",
        notion_user_id=ANA,
        email="ana@example.com",
        name="Ana Lima",
        role="editor",
        added_at=NOW,
    )
    settings = TenantSettings(data_source_ids=[DS], triggers={DS: [STATUS]})
    return Tenant(
        tenant_id=tenant_id,
        workspace_id=workspace,
        token_secret=f"notion-token-{tenant_id}",
        created_at=NOW,
        updated_at=NOW,
        bot_id=BOT,
        owner_user_id=OWNER,
        owner_email="owner@example.com",
        settings=settings,
        members=(ana,),
    )


def event(workspace: str, event_id: str) -> NotionEvent:
    return NotionEvent.model_validate(
        {
            "id": event_id,
            "type": "page.properties_updated",
            "timestamp": NOW.isoformat().replace("+00:00", "Z"),
            "workspace_id": workspace,
            "authors": [{"id": ANA, "type": "person"}, {"id": BOT, "type": "bot"}],
            "entity": {"id": PAGE, "type": "page"},
            "data": {
                "parent": {"id": DS, "type": "database", "data_source_id": DS},
                "updated_properties": ["st"],
            },
        }
    )


@pytest.fixture
def fakes() -> FakeContainer:
    container = FakeContainer()
    for tenant_id, workspace in (("t1", "w1"), ("t2", "w2")):
        container.tenants.save(tenant(tenant_id, workspace))
        container.secrets.put(f"notion-token-{tenant_id}", NotionTokens(access_token="access-0").dump())
    title = {"Name": {"type": "title", "title": [{"plain_text": HOSTILE}]}}
    status = {"Status": {"id": "st", "type": "status", "status": {"name": "Ready for agent"}}}
    container.fake_notion.pages[PAGE] = {
        "id": PAGE,
        "parent": {"data_source_id": DS},
        "properties": title | status,
    }
    return container


def started(fakes: FakeContainer, tenant_id: str, workspace: str, event_id: str) -> str:
    """A webhook event through admission and planning, as the webhook and plan functions do it."""
    stored = fakes.tenants.get(tenant_id)
    assert stored is not None
    admission = admit(event(workspace, event_id), stored)
    assert admission.admitted and admission.rule == "Status → Ready for agent"
    request = plan_task(
        event(workspace, event_id),
        tenant_id,
        rule=admission.rule,
        bot_id=stored.bot_id,
        checks=admission.checks,
    )
    assert request.task.trigger.people == [ANA]  # the bot is not among who started it
    fakes.model.script["PlanOut"] = [PLAN]
    fakes.queue.enqueue(Queue.PLAN, request.task, request.task_id)
    pump(fakes)
    return request.task.run_id


def test_the_plan_records_the_page_title_the_person_the_rule_and_the_event(fakes: FakeContainer) -> None:
    run_id = started(fakes, "t1", "w1", "evt-1")
    head = fakes.store.list_events("t1", run_id)[0]
    assert isinstance(head, RunPlanned)
    assert head.page_title == HOSTILE and head.rule == "Status → Ready for agent"
    assert head.event_type == "page.properties_updated"
    assert [p.model_dump() for p in head.people] == [
        {"notion_user_id": ANA, "name": "Ana Lima", "email": "ana@example.com"}
    ]
    by = run_view.started_by([head])
    assert by is not None and by["people"][0]["name"] == "Ana Lima" and by["page_title"] == HOSTILE
    run = fakes.store.get_run("t1", run_id)
    assert run is not None and run.state.page_title == HOSTILE


def found(fakes: FakeContainer, tenant_id: str, query: str) -> list[str]:
    api, token = client("api", fakes), start_session(tenant_id, fakes.secrets)
    ids: list[str] = []
    cursor = ""
    while True:  # paginated as before: one run a page
        answer = api.get(
            f"/runs?q={query}&limit=1{'&cursor=' + cursor if cursor else ''}", headers=auth(token)
        )
        body = answer.json
        assert answer.status_code == 200 and body is not None, body
        ids, cursor = ids + [r["run_id"] for r in body["runs"]], body["next_cursor"]
        if not cursor:
            return ids


def test_runs_are_found_by_page_title_and_person_within_the_tenant(fakes: FakeContainer) -> None:
    mine = [started(fakes, "t1", "w1", "evt-1"), started(fakes, "t1", "w1", "evt-2")]
    theirs = started(fakes, "t2", "w2", "evt-3")
    assert fakes.store.get_run("t2", theirs) is not None
    for query in ("roadmap", "Q3%20ROADMAP", "ana%40example.com", "lima", ANA, ANA.replace("-", "")):
        assert sorted(found(fakes, "t1", query)) == sorted(mine), query
    assert sorted(found(fakes, "t1", "onerror%20roadmap")) == sorted(mine)  # the title's words, inert
    assert found(fakes, "t1", "bruno") == []


def test_search_terms_keep_the_title_and_people_after_a_long_goal() -> None:
    state = RunState.model_validate(
        {
            "goal": " ".join(f"word{i}" for i in range(100)),
            "page_title": "Launch plan",
            "people": [{"notion_user_id": ANA, "name": "Ana", "email": "ana@xy.io"}],
        }
    )
    terms = search_terms(state)
    assert len(terms) <= 64 and {"launch", "plan", "ana", "xy", "io", ANA.replace("-", "")} <= set(terms)
    assert words(ANA) == [ANA.replace("-", "")]
    assert search_terms(RunState(goal="Tidy", agent_name="Scribe")) == ["tidy", "scribe"]


def test_a_routines_slot_is_named_in_words() -> None:
    weekly = Schedule(every="weekly", hour=16, days=["fri"])
    slot = datetime(2026, 11, 27, 16)
    assert slot_words(weekly, slot, ZoneInfo("Europe/Berlin")) == (
        "every Fri at 16:00, the slot of Fri 2026-11-27 16:00 (Europe/Berlin)"
    )


def test_a_run_asked_for_in_the_api_records_who_asked(fakes: FakeContainer) -> None:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    fakes.model.script["PlanOut"] = [PLAN]
    answer = api.post("/runs", json={"goal": "Write the brief"}, headers=auth(token))
    assert answer.status_code == 202 and answer.json is not None
    pump(fakes)
    shown = api.get(f"/runs/{answer.json['run_id']}", headers=auth(token)).json
    assert shown is not None
    people: list[dict[str, Any]] = shown["started_by"]["people"]
    assert people == [{"notion_user_id": OWNER, "name": "", "email": "owner@example.com"}]
    assert shown["started_by"]["what"] == "a call to the api"
    assert found(fakes, "t1", "owner%40example.com") == [answer.json["run_id"]]


def test_the_run_document_keeps_runs_before_these_fields_as_they_were() -> None:
    old = RunState(goal="g")
    assert "page_title" not in old.model_dump() and "people" not in old.model_dump()
    run = Run(tenant_id="t1", run_id="r", state=old, created_at=NOW, updated_at=NOW)
    assert search_terms(run.state) == []


def test_run_now_is_started_by_the_person_who_pressed_it_not_the_schedule(fakes: FakeContainer) -> None:
    """The runs list and the run say a person started a routine's Run now, and who."""
    from shared.agents.domain.agents import Agent

    routine = Agent(
        agent_id="digest",
        name="Digest",
        created_at=NOW,
        updated_at=NOW,
        schedules=(Schedule(every="daily", hour=9),),
    )
    assert fakes.fake_agents.create("t1", routine)
    tenant_now = fakes.tenants.get("t1")
    assert tenant_now is not None
    ana = tenant_now.member("m-ana")
    token = start_session("t1", fakes.secrets, epoch=tenant_now.session_epoch, member=ana)
    api = client("api", fakes)
    fakes.model.script["PlanOut"] = [PLAN]
    answer = api.post(
        "/agents/digest/run-now", json={"routine": 0, "request_id": "press-1"}, headers=auth(token)
    )
    assert answer.status_code == 202 and answer.json is not None
    pump(fakes)
    listed = api.get("/runs", headers=auth(token)).json
    assert listed is not None
    [run] = [r for r in listed["runs"] if r["run_id"] == answer.json["run_id"]]
    assert run["trigger"] == "schedule" and run["started"] == "a person, by hand (a routine's Run now)"
    shown = api.get(f"/runs/{run['run_id']}", headers=auth(token)).json
    assert shown is not None and shown["started_by"]["what"] == run["started"]
    assert [p["name"] for p in shown["started_by"]["people"]] == ["Ana Lima"]
    assert shown["started_by"]["member"] is True  # an editor's: a member's run


def test_a_revision_by_a_github_review_comment_says_so_not_the_api(fakes: FakeContainer) -> None:
    """A revision's run names the review comment that asked for it."""
    from shared.engine.services import revision_starts
    from shared.runs.domain.events import PlannedStep

    head = RunPlanned(
        seq=1,
        at=NOW,
        goal="Ship it",
        trigger="webhook",
        steps=[PlannedStep(tool="finish", args={"summary": "x"})],
        page_id=PAGE,
    )
    fakes.store.create_run("t1", "r-original", [head])
    original = fakes.store.get_run("t1", "r-original")
    assert original is not None
    rule = "a review comment by alice on acme/app#3"
    task = revision_starts.revision_task(original, "r-original-gh-1", "Revise", rule, [])
    fakes.model.script["PlanOut"] = [PLAN]
    revision_starts.queue_revision(fakes.queue, task)
    pump(fakes)
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    listed = api.get("/runs", headers=auth(token)).json
    assert listed is not None
    [run] = [r for r in listed["runs"] if r["run_id"] == "r-original-gh-1"]
    assert run["trigger"] == "api" and run["started"] == f"a revision asked by {rule}"
    shown = api.get("/runs/r-original-gh-1", headers=auth(token)).json
    assert shown is not None and shown["started_by"]["what"] == run["started"]
