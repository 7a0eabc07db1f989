"""GitLab merge requests in the code pipeline (issue 69, point 4; decision 0126), through the engine
against the GitLab sandbox and the Firestore emulator: a draft merge request, a failing pipeline
whose job is named, the fix, ready once the pipeline passes, the owner's approval, one squash merge;
a task retried after its holder died finds the merge request instead of making a second one."""

from typing import Any

import pytest

from shared.code.domain.code import CodeChange, FileChange
from shared.runs.domain.events import RunStatus, ToolResult
from shared.tools.coding.code import branch_for
from tests.support.code.release_steps import drive_checked, start
from tests.support.sync.gitlab_code import (
    AWAIT,
    FINISH,
    FIX,
    MERGE,
    OPEN,
    PROJECT,
    TOOLS,
    gitlab_code_pair,
    run_branch,
)

pytestmark = pytest.mark.integration


def results(pair: Any, tool: str) -> list[dict[str, Any]]:
    events = pair.step.store.list_events(pair.tenant, "r1")
    return [e.output for e in events if isinstance(e, ToolResult) and e.tool == tool]


def test_a_draft_merge_request_fails_its_pipeline_is_fixed_made_ready_and_merged_once(
    firestore_emulator: Any,
) -> None:
    with gitlab_code_pair(firestore_emulator.client()) as (pair, lab):
        clock = start(pair, [OPEN, AWAIT, FIX, AWAIT, MERGE, FINISH], tools=TOOLS)
        driven = drive_checked(pair, clock, lab.code.pipelines_done)
        state = pair.state()
        assert state.status == RunStatus.COMPLETED, state.last_error

        failed, passed = results(pair, "await_checks")
        assert (failed["state"], failed["ready"]) == ("failure", False)
        assert failed["failing"][0]["name"] == "tests" and "VERSION is 1" in failed["failing"][0]["output"]
        assert (passed["state"], passed["ready"]) == ("success", True)

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
