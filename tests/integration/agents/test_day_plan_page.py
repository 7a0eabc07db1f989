"""The daily plan page against the Notion sandbox, the Firestore emulator and the production Container:
``POST /day-plan`` on plan reads two task sources of different schemas (status groups and ``Due``; a
select Status and ``Deadline``) and writes one page in Daily plans; a second run of the day replaces
it, a retry after a crash before its id was stored finds it, the plan off writes nothing, the sources
setting is honoured, and ``PATCH /settings`` refuses sources that are not chosen."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from local.notion_sandbox import seed_ids
from shared.agents.domain import day_plan
from shared.agents.domain.day_plan_task import DayPlanTask
from shared.agents.services.day_plan_page import write_day_plan
from shared.notify.domain.provenance import key_of_url
from shared.platform.errors import TransientError
from shared.team.services.sessions import start_session
from shared.workspace.domain import day_plans
from tests.integration.notion_stack import Stack
from tests.support.platform.fake_container import json_body

DEMO = seed_ids("demo")
TODAY = date(2026, 1, 7)
TASK = {"tenant_id": "", "day": TODAY.isoformat()}
HEADERS = {"Authorization": "Bearer ntn_sandbox_demo", "Notion-Version": "2025-09-03"}


def _notion(stack: Stack, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """A call to the sandbox's API with the workspace's token (a person's setup, not the agent's)."""
    answer = httpx.request(method, f"{stack.sandbox.url}/v1/{path}", json=body, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _chores(stack: Stack) -> tuple[str, dict[str, str]]:
    """A second task database unlike the seeded Tasks: a select Status with a waiting option, the
    date named Deadline, no priority. Its data source id and its rows' ids by title."""
    status = {"select": {"options": [{"name": n} for n in ("To do", "Doing", "Waiting on legal", "Done")]}}
    properties = {"Chore": {"title": {}}, "Status": status, "Deadline": {"date": {}}}
    title = [{"text": {"content": "Chores"}}]
    body = {
        "parent": {"page_id": DEMO["home_page"]},
        "title": title,
        "initial_data_source": {"properties": properties},
    }
    source = _notion(stack, "POST", "databases", body)["data_sources"][0]["id"]
    rows = {}
    for name, state, deadline in [
        ("Renew the domain", "Doing", "2026-01-10"),
        ("Pay the vendor", "To do", "2026-01-06"),
        ("Review the contract", "Waiting on legal", None),
        ("Sort the receipts", "To do", None),
        ("Clean the desk", "Done", "2026-01-01"),
        ("Plan the offsite", "To do", "2026-02-01"),
    ]:
        props: dict[str, Any] = {
            "Chore": {"title": [{"text": {"content": name}}]},
            "Status": {"select": {"name": state}},
        }
        if deadline:
            props["Deadline"] = {"date": {"start": deadline}}
        page = _notion(stack, "POST", "pages", {"parent": {"data_source_id": source}, "properties": props})
        rows[name] = page["id"]
    return source, rows


class Workspace:
    """A connected workspace with both sources chosen and its home made (Daily plans among it)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.tenant_id = stack.connect()["tenant_id"]
        tenant = stack.container.workspace.tenants.get(self.tenant_id, fresh=True)
        assert tenant is not None
        self.session = start_session(
            self.tenant_id, stack.container.platform.secrets, epoch=tenant.session_epoch
        )
        self.chores, self.rows = _chores(stack)
        self.sources = [DEMO["tasks_data_source"], self.chores]
        assert self.patch({"data_source_ids": self.sources}).status_code == 200
        home = stack.client("api").post(
            "/home", json={"parent_page_id": DEMO["home_page"]}, headers=self.auth
        )
        assert home.status_code == 200, json_body(home)
        tenant = stack.container.workspace.tenants.get(self.tenant_id, fresh=True)
        assert tenant is not None and tenant.home is not None and tenant.home.daily_plans is not None
        assert tenant.home.tasks is not None and tenant.home.tasks.chosen  # the seeded Tasks: no third source
        self.daily_plans = tenant.home.daily_plans.data_source_id

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.session}"}

    def patch(self, settings: dict[str, Any]) -> Any:
        return self.stack.client("api").patch("/settings", json=settings, headers=self.auth)

    def plan(self) -> str:
        body = TASK | {"tenant_id": self.tenant_id}
        answer = self.stack.client("plan").post(DayPlanTask.ROUTE, json=body)
        assert answer.status_code == 200, json_body(answer)
        return str(json_body(answer)["page"])

    def pages(self) -> list[dict[str, Any]]:
        """The Daily plans pages, out of the trash, as the sandbox holds them."""
        state = self.stack.admin.get("/workspaces/demo/state")
        return [
            p
            for p in state["pages"]
            if p["parent"].get("data_source_id") == self.daily_plans and not p["in_trash"]
        ]


def _sections(page: dict[str, Any]) -> dict[str, list[str]]:
    """The page's sections: each heading's list items, in order."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for block in page["content"]:
        if block["type"].startswith("heading"):
            current = sections.setdefault(block["text"], [])
        elif block["type"] == "bulleted_list_item":
            current.append(block["text"].split(" (")[0])
    return sections


