"""Checks before a pull request is ready, through the engine against the code sandbox: the change
is pushed to a branch as a draft pull request; the run waits for the repository's own checks (which
really run the pushed tree), a scheduled retry at a time, no instance held; a failure's compact
output goes to the model, whose fix is pushed to the same branch; the pull request is marked ready
only once the checks pass, else it stays a draft naming the failing checks; at most the policy's
``fix_attempts`` fixes."""

import json
import sys
from typing import Any

import pytest

from local.code_sandbox.testing import Admin
from shared.platform.topology import Queue
from shared.runs.domain.events import ErrorRecorded, RunStatus
from shared.tools.base import idempotency_key
from shared.tools.code.pull_request import branch_for
from shared.workspace.domain.code_policy import CodePolicy
from shared.workspace.domain.settings import TenantSettings
from tests.support.code.code_checks import AWAIT, OPEN, failed_then_passed, results, start, steps, version
from tests.support.engine.deploy_steps import Pair, admin, sandbox
from tests.support.platform.platform_fakes import FakeModel

pytestmark = pytest.mark.integration

__all__ = ["admin", "sandbox"]  # fixtures the tests here ask for

# The repository's own test: VERSION must say 2.
CHECK = [
    sys.executable,
    "-c",
    "import sys; v = open('VERSION').read(); print('VERSION is', v); sys.exit(v != '2\\n')",
]
# A later phase names the branch as the run's outputs show it (its references are its own steps').
OPENED = branch_for(idempotency_key("t1", "r1", 1))


NEXT = ("plan_next", {"reason": "fix the failing checks, if any"})


AWAIT_AGAIN = ("await_checks", {"repository": "acme/site", "branch": OPENED})


def fix(text: str) -> tuple[str, dict[str, Any]]:
    return (
        "push_fix",
        {"repository": "acme/site", "branch": OPENED, "message": "Fix VERSION", "files": version(text)},
    )


def run_to_end(pair: Pair, admin: Admin) -> None:
    """Deliver tasks one at a time, letting the sandbox's checks finish after each (the fake queue
    delivers a scheduled retry at once, and the engine defers a delivery before its retry_at)."""
    for _ in range(80):
        pair.drive(limit=1)
        if pair.state().status.terminal or not pair.queue.tasks:
            return
        admin.checks_done("acme/site")


def test_failing_checks_go_back_to_the_model_its_fix_passes_and_only_then_the_pr_is_ready(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.set_checks("acme/site", [{"name": "tests", "command": CHECK, "timeout_s": 20}])
    model = FakeModel({"PlanOut": [steps(fix("2\n"), AWAIT_AGAIN, ("finish", {"summary": "ok"}))]})
    pair = Pair(sandbox[0], model)
    start(pair, steps(OPEN, AWAIT, NEXT))
    run_to_end(pair, admin)
    failed_then_passed(pair)
    assert any("VERSION is 1" in p for _, p in model.prompts)  # the failure's output went to the model

    branch = branch_for(idempotency_key("t1", "r1", 1))
    [pr] = admin.repo("acme/site")["pulls"]  # one branch, one pull request
    assert pr["head"] == branch and pr["draft"] is False
    assert admin.files("acme/site", branch)["VERSION"] == "2\n"
    assert len(admin.commits("acme/site", branch)) == 3  # the initial commit, the change, its fix
    waits = [e for e in pair.step.store.list_events("t1", "r1") if isinstance(e, ErrorRecorded)]
    assert all(e.retry_at is not None for e in waits if "still running" in e.message)  # scheduled, not held
    assert (Queue.DEPLOY, 2) in pair.taken


def test_checks_that_keep_failing_leave_a_draft_naming_them_after_the_policys_fixes(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.set_checks("acme/site", [{"name": "tests", "command": CHECK, "timeout_s": 20}])
    phases = [steps(fix(f"{n}\n"), AWAIT_AGAIN, NEXT) for n in (3, 4, 5)]
    model = FakeModel({"PlanOut": list[Any](phases)})
    policy = CodePolicy(fix_attempts=1)
    allowed = TenantSettings(github_repositories=["acme/site"], code_policies={"acme/site": policy})
    pair = Pair(sandbox[0], model, allowed=allowed)
    start(pair, steps(OPEN, AWAIT, NEXT))
    run_to_end(pair, admin)
    state = pair.state()
    assert state.status == RunStatus.FAILED
    assert "still fail after 1 fixes, the most this repository's policy allows" in state.summary
    [pr] = admin.repo("acme/site")["pulls"]
    assert pr["draft"] is True
    assert "Checks failing (failed): tests. The pull request stays a draft." in pr["body"]
    assert [r["fixes_left"] for r in results(pair, "await_checks")] == [1, 0]


def test_a_run_cannot_wait_on_or_push_to_a_branch_it_did_not_open(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    other = {"repository": "acme/site", "branch": "main"}
    repaired = {"args_json": json.dumps(other)}
    model = FakeModel({"PlanOut": [steps(("await_checks", other))], "ArgsFix": [repaired] * 5})
    pair = Pair(sandbox[0], model)
    start(pair, steps(("await_checks", other)))
    pair.drive()
    assert any("branch 'main' is not one this run opened" in p for _, p in model.prompts)
    assert admin.repo("acme/site")["pulls"] == []
