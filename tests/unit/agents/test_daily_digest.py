"""The daily digest: enqueued by daily planning for workspaces that want it (with or without a data
source), built from the last day's ended runs, the runs waiting for a person and the spend, sent
once per day by its notification id; a workspace taking it hears of a run's end only on its page."""

from datetime import date, timedelta
from typing import Any

from shared.agents.domain.digest_task import DigestTask
from shared.agents.domain.schedule_task import ScheduleTask
from shared.agents.services.daily_digest import send_digest
from shared.agents.services.daily_schedule import plan_due_tenants
from shared.engine.services.followups import enqueue_followup
from shared.engine.services.run_log import RunLog
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.topology import Queue
from shared.runs.domain.events import RunStatus
from shared.runs.domain.state import Run, RunState, Waiting
from shared.runs.services.deps import Deps
from shared.workspace.domain.tenants import TenantStatus
from tests.api_fakes import FakeContainer, client, json_body
from tests.fakes import FakeRunStore
from tests.support.agents.daily_planning import WINTER_7_UTC, deps_with, queued, tenant

DAY = date(2026, 1, 5)


def _digests(deps: Deps) -> list[tuple[DigestTask, str]]:
    return [(b, name) for _, b, name, _ in queued(deps).tasks if isinstance(b, DigestTask)]


def _notes(deps: Deps) -> list[NotifyTask]:
    return [b for q, b, _, _ in queued(deps).tasks if q == Queue.NOTIFY and isinstance(b, NotifyTask)]


def _wanting(tenant_id: str, **settings: Any) -> Any:
    t = tenant(tenant_id, hour=7)
    return t.model_copy(update={"settings": t.settings.model_copy(update={"digest": True} | settings)})


def test_planning_enqueues_a_digest_for_each_workspace_that_wants_one() -> None:
    deps = deps_with(_wanting("a"), _wanting("b", data_source_ids=[]), tenant("c", hour=7))
    plan_due_tenants(ScheduleTask(tick=WINTER_7_UTC), deps)
    digests = _digests(deps)
    assert sorted(b.tenant_id for b, _ in digests) == [
        "a",
        "b",
    ]  # b has no data source: a digest all the same
    assert {name for _, name in digests} == {"digest:a:20260105", "digest:b:20260105"}
    assert all(b.day == DAY and b.ROUTE == "/digest" for b, _ in digests)
    plan_due_tenants(ScheduleTask(tick=WINTER_7_UTC), deps)  # the tick again: nothing new
    assert len(_digests(deps)) == 2


def _run(run_id: str, status: RunStatus, ended_ago: timedelta, cost: float = 0.0, **state: Any) -> Run:
    at = WINTER_7_UTC - ended_ago
    return Run(
        tenant_id="t1",
        run_id=run_id,
        state=RunState(goal=f"Goal of {run_id}", status=status, cost_usd=cost, **state),
        created_at=at - timedelta(minutes=5),
        updated_at=at,
    )


def _deps_with_runs(*runs: Run, **settings: Any) -> Deps:
    store = FakeRunStore()
    for run in runs:
        store.runs[(run.tenant_id, run.run_id)] = run
    deps = deps_with(_wanting("t1", **settings))
    return deps._replace(store=store)


def test_the_digest_lists_the_last_day_s_ended_runs_what_waits_and_the_spend() -> None:
    waiting = Waiting(step=2, request_id="approval-2", purpose="approval", prompt="Deploy?")
    deps = _deps_with_runs(
        _run("done", RunStatus.COMPLETED, timedelta(hours=3), cost=0.42),
        _run("broke", RunStatus.FAILED, timedelta(hours=20)),
        _run("old", RunStatus.COMPLETED, timedelta(days=2)),  # ended before the last day
        _run("busy", RunStatus.RUNNING, timedelta(minutes=1)),
        _run("asks", RunStatus.WAITING_FOR_HUMAN, timedelta(hours=1), waiting=waiting),
    )
    assert send_digest(DigestTask(tenant_id="t1", day=DAY), deps) is True
    (note,) = _notes(deps)
    assert note.notification_id == "digest-20260105" and note.data == {"kind": "digest"}
    assert note.subject == "Notion Agent, Mon 05 Jan: 2 runs ended, 1 run waiting for you"
    assert "- Goal of done (completed, $0.42)" in note.text and "- Goal of broke (failed, $0.00)" in note.text
    assert "Goal of old" not in note.text and "Goal of busy" not in note.text
    assert "- Goal of asks (an approval)" in note.text
    assert "## Spend" in note.text and "- Today: $" in note.text