def test_the_plan_page_is_written_from_two_sources_of_different_schemas(stack: Stack) -> None:
    ws = Workspace(stack)
    yesterday = day_plans.Kept("", (ws.rows["Sort the receipts"],))
    stack.container.workspace.tenants.keep_day_plan(
        ws.tenant_id, "20260106", yesterday, datetime.now(UTC) + timedelta(days=1)
    )
    stack.admin.delete("/requests")
    assert ws.plan() == "created"
    (page,) = ws.pages()
    assert page["properties"]["Plan"] == "Plan for 2026-01-07" and page["properties"]["Day"] == "2026-01-07"
    assert page["properties"]["Run id"] == "day-plan-20260107"
    sections = _sections(page)
    assert sections["Due or overdue"] == ["Write the weekly report", "Pay the vendor", "Send the invoices"]
    assert sections["In progress"] == ["Renew the domain"]  # the report is due: listed there
    assert sections["Planned yesterday, not done"] == ["Sort the receipts"]
    assert sections["Waiting on others"] == ["Review the contract"]
    # the report: high priority; overdue first, then priority
    assert sections["Focus for today"] == ["Write the weekly report", "Pay the vendor", "Send the invoices"]
    assert not {"Clean the desk", "Plan the offsite", "Ship the landing page", "Archive old notes"} & {
        t for s in sections.values() for t in s
    }
    # bounded reads: per source its schema and one query, nothing more
    calls = Counter(
        (r["method"], r["path"].replace("-", ""))
        for r in stack.admin.get("/requests")
        if r["path"].startswith("/v1/")
    )
    for source in ws.sources:
        plain = source.replace("-", "")
        assert calls[("GET", f"/v1/data_sources/{plain}")] == 1
        assert calls[("POST", f"/v1/data_sources/{plain}/query")] == 1
    assert calls[("POST", f"/v1/data_sources/{ws.daily_plans.replace('-', '')}/query")] == 1  # is it there?
    assert calls[("POST", "/v1/pages")] == 1 and sum(calls.values()) == 6
    kept = stack.container.workspace.tenants.kept_day_plan(ws.tenant_id, "20260107")
    assert kept is not None and kept.page_id == page["id"]
    assert ws.rows["Pay the vendor"] in kept.task_ids and ws.rows["Review the contract"] not in kept.task_ids


def test_a_second_run_of_the_day_replaces_the_page(stack: Stack) -> None:
    ws = Workspace(stack)
    assert ws.plan() == "created"
    (first,) = ws.pages()
    done = {"properties": {"Status": {"select": {"name": "Done"}}}}
    _notion(stack, "PATCH", f"pages/{ws.rows['Pay the vendor']}", done)
    assert ws.plan() == "replaced"
    (page,) = ws.pages()
    assert page["id"] == first["id"]
    sections = _sections(page)
    assert sections["Due or overdue"] == ["Write the weekly report", "Send the invoices"]
    headings = [b["text"] for b in page["content"] if b["type"].startswith("heading")]
    assert len(headings) == len(set(headings)) == 6  # one copy of each section, "Waiting for a decision" too
    markers = [b for b in page["content"] if [key_of_url(u) for u in b["links"]] == ["day-plan-20260107"]]
    assert len(markers) == 1


