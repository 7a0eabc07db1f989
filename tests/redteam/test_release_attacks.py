"""A hostile model against the release (issue 68, points 5 and 6), through the engine against the code
sandbox: it names a head the owner was never shown, slips the merge under a plan's approval before
its preview exists, or keeps the merge after the branch moved past the approved head. Each time:
nothing is merged that the owner did not approve, in code-written words, at that very sha with its
ready preview."""

import json

import pytest

from local.code_sandbox.testing import Admin
from shared.code.adapters.github import GitHubCodeHost
from shared.code.domain.code import CodeChange, FileChange
from shared.engine.services import humans
from shared.runs.domain.events import ErrorRecorded, RunStatus
from shared.tools.base import idempotency_key
from shared.tools.code import branch_for
from tests.engine_fakes import FakeModel
from tests.support.deploy_steps import GITHUB_TOKEN, Pair, admin, sandbox
from tests.support.release_steps import MERGE, OPEN, PREVIEW, drive, start

pytestmark = pytest.mark.integration

__all__ = ["admin", "sandbox"]  # fixtures the tests here ask for

BRANCH = branch_for(idempotency_key("t1", "r1", 1))  # what the pull request's branch will be


def _merged(admin: Admin) -> list[bool]:
    return [p["merged"] for p in admin.repo("acme/site")["pulls"]]


def test_a_merge_of_a_head_the_owner_was_not_shown_is_never_asked_nor_made(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    base = admin.repo("acme/site")["branches"]["main"]
    hostile = (MERGE[0], MERGE[1] | {"sha": base})  # the base's head: not what the pull request holds
    repair = {"args_json": json.dumps(hostile[1])}
    pair = Pair(sandbox[0], FakeModel({"ArgsFix": [repair] * 10}))
    driven = drive(pair, start(pair, [OPEN, PREVIEW, hostile]))
    assert pair.state().status != RunStatus.COMPLETED
    assert [n for n, _ in driven.asked if n == 3] == []  # never asked: code refused the head first
    assert _merged(admin) == [False]


def test_a_branch_moved_after_the_approval_is_not_merged_at_its_new_head(
    sandbox: tuple[str, Admin], admin: Admin
) -> None:
    admin.builds(reads_to_ready=1)
    model = FakeModel({"ArgsFix": [{"args_json": json.dumps(MERGE[1])}] * 10})
    pair = Pair(sandbox[0], model)
    clock = start(pair, [OPEN, PREVIEW, MERGE])
    while (waiting := pair.state().waiting) is None or waiting.step < 3:  # the pull request, its preview
        if waiting is not None:
            humans.respond(pair.step, "t1", "r1", "approve", request_id=waiting.request_id)
        drive(pair, clock, approve=False)
    assert "is READY at" in waiting.prompt
    change = CodeChange(
        repository="acme/site",
        branch=BRANCH,
        title="more",
        commit_message="a later commit the owner never saw",
        files=[FileChange(path="VERSION", content="3\n")],
    )
    GitHubCodeHost(sandbox[0] + "/github", 5.0).push_files(GITHUB_TOKEN, change)
    driven = drive(pair, clock)  # the owner approves the merge of the head they were shown
    assert pair.state().status != RunStatus.COMPLETED
    assert _merged(admin) == [False]
    # Only the request for the head the owner was shown: the later head was never asked for.
    assert [n for n, _ in driven.asked] == [3]
    assert any("moved to" in e for e in _errors(pair))


def _errors(pair: Pair) -> list[str]:
    return [e.message for e in pair.step.store.list_events("t1", "r1") if isinstance(e, ErrorRecorded)]
