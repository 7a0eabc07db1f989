"""One active run per page: a page's change while an earlier run of that page is still being planned
or not finished starts no second run (no model call, no task); the latest such change the run may not
have read is planned once it ends, never twice and never lost; other triggers never wait."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import pytest

from shared.engine.planning.start import PAGE_HOLD, start_run
from shared.engine.services import followups, humans
from shared.engine.services.engine import run_step
from shared.engine.services.run_log import RunLog
from shared.notion.services.notion_access import ReconnectRequired
from shared.platform.topology import Queue
from shared.runs.domain.events import RunFinished, RunStatus
from shared.runs.domain.plan_task import READ_LAG, PlanTask, Trigger, page_key
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps
from tests.support.notion.notion_fakes import FakeNotion, asking
from tests.support.platform.platform_fakes import FakeModel, FakeQueue
from tests.support.runs.run_store import FakeRunStore
from tests.support.runs.trigger_gates import webhook_task

PAGE = "1a2b3c4d-0000-4000-8000-00000000abcd"
OTHER = "9f9f9f9f-0000-4000-8000-000000000001"
T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def change(
    run_id: str,
    page: str = PAGE,
    event_type: str = "page.content_updated",
    before: datetime | None = None,
) -> PlanTask:
    return webhook_task(run_id, event_type, page=page, before=before)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def setup(**settings: float) -> tuple[Deps, FakeModel, Clock]:
    model, clock, notion = FakeModel(), Clock(), FakeNotion()
    for page in (PAGE, PAGE.replace("-", ""), OTHER):
        notion.pages[page] = {"id": page, "parent": {}, "properties": {}, "url": f"https://n/{page}"}
        notion.children[page] = []
    notion.comments[PAGE] = [asking("c1", notion.bot_id)]  # a comment that mentions the agent
    chosen: dict[str, Any] = dict(settings)
    return make_deps(model=model, notion=notion, **chosen)._replace(clock=clock), model, clock


def runs(deps: Deps) -> list[str]:
    assert isinstance(deps.store, FakeRunStore)
    return sorted(r for _, r in deps.store.runs)


def finish(deps: Deps, run_id: str) -> None:
    run = deps.store.get_run("t1", run_id)
    assert run is not None and not run.state.status.terminal
    done = RunFinished(seq=run.state.last_seq + 1, at=T0, status=RunStatus.COMPLETED, summary="done")
    assert deps.store.append("t1", run_id, run.state, [done]) is not None


def test_a_change_while_the_pages_run_is_active_starts_no_second_run() -> None:
    deps, model, _ = setup()
    assert start_run(change("wh-a-1"), deps) is True
    asked, queued = len(model.prompts), len(deps.queue.tasks) if isinstance(deps.queue, FakeQueue) else -1
    assert asked >= 1 and queued >= 1
    # The next window's change of the same page (written with hyphens or without: one page).
    assert start_run(change("wh-a-2", page=PAGE.replace("-", "")), deps) is False
    assert runs(deps) == ["wh-a-1"]
    assert len(model.prompts) == asked  # no model call paid for the dropped change
    assert isinstance(deps.queue, FakeQueue) and len(deps.queue.tasks) == queued


def test_once_the_pages_run_finished_the_next_change_starts_a_run() -> None:
    deps, _, _ = setup()
    assert start_run(change("wh-a-1"), deps)
    finish(deps, "wh-a-1")
    assert start_run(change("wh-a-2"), deps) is True
    assert runs(deps) == ["wh-a-1", "wh-a-2"]
    # ... and that run now holds the page.
    assert start_run(change("wh-a-3", event_type="page.properties_updated"), deps) is False


def test_a_run_waiting_for_a_person_holds_its_page() -> None:
    deps, _, _ = setup(default_run_budget_usd=0.0)  # over budget: the run waits for a person
    assert start_run(change("wh-a-1"), deps)
    run = deps.store.get_run("t1", "wh-a-1")
    assert run is not None and run.state.status == RunStatus.WAITING_FOR_HUMAN
    assert start_run(change("wh-a-2"), deps) is False
    assert runs(deps) == ["wh-a-1"]


def test_a_run_claimed_but_never_written_holds_the_page_for_the_hold_only() -> None:
    deps, _, clock = setup()
    # Its plan task died after the claim (or is still planning): no run document yet.
    assert deps.store.claim_page("t1", page_key(PAGE), "wh-a-1", T0, PAGE_HOLD) is None
    clock.now = T0 + PAGE_HOLD - timedelta(seconds=1)
    assert start_run(change("wh-a-2", before=T0), deps) is False
    clock.now = T0 + PAGE_HOLD + timedelta(seconds=1)
    assert start_run(change("wh-a-3", before=T0), deps) is True
    assert runs(deps) == ["wh-a-3"]
    # The dead run's retry comes later: the page is now another run's, which claimed it well after
    # that change, so it starts nothing, now or when that run ends.
    assert start_run(change("wh-a-1", before=T0), deps) is False
    humans.control(deps, "t1", "wh-a-3", "cancel")
    assert plans(deps) == []


def test_the_retry_of_the_run_that_holds_the_page_plans_it() -> None:
    deps, _, _ = setup()
    assert deps.store.claim_page("t1", page_key(PAGE), "wh-a-1", T0, PAGE_HOLD) is None
    assert start_run(change("wh-a-1"), deps) is True
    assert runs(deps) == ["wh-a-1"]


def test_another_page_is_never_held_back() -> None:
    deps, _, _ = setup()
    assert start_run(change("wh-a-1"), deps)
    assert start_run(change("wh-b-1", page=OTHER), deps) is True
    assert runs(deps) == ["wh-a-1", "wh-b-1"]


@pytest.mark.parametrize(
    "trigger",
    [
        Trigger(kind="webhook", event_id="c1", event_type="comment.created", page_id=PAGE, comment_id="c1"),
        Trigger(kind="api", page_id=PAGE),
        Trigger(kind="manual", page_id=PAGE),  # e.g. a replan after a rejection
    ],
    ids=["comment", "api", "manual"],
)
def test_comments_api_and_manual_runs_of_the_page_are_never_held(trigger: Trigger) -> None:
    deps, _, _ = setup()
    assert start_run(change("wh-a-1"), deps)
    assert trigger.changed_page is None
    assert start_run(PlanTask(tenant_id="t1", run_id="other", trigger=trigger), deps) is True
    assert runs(deps) == ["other", "wh-a-1"]


def test_without_coalescing_every_change_makes_its_run() -> None:
    deps, _, _ = setup(webhook_coalesce_s=0.0)
    assert start_run(change("wh-ev1"), deps) and start_run(change("wh-ev2"), deps)
    assert runs(deps) == ["wh-ev1", "wh-ev2"]


def test_page_key_is_one_key_per_page() -> None:
    assert page_key(PAGE) == page_key(PAGE.replace("-", "")) == page_key(PAGE.upper())
    assert page_key(PAGE) == PAGE.replace("-", "")
    assert page_key("not/a plain id") != page_key("not/a plain id2")
    assert len(page_key("not/a plain id")) == 32


def plans(deps: Deps) -> list[tuple[str, str]]:
    """(run, task name) of the plan tasks queued."""
    assert isinstance(deps.queue, FakeQueue)
    return [(b.run_id, n) for q, b, n, _ in deps.queue.tasks if q == Queue.PLAN and isinstance(b, PlanTask)]


def queued_plan(deps: Deps, run_id: str) -> PlanTask:
    """Take the queued plan task of ``run_id`` off the queue."""
    assert isinstance(deps.queue, FakeQueue)
    [i] = [
        i for i, (_, b, _, _) in enumerate(deps.queue.tasks) if isinstance(b, PlanTask) and b.run_id == run_id
    ]
    body = deps.queue.tasks.pop(i)[1]
    assert isinstance(body, PlanTask)
    return body


def drive(deps: Deps) -> None:
    """Carry out every queued plan and step task, as the functions would (notifications dropped)."""
    assert isinstance(deps.queue, FakeQueue)
    while deps.queue.tasks:
        _, body, _, _ = deps.queue.take()
        if isinstance(body, PlanTask):
            start_run(body, deps)
        elif isinstance(body, StepTask):
            run_step(body, deps)


def state(deps: Deps, run_id: str) -> RunStatus:
    run = deps.store.get_run("t1", run_id)
    assert run is not None
    return run.state.status


def test_the_latest_change_that_found_the_page_held_is_planned_once_when_the_run_ends() -> None:
    deps, model, clock = setup()
    assert start_run(change("wh-a-1", before=T0), deps)
    drive(deps)  # read, draft, write the plan page, then ask for approval
    assert state(deps, "wh-a-1") == RunStatus.WAITING_FOR_HUMAN
    # While it waits, the person edits the page twice (two later windows): nothing runs now.
    clock.now = T0 + timedelta(minutes=2)
    assert start_run(change("wh-a-2", before=T0 + timedelta(minutes=1)), deps) is False
    clock.now = T0 + timedelta(minutes=3)
    assert start_run(change("wh-a-3", before=T0 + timedelta(minutes=2)), deps) is False
    asked = len(model.prompts)
    assert runs(deps) == ["wh-a-1"] and plans(deps) == []
    humans.respond(deps, "t1", "wh-a-1", "approve")
    drive(deps)  # the run finishes, releases its page, and the latest change is planned: one run
    assert state(deps, "wh-a-1") == RunStatus.COMPLETED
    assert runs(deps) == ["wh-a-1", "wh-a-3"]
    assert len(model.prompts) > asked
    # That run holds the page now; a repeat of the ended run's follow-ups plans nothing again.
    run = deps.store.get_run("t1", "wh-a-1")
    assert run is not None
    followups.enqueue_followup(RunLog(deps, "t1", "wh-a-1"), run.state)
    assert plans(deps) == []
    assert start_run(change("wh-a-4", before=clock.now), deps) is False


def test_a_cancelled_run_hands_its_pages_change_over_and_a_repeat_enqueues_it_once() -> None:
    deps, _, clock = setup()
    assert start_run(change("wh-a-1", before=T0), deps)
    clock.now = T0 + timedelta(minutes=2)
    assert start_run(change("wh-a-2", before=T0 + timedelta(minutes=1)), deps) is False
    ended = humans.control(deps, "t1", "wh-a-1", "cancel")
    followups.enqueue_followup(RunLog(deps, "t1", "wh-a-1"), ended)  # e.g. a duplicate step task's ack
    assert plans(deps) == [("wh-a-2", "plan:t1:wh-a-2:after:wh-a-1")]
    assert start_run(queued_plan(deps, "wh-a-2"), deps) is True
    assert "wh-a-2" in runs(deps)


def test_a_change_the_holder_read_after_is_not_planned_again() -> None:
    deps, _, clock = setup()
    # The change happened a window before the run claimed the page, and reached us late.
    clock.now = T0 + READ_LAG + timedelta(minutes=1)
    assert start_run(change("wh-a-1", before=T0), deps)
    assert start_run(change("wh-a-0", before=T0), deps) is False
    humans.control(deps, "t1", "wh-a-1", "cancel")
    assert plans(deps) == []


def test_a_handed_over_change_that_finds_a_newer_run_starts_nothing_now_or_later() -> None:
    deps, _, clock = setup()
    assert start_run(change("wh-a-1", before=T0), deps)
    clock.now = T0 + timedelta(minutes=2)
    assert start_run(change("wh-a-2", before=T0 + timedelta(minutes=1)), deps) is False
    humans.control(deps, "t1", "wh-a-1", "cancel")
    [(_, name)] = plans(deps)
    assert name == "plan:t1:wh-a-2:after:wh-a-1"
    handed = queued_plan(deps, "wh-a-2")
    # Before it is planned, a newer change takes the released page over (and reads it afresh).
    clock.now = T0 + timedelta(minutes=5)
    assert start_run(change("wh-a-5", before=T0 + timedelta(minutes=4)), deps) is True
    assert start_run(handed, deps) is False
    humans.control(deps, "t1", "wh-a-5", "cancel")
    assert plans(deps) == []
    assert "wh-a-2" not in runs(deps)


def test_an_unwritten_holders_change_passes_to_the_run_that_takes_the_page_over() -> None:
    deps, _, clock = setup()
    assert deps.store.claim_page("t1", page_key(PAGE), "wh-a-1", T0, PAGE_HOLD) is None  # then died
    clock.now = T0 + PAGE_HOLD - timedelta(seconds=30)
    late = change("wh-a-2", before=clock.now)  # not yet readable when the next run claims the page
    assert start_run(late, deps) is False
    clock.now = T0 + PAGE_HOLD + timedelta(seconds=1)
    assert start_run(change("wh-a-3", before=T0), deps) is True
    humans.control(deps, "t1", "wh-a-3", "cancel")
    assert plans(deps) == [("wh-a-2", "plan:t1:wh-a-2:after:wh-a-3")]


def test_a_rejection_that_replans_releases_the_page_without_a_second_run() -> None:
    deps, model, clock = setup()
    steps = [("request_approval", {"summary": "May I?"}), ("finish", {"summary": "done"})]
    plan = {
        "goal": "g",
        "on_reject": "replan",
        "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps],
    }
    model.script["PlanOut"] = [plan]
    assert start_run(change("wh-a-1", before=T0), deps)
    drive(deps)
    assert state(deps, "wh-a-1") == RunStatus.WAITING_FOR_HUMAN
    clock.now = T0 + timedelta(minutes=2)
    assert start_run(change("wh-a-2", before=T0 + timedelta(minutes=1)), deps) is False
    ended = humans.respond(deps, "t1", "wh-a-1", "reject", text="not this way")
    assert ended.replanned_as is not None
    # The replan reads the page afresh: the change is not planned as well.
    assert [r for r, _ in plans(deps)] == [ended.replanned_as]


def test_runs_not_started_by_a_pages_change_release_nothing() -> None:
    deps, _, _ = setup()
    assert start_run(change("wh-a-1", before=T0), deps)
    api = PlanTask(tenant_id="t1", run_id="api-1", trigger=Trigger(kind="api", page_id=PAGE))
    assert start_run(api, deps) is True
    humans.control(deps, "t1", "api-1", "cancel")
    assert start_run(change("wh-a-2"), deps) is False  # wh-a-1 still holds the page


def test_a_change_dropped_for_a_gone_connection_lets_go_of_its_page() -> None:
    """The owner is told to reconnect, does, and edits the page within the hold: that change is
    planned, not remembered on the claim of a run that will never exist."""
    deps, _, clock = setup()
    working = deps.notion_for

    def gone(_tenant: str) -> NoReturn:
        raise ReconnectRequired("Notion refused the token and it could not be refreshed")

    assert start_run(change("wh-a-1"), deps._replace(notion_for=gone)) is False
    assert runs(deps) == []
    clock.now = T0 + timedelta(minutes=2)  # reconnected, well within PAGE_HOLD
    assert start_run(change("wh-a-2"), deps._replace(notion_for=working)) is True
    assert runs(deps) == ["wh-a-2"]


def test_a_change_remembered_while_the_dropped_run_held_the_page_is_planned_when_it_lets_go() -> None:
    deps, _, _ = setup()

    def gone_meanwhile(_tenant: str) -> NoReturn:
        # another change of the page comes while this run holds it, then Notion refuses the token
        assert start_run(change("wh-a-2"), deps) is False
        raise ReconnectRequired("Notion refused the token and it could not be refreshed")

    assert start_run(change("wh-a-1"), deps._replace(notion_for=gone_meanwhile)) is False
    assert isinstance(deps.queue, FakeQueue)
    planned = [(body, name) for queue, body, name, _ in deps.queue.tasks if queue == Queue.PLAN]
    assert [(b.run_id, n) for b, n in planned if isinstance(b, PlanTask)] == [
        ("wh-a-2", "plan:t1:wh-a-2:after:wh-a-1")
    ]
