"""GitLab merge requests in the code pipeline (decision 0126), through the engine
against the GitLab sandbox and the Firestore emulator: a draft merge request, a failing pipeline
whose job is named, the fix, ready once the pipeline passes, the owner's approval, one squash merge;
a task retried after its holder died finds the merge request instead of making a second one; a Pipeline
Hook delivery wakes the waiting run once, a forged or repeated one refused (polling stays the fallback);
a Vercel preview of the branch READY and smoke-checked before the merge is asked, then production and
its rollback (decision 0133, against the code sandbox's Vercel too)."""

import sys
from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from local.gitlab_sandbox.app import PROJECT_ID
from shared.code.adapters.vercel import VercelDeployer
from shared.code.domain.code import CodeChange, FileChange
from shared.engine.services.check_wakeups import CheckWakeups, wake_checks
from shared.platform.errors import Conflict, Unauthenticated
from shared.runs.domain.events import ErrorRecorded, HumanRequested, RunStatus
from shared.runs.domain.step_task import StepTask
from shared.sync.adapters.firestore_sync import FirestoreGitLabSync
from shared.sync.domain.connection import hook_secret
from shared.sync.services.intake import GitLabIntake, Intake, ingest_gitlab
from shared.tools.code import release
from shared.tools.code.pull_request import branch_for
from shared.workspace.adapters.firestore_tenants import FirestoreWebhookEvents
from tests.support.code.code_checks import failed_then_passed, results
from tests.support.code.release_steps import (
    drive,
    drive_checked,
    resolved_args,
    retry_context,
    seed_production,
    start,
)
from tests.support.engine.deploy_steps import VERCEL_TOKEN, admin, sandbox
from tests.support.sync.gitlab_code import (
    AWAIT,
    FINISH,
    FIX,
    MERGE,
    OPEN,
    PROJECT,
    RELEASE,
    RELEASE_TOOLS,
    TOOLS,
    VERCEL_PROJECT,
    gitlab_code_pair,
    run_branch,
    until_asked,
)

pytestmark = pytest.mark.integration
__all__ = ["admin", "sandbox"]  # the code sandbox (Vercel) the release tests ask for


def test_a_draft_merge_request_fails_its_pipeline_is_fixed_made_ready_and_merged_once(
    firestore_emulator: Any,
) -> None:
    with gitlab_code_pair(firestore_emulator.client()) as (pair, lab):
        clock = start(pair, [OPEN, AWAIT, FIX, AWAIT, MERGE, FINISH], tools=TOOLS)
        driven = drive_checked(pair, clock, lab.code.pipelines_done)
        failed_then_passed(pair)

        [mr] = lab.code.merge_requests.values()  # one branch, one merge request
        assert mr["source_branch"] == run_branch(pair) and mr["title"] == "Bump"  # "Draft: " removed
        assert "Checks failing (failed): tests." in mr["description"]  # the draft named the failing job
        assert mr["state"] == "merged" and lab.code.merges == 1
        [merged] = results(pair, "merge_pull_request")
        assert merged["merge_sha"] == mr["squash_commit_sha"] == lab.code.branches["main"]
        assert lab.code.files("main")["VERSION"] == "2\n"
        assert len(lab.code.pipelines) == 2  # the change's commit and its fix's
        assert [step for step, _ in driven.asked] == [1, 3, 5]  # each write approved by the owner


def test_a_task_retried_after_its_holder_died_finds_the_merge_request(firestore_emulator: Any) -> None:
    with gitlab_code_pair(firestore_emulator.client()) as (pair, lab):
        clock = start(pair, [OPEN, FINISH], tools=TOOLS)
        code = pair.abandoned_intent(1, "open_pull_request")  # its holder died after opening it
        bound = code.on(pair.tenant, PROJECT)
        change = CodeChange(
            repository=PROJECT,
            branch=branch_for("r1:1:1"),
            title="Bump",
            commit_message="Bump",
            files=[FileChange(path="VERSION", content="1\n")],
            draft=True,
        )
        token = bound.token(pair.tenant, bound_integration())
        bound.host.open_pull_request(token, change)  # the lost effect
        again = bound.host.open_pull_request(token, change)  # the adapter's own repeat adds nothing
        drive_checked(pair, clock, lab.code.pipelines_done)
        assert pair.state().status == RunStatus.COMPLETED, pair.state().last_error
        assert pair.reconciled_once(1)
        [mr] = lab.code.merge_requests.values()
        assert again.number == mr["iid"] and mr["title"] == "Draft: Bump"
        history = lab.code._resolve(mr["source_branch"])
        assert lab.code.commits[history]["parent"] == lab.code.branches["main"]  # one commit on the branch


