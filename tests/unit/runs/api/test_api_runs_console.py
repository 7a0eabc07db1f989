"""api for the console: runs filtered and cursor-paged, a run's ETag (a 304 reads no events), run
again, and usage's chart, costliest and held runs (fakes)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.notify.domain.notifications import DECIDE_IN_APP, comment_text
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.ports import Notifier
from shared.notify.services.notifications import deliver_notification
from shared.platform.topology import Queue
from shared.runs.domain.events import ModelUsed, RunStatus
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.state import Run, RunState, Waiting
from shared.team.services.sessions import start_session
from shared.workspace.domain.tenants import Tenant
from tests.api_fakes import FakeContainer, client
from tests.support.runs.api_runs import PLAN, auth, fake_container, pump, waiting_run

STATUSES = [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.RUNNING]
TRIGGERS = ["webhook", "api", "schedule", "manual"]


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    return fake_container(monkeypatch)


def seed(fakes: FakeContainer, count: int, tenant_id: str = "t1") -> list[Run]:
    """``count`` runs a second apart (some at the same instant, so run_id breaks the tie)."""
    base = datetime.now(UTC) + timedelta(minutes=1)
    made = []
    for i in range(count):
        at = base + timedelta(seconds=i // 2)
        state = RunState(
            goal=f"goal {i}",
            trigger=TRIGGERS[i % 4],
            status=STATUSES[i % 3],
            cost_usd=i / 100,
            page_id=f"p{i}",
        )
        run = Run(tenant_id=tenant_id, run_id=f"r{i:03}", state=state, created_at=at, updated_at=at)
        fakes.store.runs[(tenant_id, run.run_id)] = run
        fakes.store.events[(tenant_id, run.run_id)] = {}
        made.append(run)
    return made


def pages(api: Any, token: str, query: str) -> list[list[str]]:
    """Every page of ``GET /runs?<query>``, following next_cursor to the end."""
    found, cursor = [], ""
    while True:
        answer = api.get(f"/runs?{query}{'&cursor=' + cursor if cursor else ''}", headers=auth(token))
        assert answer.status_code == 200, answer.json
        found.append([r["run_id"] for r in answer.json["runs"]])
        cursor = answer.json["next_cursor"]
        if not cursor:
            return found


def flat(listed: list[list[str]]) -> list[str]:
    return [run_id for page in listed for run_id in page]


def test_pages_list_every_run_once_newest_first_with_each_filter(fakes: FakeContainer) -> None:
    runs = seed(fakes, 40)
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    newest = [r.run_id for r in sorted(runs, key=lambda r: (r.created_at, r.run_id), reverse=True)]
    listed = pages(api, token, "limit=7")
    assert [len(p) for p in listed] == [7, 7, 7, 7, 7, 5]
    assert flat(listed) == newest
    for name, value in (("status", "failed"), ("trigger", "manual")):
        wanted = [
            r
            for r in newest
            if (
                fakes.store.runs[("t1", r)].state.status.value
                if name == "status"
                else fakes.store.runs[("t1", r)].state.trigger
            )
            == value
        ]
        assert flat(pages(api, token, f"{name}={value}&limit=3")) == wanted
    both = flat(pages(api, token, "status=completed&trigger=webhook&limit=2"))
    assert both and all(
        fakes.store.runs[("t1", r)].state.status == RunStatus.COMPLETED
        and fakes.store.runs[("t1", r)].state.trigger == "webhook"
        for r in both
    )
    first: Any = api.get("/runs", headers=auth(token)).json
    assert len(first["runs"]) == 25 and first["runs"][0]["trigger"] in TRIGGERS
    assert first["runs"][0]["cost_usd"] == 0.39


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=sleeping", "status"),
        ("trigger=email", "trigger"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("cursor=bm90LWpzb24", "cursor"),
        ("cursor=%2F%2F", "cursor"),
        ("page=2", "page"),
        ("status=failed&status=completed", "status"),
    ],
)
def test_a_value_runs_does_not_know_is_a_400_naming_it(fakes: FakeContainer, query: str, field: str) -> None:
    seed(fakes, 3)
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    answer = api.get(f"/runs?{query}", headers=auth(token))
    assert answer.status_code == 400 and answer.json is not None
    assert field in answer.json["reason"] or field in str(answer.json.get("fields"))


def test_an_unchanged_run_is_a_304_that_reads_no_events(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    run_id, _ = waiting_run(fakes, api, token)
    first = api.get(f"/runs/{run_id}", headers=auth(token))
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('W/"')
    reads: list[str] = []
    listing = fakes.store.list_events

    def counted(tenant_id: str, run_id: str, after: int = 0) -> list[Any]:
        reads.append(run_id)
        return listing(tenant_id, run_id, after)

    monkeypatch.setattr(fakes.store, "list_events", counted)
    again = api.get(f"/runs/{run_id}", headers=auth(token) | {"If-None-Match": etag})
    assert (again.status_code, again.data, reads) == (304, b"", [])
    assert again.headers["ETag"] == etag
    other = start_session("t2", fakes.secrets)
    assert api.get(f"/runs/{run_id}", headers=auth(other) | {"If-None-Match": etag}).status_code == 404
    ask: Any = api.get(f"/runs/{run_id}", headers=auth(token)).json
    api.post(
        f"/runs/{run_id}/approve", json={"request_id": ask["waiting"]["request_id"]}, headers=auth(token)
    )
    reads.clear()
    moved = api.get(f"/runs/{run_id}", headers=auth(token) | {"If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["ETag"] != etag and reads == [run_id]


@pytest.mark.parametrize("sent", ['W/"caf\u00e9"', 'W/"a"\tW/"b"', "x" * 201])
def test_a_malformed_if_none_match_is_a_400_naming_it(fakes: FakeContainer, sent: str) -> None:
    """No answer gave such ETags (the contract's pattern): refused, not read as "no match"."""
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    run_id, _ = waiting_run(fakes, api, token)
    refused = api.get(f"/runs/{run_id}", headers=auth(token) | {"If-None-Match": sent})
    assert refused.status_code == 400 and refused.json is not None
    assert refused.json["fields"] == [{"field": "If-None-Match"}] and "ETags" in refused.json["reason"]
    several = api.get(f"/runs/{run_id}", headers=auth(token) | {"If-None-Match": 'W/"a", W/"b"'})
    assert several.status_code == 200


def test_run_again_queues_a_new_run_of_the_same_goal_and_page_by_the_owner(fakes: FakeContainer) -> None:
    [run] = seed(fakes, 1)
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    answer = api.post(f"/runs/{run.run_id}/again", json={"request_id": "once"}, headers=auth(token))
    assert answer.status_code == 202 and answer.json is not None
    new_id = answer.json["run_id"]
    assert new_id != run.run_id and answer.json["status"] == "planning"
    [(queue, task, _, _)] = [fakes.queue.take()]
    assert queue == Queue.PLAN and isinstance(task, PlanTask)
    assert (task.run_id, task.goal, task.trigger.kind, task.trigger.page_id) == (
        new_id,
        "goal 0",
        "manual",
        "p0",
    )
    assert task.trigger.by_owner is True
    retried = api.post(f"/runs/{run.run_id}/again", json={"request_id": "once"}, headers=auth(token))
    assert retried.json is not None and retried.json["run_id"] == new_id  # the same new run
    plain = api.post(f"/runs/{run.run_id}/again", headers=auth(token))
    assert plain.status_code == 202 and plain.json is not None and plain.json["run_id"] != new_id
    other = start_session("t2", fakes.secrets)
    assert api.post(f"/runs/{run.run_id}/again", headers=auth(other)).status_code == 404
    assert api.post("/runs/nope/again", headers=auth(token)).status_code == 404
    bad = api.post(f"/runs/{run.run_id}/again", json={"request_id": "a b"}, headers=auth(token))
    assert bad.status_code == 400


def test_a_run_again_is_planned_and_listed_as_manual(fakes: FakeContainer) -> None:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    run_id, _ = waiting_run(fakes, api, token)
    fakes.model.script["PlanOut"] = [PLAN]
    started: Any = api.post(f"/runs/{run_id}/again", headers=auth(token)).json
    [(_, task, _, _)] = list(fakes.queue.tasks)
    shown: Any = api.get(f"/runs/{run_id}", headers=auth(token)).json
    assert isinstance(task, PlanTask) and task.goal == shown["goal"]  # the goal the first run shows
    pump(fakes)
    listed: Any = api.get("/runs?trigger=manual", headers=auth(token)).json
    assert [r["run_id"] for r in listed["runs"]] == [started["run_id"]]


def test_usage_has_thirty_days_the_costliest_runs_and_what_is_held(fakes: FakeContainer) -> None:
    runs = seed(fakes, 8)
    now = datetime.now(UTC)
    key = ("t1", runs[0].run_id)
    for ago, cost in ((0, 0.5), (2, 0.25), (40, 9.0)):
        at = now - timedelta(days=ago)
        event = ModelUsed(
            seq=len(fakes.store.events[key]) + 1,
            at=at,
            model="m",
            purpose="plan",
            cost_usd=cost,
            input_tokens=1,
            output_tokens=1,
        )
        fakes.store.events[key][event.seq] = event
    paused = runs[1].model_copy(
        update={"state": runs[1].state.model_copy(update={"status": RunStatus.PAUSED})}
    )
    limit = Waiting(
        request_id="q", purpose="limit", prompt="The run budget is spent: approve $1 more?", step=2
    )
    asks = runs[2].model_copy(
        update={
            "state": runs[2].state.model_copy(
                update={"status": RunStatus.WAITING_FOR_HUMAN, "waiting": limit}
            )
        }
    )
    fakes.store.runs[("t1", paused.run_id)] = paused
    fakes.store.runs[("t1", asks.run_id)] = asks
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    usage = api.get("/usage", headers=auth(token)).json
    assert usage is not None
    days = usage["days"]
    assert len(days) == 30 and days[-1]["date"] == now.strftime("%Y-%m-%d")
    assert days[-1]["spend_usd"] == 0.5 and days[-3]["spend_usd"] == 0.25
    assert {d["budget_usd"] for d in days} == {usage["day"]["budget_usd"]}
    assert sum(d["spend_usd"] for d in days) == 0.75  # 40 days ago is off the chart
    costs = [r["cost_usd"] for r in usage["costliest_runs"]]
    assert costs == sorted(costs, reverse=True) and len(costs) == 5 and costs[0] == 0.07
    held = {r["run_id"]: r for r in usage["paused_runs"]}
    assert set(held) == {paused.run_id, asks.run_id}
    assert held[asks.run_id]["reason"] == limit.prompt and "resume" in held[paused.run_id]["reason"]


def test_a_decision_s_notice_links_the_run_in_the_console(fakes: FakeContainer) -> None:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    run_id, ask = waiting_run(fakes, api, token)
    assert "console_url" not in ask.data  # the queued body holds no link: it is added as it is sent
    sent: list[NotifyTask] = []

    class Recording(Notifier):
        def deliver(self, task: NotifyTask, tenant: Tenant | None) -> bool:
            sent.append(task)
            return True

    deliver_notification(ask, Recording(), fakes.tenants, fakes.queue, console="https://na.example/")
    page = f"https://na.example/#/runs/{run_id}"
    assert comment_text(sent[0]).count(f"{DECIDE_IN_APP} Open the run: {page}") == 1
    hostile = ask.model_copy(update={"data": ask.data | {"console_url": "javascript:alert(1)"}})
    assert "javascript:" not in comment_text(hostile) and DECIDE_IN_APP in comment_text(hostile)