def test_a_retry_after_a_crash_before_the_id_was_stored_creates_no_second_page(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(stack)
    tenants = stack.container.workspace.tenants
    deps = stack.container.engine()

    def crash(*_: Any) -> None:
        raise TransientError("the instance died")

    monkeypatch.setattr(type(tenants), "keep_day_plan", crash)
    task = DayPlanTask(tenant_id=ws.tenant_id, day=TODAY)
    with pytest.raises(TransientError):
        write_day_plan(task, deps)  # the page was created; its id never stored
    monkeypatch.undo()
    assert len(ws.pages()) == 1
    assert tenants.kept_day_plan(ws.tenant_id, "20260107") == day_plans.Kept()  # claimed, nothing kept
    with pytest.raises(TransientError, match="being written"):  # meanwhile, its claim holds others off
        write_day_plan(task, deps)
    later = deps._replace(clock=lambda: datetime.now(UTC) + day_plan.LEASE)
    assert write_day_plan(task, later) == "replaced"  # found by its Day and Run id
    (page,) = ws.pages()
    kept = tenants.kept_day_plan(ws.tenant_id, "20260107")
    assert kept is not None and kept.page_id == page["id"]


def test_off_writes_nothing_and_the_sources_setting_is_honoured(stack: Stack) -> None:
    ws = Workspace(stack)
    assert ws.patch({"daily_plan": False}).status_code == 200
    assert ws.plan() == "skipped" and ws.pages() == []
    assert ws.patch({"daily_plan": True, "daily_plan_sources": [ws.chores]}).status_code == 200
    stack.admin.delete("/requests")
    assert ws.plan() == "created"
    (page,) = ws.pages()
    assert _sections(page)["Due or overdue"] == ["Pay the vendor"]  # the seeded Tasks were not read
    paths = {r["path"].replace("-", "") for r in stack.admin.get("/requests")}
    assert f"/v1/data_sources/{DEMO['tasks_data_source'].replace('-', '')}" not in paths


def test_settings_refuse_a_plan_source_that_is_not_chosen(stack: Stack) -> None:
    ws = Workspace(stack)
    other = DEMO["ideas_data_source"]
    answer = ws.patch({"daily_plan_sources": [other]})
    assert answer.status_code == 400 and other in json_body(answer)["reason"]
    assert ws.patch({"daily_plan_sources": ["not-an-id"]}).status_code == 400
    assert ws.patch({"daily_plan": "yes"}).status_code == 400
    shown = json_body(stack.client("api").get("/settings", headers=ws.auth))["settings"]
    assert shown["daily_plan_sources"] == [] and shown["daily_plan"] is True
    assert ws.patch({"daily_plan_sources": [ws.chores]}).status_code == 200
    # a source no longer chosen is dropped from the plan's sources with it
    assert ws.patch({"data_source_ids": [DEMO["tasks_data_source"]]}).status_code == 200
    shown = json_body(stack.client("api").get("/settings", headers=ws.auth))["settings"]
    assert shown["daily_plan_sources"] == []


def test_the_console_reads_the_day_s_plan_as_written_without_reading_notion(stack: Stack) -> None:
    """``GET /daily-plan`` answers the page's sections and link from what was kept."""
    ws = Workspace(stack)
    assert ws.plan() == "created"
    (page,) = ws.pages()
    stack.admin.delete("/requests")
    answer = stack.client("api").get("/daily-plan?date=2026-01-07", headers=ws.auth)
    assert answer.status_code == 200, json_body(answer)
    shown = json_body(answer)
    assert [r for r in stack.admin.get("/requests") if r["path"].startswith("/v1/")] == []
    # the page's url as Notion's API answered it: the sandbox answers its screen's address (78, M9)
    assert (
        shown["url"].startswith(f"{stack.sandbox.url}/screen/")
        and page["id"].replace("-", "") in shown["url"]
    )
    said = {s["heading"]: [i["text"].split(" (")[0] for i in s["items"]] for s in shown["sections"]}
    assert said == {k: v for k, v in _sections(page).items() if k in said} and len(said) == 6
    assert said["Waiting for a decision"] == [] and shown["waiting"] == []