def test_a_repeated_digest_task_sends_nothing_more() -> None:
    deps = _deps_with_runs(_run("done", RunStatus.COMPLETED, timedelta(hours=3)))
    send_digest(DigestTask(tenant_id="t1", day=DAY), deps)
    send_digest(DigestTask(tenant_id="t1", day=DAY), deps)
    assert len(_notes(deps)) == 1


def test_many_waiting_runs_are_counted_but_not_all_read() -> None:
    many = [_run(f"w{i:02}", RunStatus.PAUSED, timedelta(hours=1)) for i in range(30)]
    deps = _deps_with_runs(*many)
    store = deps.store
    assert isinstance(store, FakeRunStore)
    reads: list[str] = []

    class Counting(FakeRunStore):
        def get_run(self, tenant_id: str, run_id: str) -> Run | None:
            reads.append(run_id)
            return super().get_run(tenant_id, run_id)

    counting = Counting()
    counting.runs = store.runs
    deps = deps._replace(store=counting)
    send_digest(DigestTask(tenant_id="t1", day=DAY), deps)
    (note,) = _notes(deps)
    assert len(reads) == 20 and "- and 10 more" in note.text and "30 runs waiting" in note.subject


def test_no_digest_for_a_workspace_that_no_longer_wants_one_or_is_gone() -> None:
    deps = _deps_with_runs(digest=False)
    assert send_digest(DigestTask(tenant_id="t1", day=DAY), deps) is False
    gone = _deps_with_runs()
    revoked = gone.need_tenants().get("t1")
    assert revoked is not None
    gone.need_tenants().save(revoked.model_copy(update={"status": TenantStatus.REVOKED}))
    assert send_digest(DigestTask(tenant_id="t1", day=DAY), gone) is False
    assert send_digest(DigestTask(tenant_id="nobody", day=DAY), gone) is False
    assert _notes(deps) == [] and _notes(gone) == []


def _end(deps: Deps, page_id: str | None) -> list[NotifyTask]:
    state = RunState(goal="Tidy the backlog", status=RunStatus.COMPLETED, page_id=page_id, summary="Done.")
    enqueue_followup(RunLog(deps, "t1", "r1"), state)
    return _notes(deps)


def test_with_the_digest_a_run_s_end_goes_only_to_its_page() -> None:
    (note,) = _end(_deps_with_runs(), "page-1")
    assert note.channel == "notion_comment" and note.data == {"page_id": "page-1"}
    assert _end(_deps_with_runs(), None) == []  # no page: the digest tells it


def test_without_the_digest_a_run_s_end_goes_to_the_channels_in_order() -> None:
    (note,) = _end(_deps_with_runs(digest=False), None)
    assert note.channel == "outbox" and note.subject == "Run completed: Tidy the backlog"


def test_post_digest_on_plan_sends_it_and_a_bad_body_is_a_dead_letter() -> None:
    fakes = FakeContainer()
    fakes.tenants.save(_wanting("t1"))
    app = client("plan", fakes)
    bad = app.post("/digest", json={"tenant_id": "t1", "day": "the fifth"})
    assert bad.status_code == 200 and "dead_letter" in json_body(bad) and "day" in json_body(bad)["reason"]
    assert not fakes.queue.tasks
    good = app.post("/digest", json={"tenant_id": "t1", "day": "2026-01-05"})
    assert good.status_code == 200 and json_body(good) == {"sent": True}
    ((queue, note, name, _),) = fakes.queue.tasks
    assert queue == Queue.NOTIFY and isinstance(note, NotifyTask) and name == "notify:t1:digest-20260105"
