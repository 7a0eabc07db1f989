"""A release through the engine against the code sandbox: the owner is
asked to merge only once the preview is READY (a scheduled retry at a time while it builds, no
instance held), and the request shows its URL; an errored preview fails the run saying why; the
merge takes the approved head only; production is deployed from the merge, health-checked, and
rolled back to the deployment before it when the check fails; a retried merge or rollback does
nothing twice."""

from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from shared.code.adapters.vercel import VercelDeployer
from shared.engine.planning import rollback
from shared.engine.services import humans
from shared.engine.services.engine import run_step
from shared.platform.errors import Conflict
from shared.platform.topology import Queue
from shared.runs.domain.events import ErrorRecorded, HumanRequested, RunStatus, ToolResult
from shared.runs.domain.step_task import StepTask
from shared.tools.base import ToolContext, idempotency_key
from shared.tools.code import release
from shared.workspace.domain.code_policy import CodePolicy
from shared.workspace.domain.settings import TenantSettings
from tests.support.code.release_steps import FINISH, RELEASE, drive, drive_until_asked, seed_production, start
from tests.support.engine.deploy_steps import GITHUB_TOKEN, VERCEL_TOKEN, Pair, admin, sandbox
from tests.support.platform.platform_fakes import FakeModel

pytestmark = pytest.mark.integration

__all__ = ["admin", "sandbox"]  # fixtures the tests here ask for
# Where the preview answers 500 as production does, a policy without smoke paths lets the merge happen.
NO_SMOKE = TenantSettings(
    github_repositories=["acme/site"],
    vercel_projects=["site"],
    code_policies={"acme/site": CodePolicy(smoke_paths=[])},
)


@pytest.fixture(autouse=True)
def _no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(release, "HEALTH_PAUSE_S", 0.0)


def results(pair: Pair, tool: str) -> list[dict[str, Any]]:
    events = pair.step.store.list_events(pair.tenant, "r1")
    return [e.output for e in events if isinstance(e, ToolResult) and e.tool == tool]


def production(url: str) -> str:
    current = VercelDeployer(url + "/vercel", 5.0).production(VERCEL_TOKEN, "site")
    assert current is not None
    return current.id


