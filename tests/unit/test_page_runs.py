"""One active run per page: a page's change while an earlier run of that page is still being planned
or not finished starts no second run (no model call, no task); other triggers never wait."""

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.events import RunFinished, RunStatus
from shared.domain.tasks import PlanTask, Trigger, page_key
from shared.services.deps import Deps
from shared.services.planning import PAGE_HOLD, start_run
from tests.engine_fakes import FakeModel, FakeNotion, make_deps
from tests.fakes import FakeQueue, FakeRunStore

PAGE = "1a2b3c4d-0000-4000-8000-00000000abcd"
OTHER = "9f9f9f9f-0000-4000-8000-000000000001"
T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def change(run_id: str, page: str = PAGE, event_type: str = "page.content_updated") -> PlanTask:
    trigger = Trigger(kind="webhook", event_id=f"ev-{run_id}", event_type=event_type, page_id=page)
    return PlanTask(tenant_id="t1", run_id=run_id, trigger=trigger)


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
    return make_deps(model=model, notion=notion, **settings)._replace(clock=clock), model, clock


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
    assert start_run(change("wh-a-2"), deps) is False
    clock.now = T0 + PAGE_HOLD + timedelta(seconds=1)
    assert start_run(change("wh-a-3"), deps) is True
    assert runs(deps) == ["wh-a-3"]
    # The dead run's retry comes later: the page is now another run's, so it starts nothing either.
    assert start_run(change("wh-a-1"), deps) is False


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