def bound_integration() -> Any:
    from shared.workspace.domain.integrations import Integration

    return Integration.GITHUB  # the code host's integration: bound to GitLab, its token is GitLab's


SLOW_CHECK = [
    sys.executable,
    "-c",
    "import sys, time; time.sleep(1.5); sys.exit(open('VERSION').read() != '1\\n')",
]


def test_a_pipeline_delivery_wakes_the_waiting_run_once_and_a_forgery_or_repeat_is_refused(
    firestore_emulator: Any,
) -> None:
    db = firestore_emulator.client()
    with gitlab_code_pair(db) as (pair, lab):
        pair.step.secrets.put(hook_secret(pair.tenant, "gitlab"), "hook-secret-1")
        hook = {"id": 1, "url": "https://api.test/hook", "token": "hook-secret-1", "uuid": "h1"}
        lab.hooks[1] = hook | {"issues_events": False, "pipeline_events": True}
        lab.code.jobs_config = [{"name": "tests", "command": SLOW_CHECK, "timeout_s": 20}]
        clock = start(pair, [OPEN, AWAIT, FINISH], tools=TOOLS)
        while (state := pair.state()).cursor != 2 or state.retry_at is None:  # await_checks: a scheduled look
            drive(pair, clock, limit=1)
        lab.code.pipelines_done()
        [(_, headers, body)] = [d for d in lab.outbox if d[1]["X-Gitlab-Event"] == "Pipeline Hook"]
        wakeups = CheckWakeups(pair.step.store, FirestoreWebhookEvents(db), pair.queue, pair.step.secrets)
        intake: GitLabIntake = Intake(
            FirestoreGitLabSync(db),
            pair.step.secrets,
            FirestoreWebhookEvents(db),
            pair.queue,
            3600.0,
            pipelines=lambda t, repository, branch: wake_checks(wakeups, t, repository, branch),
        )
        forged = headers | {"X-Gitlab-Token": "guessed"}
        with pytest.raises(Unauthenticated):
            ingest_gitlab(pair.tenant, body, forged, intake)
        assert ingest_gitlab(pair.tenant, body, headers, intake)["result"] == "woken"
        with pytest.raises(Conflict):
            ingest_gitlab(pair.tenant, body, headers, intake)  # the same X-Gitlab-Event-UUID again
        woken = [t for _, t, _, _ in pair.queue.tasks if isinstance(t, StepTask) and t.woken]
        assert [(t.run_id, t.step) for t in woken] == [("r1", 2)]  # one woken look, before its schedule
        drive_checked(pair, clock, lab.code.pipelines_done)
        assert pair.state().status == RunStatus.COMPLETED, pair.state().last_error
        [mr] = lab.code.merge_requests.values()
        assert mr["title"] == "Bump"  # the pipeline passed: ready


AWS_KEY = "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example key id: the shape of a real one