def test_the_owner_is_asked_to_merge_once_the_preview_is_ready_then_it_ships_healthy(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.builds(reads_to_ready=3)  # QUEUED, BUILDING, BUILDING, READY: two looks find it building
    before = seed_production(sandbox[0])
    pair = Pair(sandbox[0], FakeModel())
    clock = start(pair, RELEASE)
    driven = drive(pair, clock)
    state = pair.state()
    assert state.status == RunStatus.COMPLETED, state.last_error

    events = pair.step.store.list_events("t1", "r1")
    [preview] = results(pair, "deploy_vercel")[:1]
    [(_, merge_prompt)] = [(n, p) for n, p in driven.asked if n == 3]
    assert f"its preview {preview['id']} is READY at {preview['url']}" in merge_prompt
    [opened] = results(pair, "open_pull_request")
    assert f"pull request #{opened['number']}" in merge_prompt and opened["head_sha"] in merge_prompt
    waits = [e for e in events if isinstance(e, ErrorRecorded) and e.step == 3]
    asked = next(e for e in events if isinstance(e, HumanRequested) and e.step == 3)
    assert [("BUILDING" in e.message, e.retry_at is not None) for e in waits] == [(True, True)] * 2
    assert all(e.seq < asked.seq for e in waits)  # asked only after the looks that found it building

    [merged] = results(pair, "merge_pull_request")
    [pr] = admin.repo("acme/site")["pulls"]
    assert (pr["state"], pr["merged"]) == ("closed", True)
    assert admin.commits("acme/site", "main")[0]["sha"] == merged["merge_sha"]  # one squash commit
    assert admin.files("acme/site", "main")["VERSION"] == "2\n"
    [health] = results(pair, "check_production")
    shipped = results(pair, "deploy_vercel")[1]["id"]
    assert health["healthy"] is True and health["status"] == 200
    assert production(sandbox[0]) == shipped != before


def test_an_errored_preview_fails_the_run_with_its_reason_and_asks_nothing(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.builds(reads_to_ready=2, outcome="ERROR")
    pair = Pair(sandbox[0], FakeModel())
    driven = drive(pair, start(pair, RELEASE))
    state = pair.state()
    assert state.status == RunStatus.FAILED
    assert 'ended ERROR (Command "npm run build" exited with 1)' in state.summary
    assert "nothing was asked, merged or promoted" in state.summary
    # the pull request; never its preview (the run's own branch: decision 0148), nor the merge
    assert [n for n, _ in driven.asked] == [1]
    [pr] = admin.repo("acme/site")["pulls"]
    assert (pr["state"], pr["merged"]) == ("open", False)


def test_a_failing_health_check_rolls_production_back_to_the_deployment_before(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    before = seed_production(sandbox[0])
    admin.builds(reads_to_ready=1, healthy=False)  # what this run deploys answers 500
    pair = Pair(sandbox[0], FakeModel(), allowed=NO_SMOKE)  # the preview is broken too
    drive(pair, start(pair, RELEASE))
    state = pair.state()
    [health] = results(pair, "check_production")
    assert (health["healthy"], health["status"], health["rolled_back_to"]) == (False, 500, before)
    assert production(sandbox[0]) == before
    promotions = [r for r in admin.requests() if "/promote/" in r["path"]]
    assert len(promotions) == 1
    # Its own outcome, in code's words, whatever the plan's finish said ("released").
    assert state.status == RunStatus.ROLLED_BACK, state.last_error
    shipped = results(pair, "deploy_vercel")[1]["id"]
    assert state.summary == (
        f"Rolled back: production of site failed its health check on {shipped} (it answered 500) and "
        f"serves {before} again. The change is merged but not live."
    )
    log = pair.step.store.list_events("t1", "r1")
    with pytest.raises(Conflict, match=f"rolled back from {shipped} to {before} already"):
        rollback.ask_rollback(
            pair.step, "t1", "r1", log, by_owner=True
        )  # nothing left to roll back: not offered


def _context(pair: Pair, step: int) -> ToolContext:
    assert pair.deploy.code is not None
    key = idempotency_key("t1", "r1", step)
    model = pair.step.model
    assert model is not None
    return ToolContext("t1", "r1", step, key, None, model, pair.queue, str, code=pair.deploy.code)


def test_a_retried_merge_and_a_retried_rollback_act_once(sandbox: tuple[str, Admin], admin: Admin) -> None:
    """Each tool called again as a retry after a lost answer would call it: found, not done again."""
    before = seed_production(sandbox[0])
    admin.builds(reads_to_ready=1, healthy=False)
    pair = Pair(sandbox[0], FakeModel(), allowed=NO_SMOKE)  # the preview is broken too
    drive(pair, start(pair, RELEASE))
    merge_args = release.MergeArgs.model_validate(_resolved(pair, 3))
    again = release.merge_pull_request(_context(pair, 3), merge_args)
    [first] = results(pair, "merge_pull_request")
    assert again["merge_sha"] == first["merge_sha"] and again["found"] is True
    assert release.find_merge(_context(pair, 3), merge_args) == again
    assert len(admin.commits("acme/site", "main")) == 2  # the initial commit and one squash

    health_args = release.CheckProductionArgs.model_validate(_resolved(pair, 6))
    repeat = release.check_production(_context(pair, 6), health_args)
    assert (repeat["rolled_back_to"], repeat["found"]) == (before, True)
    assert len([r for r in admin.requests() if "/promote/" in r["path"]]) == 1
    assert production(sandbox[0]) == before


def _resolved(pair: Pair, step: int) -> dict[str, Any]:
    events = pair.step.store.list_events("t1", "r1")
    return next(e.args for e in events if isinstance(e, ToolResult) and e.step == step)


def test_a_merge_whose_holder_died_after_merging_is_found_not_merged_again(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    """Reliability: the approved merge's task dies after GitHub merged and before the result was
    recorded (its intent's lease ran out); the retry takes the intent over, finds the merge by the
    pull request's state and records it, reconciled: one squash commit."""
    admin.builds(reads_to_ready=1)
    pair = Pair(sandbox[0], FakeModel())
    clock = start(pair, [*RELEASE[:3], FINISH])
    waiting = drive_until_asked(pair, clock, 3)
    humans.respond(pair.step, "t1", "r1", "approve", request_id=waiting.request_id)
    code = pair.abandoned_intent(3, "merge_pull_request")
    opened = results(pair, "open_pull_request")[0]
    code.host.merge(
        GITHUB_TOKEN, "acme/site", opened["number"], opened["head_sha"], "lost"
    )  # the lost effect
    drive(pair, clock)
    assert pair.state().status == RunStatus.COMPLETED, pair.state().last_error
    assert pair.reconciled_once(3)
    assert len(admin.commits("acme/site", "main")) == 2  # the initial commit and one squash


def test_a_roll_back_from_the_console_is_asked_once_and_done_once(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    """The owner presses Roll back twice on a released run: one rollback run, one request, one
    promotion of the deployment before; its task delivered again does nothing more."""
    admin.builds(reads_to_ready=1)
    before = seed_production(sandbox[0])
    pair = Pair(sandbox[0], FakeModel())
    clock = start(pair, RELEASE)
    drive(pair, clock)
    shipped = results(pair, "deploy_vercel")[1]["id"]
    assert production(sandbox[0]) == shipped
    log = pair.step.store.list_events("t1", "r1")
    first = rollback.ask_rollback(pair.step, "t1", "r1", log, by_owner=True)
    again = rollback.ask_rollback(
        pair.step, "t1", "r1", log, by_owner=True
    )  # a second click, or a retried request
    assert (first["made"], again["made"], again["run_id"]) == (True, False, first["run_id"])
    run_id, sent = first["run_id"], len(admin.requests())
    tasks: list[tuple[Queue, StepTask]] = []

    def state() -> Any:
        run = pair.step.store.get_run("t1", run_id)
        assert run is not None
        return run.state

    for _ in range(20):
        if state().waiting is not None:
            humans.respond(pair.step, "t1", run_id, "approve", request_id=state().waiting.request_id)
        if not pair.queue.tasks:
            break
        q, body, _, _ = pair.queue.take()
        if isinstance(body, StepTask):  # notify's tasks (the request's mail) left aside
            tasks.append((q, body))
            run_step(body, pair.deploy if q == Queue.DEPLOY else pair.step)
    events = pair.step.store.list_events("t1", run_id)
    assert state().status == RunStatus.COMPLETED, state().last_error
    assert len([e for e in events if isinstance(e, HumanRequested)]) == 1  # the owner, asked once
    [done] = [e.output for e in events if isinstance(e, ToolResult) and e.tool == "roll_back_production"]
    assert done["rolled_back_to"] == before == production(sandbox[0])
    deploy_task = next(body for q, body in tasks if q == Queue.DEPLOY)
    run_step(deploy_task, pair.deploy)  # the step's task delivered again
    rollback.ask_rollback(pair.step, "t1", "r1", log, by_owner=True)  # and a third click, after it ended
    promotions = [r for r in admin.requests(sent) if "/promote/" in r["path"]]
    assert len(promotions) == 1
    assert not [q for q, *_ in pair.queue.tasks if q in (Queue.EXECUTE_STEP, Queue.DEPLOY)]
