"""A trigger whose planning fails is durable from its first failed attempt (a run without steps,
holding the error) and ends visibly on the plan queue's last attempt: a failed run saying why, the
owner's notice and the alert line, whatever failed (Notion, the model, a bug)."""

import logging
from typing import Any

import pytest

from shared.engine.planning.start import start_run
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.errors import TransientError
from shared.runs.domain.events import ErrorRecorded, RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from tests.support.engine.engine_fakes import FINISH_PLAN, make_deps
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel
from tests.support.runs.runs import queue_of as queue


def page_task(notion: FakeNotion) -> PlanTask:
    page = notion.add_page("Idea")
    return PlanTask(
        tenant_id="t1",
        run_id="r1",
        trigger=Trigger(kind="webhook", page_id=page, event_type="page.created"),
        admitted=True,
    )


def test_a_failed_first_attempt_leaves_a_run_holding_the_error() -> None:
    notion = FakeNotion()
    task = page_task(notion)
    notion.fail["retrieve_page"] = [TransientError("Notion answered 503 service_unavailable")]
    deps = make_deps(FakeModel({"PlanOut": [FINISH_PLAN]}), notion, webhook_coalesce_s=0.0)
    with pytest.raises(TransientError):
        start_run(task, deps)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.RUNNING and not run.state.steps
    assert "503" in run.state.last_error
    errors = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ErrorRecorded)]
    assert [e.step for e in errors] == [0]
    assert start_run(task, deps) is False  # the retry plans into it
    planned = deps.store.get_run("t1", "r1")
    assert planned is not None and planned.state.steps


def test_the_last_attempt_ends_the_trigger_failed_with_the_reason_and_the_owners_notice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    notion = FakeNotion()
    task = page_task(notion)
    notion.fail["retrieve_page"] = [TransientError("Notion answered 503 service_unavailable")] * 3
    deps = make_deps(
        FakeModel({"PlanOut": [FINISH_PLAN]}), notion, webhook_coalesce_s=0.0, plan_max_attempts=3
    )
    for _ in range(2):
        with pytest.raises(TransientError):
            start_run(task, deps)
    with caplog.at_level(logging.INFO):
        start_run(task, deps, last_attempt=True)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.FAILED
    assert run.state.summary.startswith(
        "the trigger could not be planned after 3 attempts: Notion answered 503"
    )
    notes = [b for _, b, _, _ in queue(deps).tasks if isinstance(b, NotifyTask)]
    assert [n.notification_id for n in notes] == ["r1-failed"]
    assert [r for r in caplog.records if getattr(r, "fields", {}).get("event") == "run_failed"]


def test_a_last_attempt_that_fails_before_any_run_exists_creates_it_failed() -> None:
    notion = FakeNotion()
    task = page_task(notion)
    deps = make_deps(FakeModel({"PlanOut": [FINISH_PLAN]}), notion, webhook_coalesce_s=0.0)
    deps = deps._replace(store=_StoreFailingOnce(deps.store))
    assert start_run(task, deps, last_attempt=True) is True
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.FAILED
    assert run.state.summary.endswith("an unexpected error")


def test_a_last_attempt_that_succeeds_plans_as_any_other() -> None:
    notion = FakeNotion()
    deps = make_deps(FakeModel({"PlanOut": [FINISH_PLAN]}), notion, webhook_coalesce_s=0.0)
    assert start_run(page_task(notion), deps, last_attempt=True) is True
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.RUNNING and run.state.steps


class _StoreFailingOnce:
    """The fake run store, except that its first ``get_run`` raises (a bug before anything is
    decided)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.failed = inner, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get_run(self, tenant_id: str, run_id: str) -> Any:
        if not self.failed:
            self.failed = True
            raise RuntimeError("a bug")
        return self.inner.get_run(tenant_id, run_id)
