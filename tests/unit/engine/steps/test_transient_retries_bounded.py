"""A step that keeps failing transiently is bounded (``run_limits.RETRY_FOR``): a write whose every attempt
records an error (releasing its intent) never looked idle to the sweeper, so it retried for ever,
writing to Notion each time, and nobody was told. Now, a day after its first transient error, the
next delivery asks a person; an outage of hours is ridden out and a long Retry-After is honoured."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services.engine import run_step
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.errors import TransientError
from shared.runs.domain.events import (
    ErrorKind,
    ErrorRecorded,
    HumanRequested,
    HumanResponded,
    RunPaused,
    RunPlanned,
    RunResumed,
    RunStatus,
    ToolResult,
)
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunEvent, fold
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from tests.engine_fakes import FakeModel, FakeNotion, make_deps
from tests.fakes import FakeQueue
from tests.support.engine.engine_runs import state

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
RETRY_FOR = timedelta(days=1)  # shared.runs.domain.run_limits.RETRY_FOR, as documented (docs/engine.md)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def started(notion: FakeNotion, *texts: str) -> tuple[Deps, Clock]:
    """A run adding one comment per text to a page, then finishing; its clock is the test's."""
    page = notion.add_page("P")
    steps = [*(("add_comment", {"page_id": page, "text": t}) for t in texts), ("finish", {"summary": "ok"})]
    plan = {"goal": "g", "risk": "low", "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}
    clock = Clock(T0)
    deps = make_deps(model=FakeModel({"PlanOut": [plan]}), notion=notion)._replace(clock=clock)
    start_run(
        PlanTask(tenant_id="t1", run_id="r1", goal="do", trigger=Trigger(kind="api", page_id=page)), deps
    )
    return deps, clock


def attempt(deps: Deps, step: int, error: Exception | None = None) -> str:
    """One delivery of ``step``: "503" (a transient error, retried by the queue), its reason, or
    "acted" (carried out) or "recorded" (a stop recorded without acting)."""
    try:
        outcome = run_step(StepTask(tenant_id="t1", run_id="r1", step=step), deps)
    except TransientError as exc:
        assert error is None or exc is error
        return "503"
    return outcome.reason or ("acted" if outcome.acted else "recorded")


def test_a_write_failing_at_every_attempt_asks_a_person_after_a_day_instead_of_for_ever() -> None:
    notion = FakeNotion()
    deps, clock = started(notion, "hello")
    outage = TransientError("notion: HTTP 503")
    answers = []
    for _ in range(400):  # 33 hours of the queue's and the sweeper's attempts, every 5 minutes
        notion.fail["add_comment"] = [outage]
        answers.append(attempt(deps, 1, outage))
        clock.now += timedelta(minutes=5)
        if state(deps).status != RunStatus.RUNNING:
            break
    stopped = state(deps)
    assert stopped.status == RunStatus.WAITING_FOR_HUMAN, answers[-3:]
    assert stopped.waiting is not None and stopped.waiting.purpose == "limit" and not stopped.waiting.budget
    assert "failing for 24 hours without progress" in stopped.waiting.prompt
    assert "notion: HTTP 503" in stopped.waiting.prompt
    tries = RETRY_FOR // timedelta(minutes=5)  # the attempts within the day from the first one
    assert answers.count("503") == tries and answers[tries:] == ["recorded"]  # the next one asked
    assert isinstance(deps.queue, FakeQueue)
    asked = [b for _, b, _, _ in deps.queue.tasks if isinstance(b, NotifyTask)]
    assert [b.notification_id for b in asked] == ["r1-started", f"r1-{stopped.waiting.request_id}"]

    # Approving lets the step go on with a fresh day: it is carried out at the next delivery.
    notion.fail.clear()
    last = stopped.last_seq + 1
    approve = HumanResponded(seq=last, at=clock(), request_id=stopped.waiting.request_id, decision="approve")
    assert deps.store.append("t1", "r1", stopped, [approve]) is not None
    assert attempt(deps, 1) == "acted" and notion.writes["add_comment"] == 1


def test_an_outage_of_hours_is_ridden_out_and_each_step_gets_its_own_day() -> None:
    notion = FakeNotion()
    deps, clock = started(notion, "one", "two")
    for _ in range(6 * 12):  # six hours of 503s, then Notion answers again
        notion.fail["add_comment"] = [TransientError("notion: HTTP 503")]
        assert attempt(deps, 1) == "503"
        clock.now += timedelta(minutes=5)
    assert attempt(deps, 1) == "acted" and state(deps).failing_since is None
    first_failure = clock()
    while clock() - first_failure < RETRY_FOR:  # step 2 fails for a day, counted from its own start
        notion.fail["add_comment"] = [TransientError("notion: HTTP 502")]
        assert attempt(deps, 2) == "503"
        clock.now += timedelta(minutes=30)
    assert attempt(deps, 2) == "recorded"  # a request for a person, and no write
    assert state(deps).status == RunStatus.WAITING_FOR_HUMAN
    assert notion.writes["add_comment"] == 1


def test_a_long_retry_after_is_honoured_past_the_day_and_the_step_stops_once_it_is_due() -> None:
    notion = FakeNotion()
    deps, clock = started(notion, "hello")
    notion.fail["add_comment"] = [TransientError("notion: HTTP 503")]
    assert attempt(deps, 1) == "503"  # the step starts failing at T0
    clock.now = T0 + timedelta(minutes=10)
    notion.fail["add_comment"] = [TransientError("notion: HTTP 429", retry_after_s=20 * 3600.0)]
    assert attempt(deps, 1) == "retry in 72000 s"
    clock.now = T0 + timedelta(hours=20, minutes=10)
    notion.fail["add_comment"] = [TransientError("notion: HTTP 429", retry_after_s=6 * 3600.0)]
    assert attempt(deps, 1) == "retry in 21600 s"  # due: tried again (a day has not passed)
    clock.now = T0 + timedelta(hours=25)  # past the day, still waiting: nothing but the wait
    assert attempt(deps, 1).startswith("retry in") and state(deps).status == RunStatus.RUNNING
    clock.now = T0 + timedelta(hours=26, minutes=10)  # due, and failing for more than a day
    assert attempt(deps, 1) == "recorded"
    assert state(deps).status == RunStatus.WAITING_FOR_HUMAN
    assert notion.writes["add_comment"] == 0 and len(notion.fail["add_comment"]) == 0


def _event(kind: str, seq: int, at: datetime, **fields: Any) -> RunEvent:
    common: dict[str, Any] = {"seq": seq, "at": at}
    made: dict[str, Callable[[], RunEvent]] = {
        "transient": lambda: ErrorRecorded(
            **common, step=1, error=ErrorKind.TRANSIENT, message="503", **fields
        ),
        "fixable": lambda: ErrorRecorded(**common, step=1, error=ErrorKind.MODEL_FIXABLE, message="bad"),
        "result": lambda: ToolResult(**common, step=1, tool="add_comment"),
        "asked": lambda: HumanRequested(**common, request_id="q", step=1, purpose="limit", prompt="p"),
        "approved": lambda: HumanResponded(**common, request_id="q", decision="approve"),
        "paused": lambda: RunPaused(**common),
        "resumed": lambda: RunResumed(**common),
    }
    return made[kind]()


@pytest.mark.parametrize(
    ("kinds", "since"),
    [
        (["fixable"], None),  # errors the model fixes are counted in a row, not here
        (["transient"], 0),
        (["transient", "fixable", "transient"], 0),  # from the first, whatever came between
        (["transient", "result"], None),  # progress
        (["transient", "result", "transient"], 2),  # the next step's own start
        (["transient", "asked", "approved"], None),  # a person let it go on
        (["transient", "paused", "resumed"], None),
        (["transient", "paused"], 0),
    ],
)
def test_the_fold_keeps_when_the_current_step_started_failing(kinds: list[str], since: int | None) -> None:
    planned = RunPlanned(seq=1, at=T0, goal="g", trigger="api", steps=[], tools=["add_comment"])
    events = [_event(k, i + 2, T0 + timedelta(hours=i)) for i, k in enumerate(kinds)]
    folded = fold([planned, *events])
    assert folded.failing_since == (None if since is None else T0 + timedelta(hours=since))


def test_the_bound_is_the_documented_day_the_sweeper_gives_a_run_too() -> None:
    from shared.engine.services import sweeper
    from shared.runs.domain import run_limits

    assert getattr(run_limits, "RETRY_FOR", None) == RETRY_FOR == sweeper.GIVE_UP_AFTER


def test_a_planning_error_does_not_start_the_clock() -> None:
    planned = RunPlanned(seq=1, at=T0, goal="g", trigger="api", steps=[], tools=[])
    error = ErrorRecorded(seq=2, at=T0, step=0, error=ErrorKind.TRANSIENT, message="model: HTTP 429")
    assert fold([planned, error]).failing_since is None