def test_a_secret_stops_the_push_to_gitlab_before_any_write(firestore_emulator: Any) -> None:
    leaked = [{"path": "config.py", "content": f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'}]
    with gitlab_code_pair(firestore_emulator.client()) as (pair, lab):
        clock = start(pair, [(OPEN[0], OPEN[1] | {"files": leaked}), FINISH], tools=TOOLS)
        drive_checked(pair, clock, lab.code.pipelines_done)  # the owner would approve: never asked (0138)
        events = pair.step.store.list_events(pair.tenant, "r1")
        asked = [e for e in events if isinstance(e, HumanRequested)]
        assert asked and not [e for e in asked if e.purpose == "approval"]  # the change is never listed
        assert all(AWS_KEY not in e.prompt for e in asked)  # told kind and place, never the value
        errors = [e.message for e in events if isinstance(e, ErrorRecorded)]
        stopped = "the secret scan stopped the push to demo/tasks before anyone was asked to approve it"
        assert errors and all(f"{stopped}, nothing was pushed" in m for m in errors)
        assert all("AWS Access Key in config.py line 1" in m and AWS_KEY not in m for m in errors)
        state = pair.state()  # the model was told at each try; three refusals in a row ask the owner
        assert state.status == RunStatus.WAITING_FOR_HUMAN and state.waiting is not None
        assert (
            state.waiting.purpose == "limit" and "AWS Access Key in config.py line 1" in state.waiting.prompt
        )
        assert list(lab.code.branches) == ["main"] and lab.code.merge_requests == {}
        assert lab.writes_by_api == 0


def _vercel(url: str) -> VercelDeployer:
    return VercelDeployer(url + "/vercel", 5.0)


def test_a_gitlab_run_asks_once_its_preview_is_ready_merges_once_and_rolls_back_production(
    firestore_emulator: Any, sandbox: tuple[str, Admin], admin: Admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(release, "HEALTH_PAUSE_S", 0.0)
    with gitlab_code_pair(firestore_emulator.client(), vercel=sandbox) as (pair, lab):
        before = seed_production(sandbox[0], VERCEL_PROJECT, PROJECT, PROJECT_ID)
        admin.builds(reads_to_ready=3)  # QUEUED, then BUILDING twice: the merge's ask waits for READY
        clock = start(pair, RELEASE, tools=RELEASE_TOOLS)
        asked = until_asked(pair, clock, lab, 6)  # the merge
        [preview] = results(pair, "deploy_vercel")
        [built] = [d for d in admin.deployments() if d["id"] == preview["id"]]
        assert built["readyState"] == "READY" and built["reads"] >= 3  # read until READY, then asked
        assert built["gitSource"] == {
            "type": "gitlab",
            "projectId": PROJECT_ID,
            "ref": run_branch(pair),
            "sha": lab.code.branches[run_branch(pair)],
        }
        assert built["meta"]["gitlabCommitSha"] == lab.code.branches[run_branch(pair)]
        assert f"its preview {preview['id']} is READY at {preview['url']}" in asked.prompt
        assert "smoke check: / answered 200" in asked.prompt and "tests success" in asked.prompt
        assert lab.code.merges == 0  # nothing merged before the owner answers

        admin.builds(reads_to_ready=1, healthy=False)  # what production gets next answers 500
        drive_checked(pair, clock, lab.code.pipelines_done)
        state = pair.state()
        assert state.status == RunStatus.ROLLED_BACK, state.last_error  # its own outcome
        [mr] = lab.code.merge_requests.values()
        [merged] = results(pair, "merge_pull_request")
        assert mr["state"] == "merged" and lab.code.merges == 1
        shipped = results(pair, "deploy_vercel")[1]
        [made] = [d for d in admin.deployments() if d["id"] == shipped["id"]]
        assert made["target"] == "production" and made["gitSource"]["sha"] == merged["merge_sha"]
        [health] = results(pair, "check_production")
        assert (health["healthy"], health["status"], health["rolled_back_to"]) == (False, 500, before)
        current = _vercel(sandbox[0]).production(VERCEL_TOKEN, VERCEL_PROJECT)
        assert current is not None and current.id == before
        assert len([r for r in admin.requests() if "/promote/" in r["path"]]) == 1

        # The merge and the health check retried, as a task whose answer was lost: found, not done again.
        merge_args = release.MergeArgs.model_validate(resolved_args(pair, 6))
        again = release.merge_pull_request(retry_context(pair, 6), merge_args)
        assert (again["merge_sha"], again["found"], lab.code.merges) == (merged["merge_sha"], True, 1)
        health_args = release.CheckProductionArgs.model_validate(resolved_args(pair, 9))
        repeat = release.check_production(retry_context(pair, 9), health_args)
        assert (repeat["rolled_back_to"], repeat["found"]) == (before, True)
        assert len([r for r in admin.requests() if "/promote/" in r["path"]]) == 1
