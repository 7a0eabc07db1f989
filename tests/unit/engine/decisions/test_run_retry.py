"""Retrying a failed run from its failed step: same run, same log, the steps
done before it not done again, and only a failed run retried."""

import pytest

from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.platform.errors import Conflict, PermanentError
from shared.runs.domain.events import RunStatus
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import fold
from shared.runs.services.deps import Deps
from tests.link_tokens import fragment, mailed
from tests.support.engine.engine_runs import drive_asking as drive
from tests.support.engine.engine_runs import idea_deps
from tests.support.notion.notion_fakes import FakeNotion


def failed_run() -> tuple[Deps, FakeNotion, str]:
    """An idea's run approved, then failed at append_blocks by a permanent error of Notion."""
    deps, notion, page = idea_deps()
    start_run(PlanTask(tenant_id="t1", run_id="r1", trigger=Trigger(kind="webhook", page_id=page)), deps)
    asks = drive(deps)
    notion.fail["append_blocks"] = [PermanentError("Notion answered 400 validation_error")]
    humans.respond_by_link(deps, fragment(mailed(deps, asks[-1]).approve))
    drive(deps)
    return deps, notion, page


def test_a_failed_run_is_retried_from_its_failed_step_in_the_same_log() -> None:
    deps, notion, _ = failed_run()
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.FAILED
    failed_at = run.state.cursor
    assert run.state.steps[failed_at - 1].tool == "append_blocks"
    before = deps.store.list_events("t1", "r1")
    assert notion.writes == {"create_page": 1}
    state = humans.retry(deps, "t1", "r1")
    assert state.status == RunStatus.RUNNING and state.cursor == failed_at
    drive(deps)
    run = deps.store.get_run("t1", "r1")
    assert run is not None and run.state.status == RunStatus.COMPLETED
    assert notion.writes == {"create_page": 1, "append_blocks": 1, "update_properties": 1}  # once each
    after = deps.store.list_events("t1", "r1")
    assert after[: len(before)] == before  # the same log, grown
    assert after[len(before)].kind == "run_retried"
    assert fold(after) == run.state


def test_only_a_failed_run_is_retried() -> None:
    deps, _, _ = failed_run()
    humans.retry(deps, "t1", "r1")
    with pytest.raises(Conflict, match="did not fail"):
        humans.retry(deps, "t1", "r1")  # running again: a second retry records nothing
    assert [e.kind for e in deps.store.list_events("t1", "r1")].count("run_retried") == 1
