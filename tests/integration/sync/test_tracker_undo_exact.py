"""A tracker issue's status taken back exactly (decision 0183): the very workflow state (Linear) or
status (Motion) the run replaced, not the first of its group; GitLab's opened or closed. A person
moving the issue to another state of the same group since is a conflict, left as it is."""

from typing import Any

import pytest

from local.gitlab_sandbox.app import PROJECT_PATH, TOKEN
from local.linear_sandbox.app import KEY, TEAM_ID
from local.motion_sandbox.app import KEY as MOTION_KEY
from local.motion_sandbox.app import WORKSPACE_ID
from shared.sync.services.connect import connect_gitlab, connect_linear
from shared.sync.services.issue_writes import IssueWrites, Place
from shared.sync.services.motion import connect_motion
from shared.sync.services.task_writes import TaskWrites
from tests.integration.sync.conftest import GitLabStack, MotionStack, SyncStack
from tests.support.sync.sync_fakes import FakeGitLab, FakeLinear, FakeSyncStore
from tests.support.undo.tracker_steps import undo, write

pytestmark = pytest.mark.integration


def test_a_linear_issue_goes_back_to_the_very_state_the_run_replaced(stack: SyncStack) -> None:
    connect_linear(stack.tenant_id, {"api_key": KEY, "team_id": TEAM_ID}, stack.linking)
    writes = IssueWrites(stack.secrets, stack.store, stack.mirroring.api, FakeSyncStore(), FakeGitLab())  # type: ignore[arg-type]  # no GitLab here
    reviewed = stack.linear.add_issue("Check the copy", stateId="state-review")  # started, not the first
    moved = stack.linear.add_issue("Check the links", stateId="state-review")
    target = {"tool": "linear", "target": TEAM_ID}
    done = write(
        "update_issue", stack.tenant_id, writes, 1, {**target, "issue_id": reviewed, "status": "completed"}
    )
    also = write(
        "update_issue", stack.tenant_id, writes, 2, {**target, "issue_id": moved, "status": "completed"}
    )
    assert done["inverse"]["before"]["state"] == {"id": "state-review", "name": "In Review"}
    stack.linear.edit(moved, stateId="state-started")  # a person: In Progress, the same group as before

    assert undo(stack.tenant_id, writes, done, 1) == "reverted"
    assert stack.linear.view(reviewed)["state"]["name"] == "In Review"  # not In Progress, its group's first
    assert undo(stack.tenant_id, writes, done, 1) == "already"
    assert undo(stack.tenant_id, writes, also, 2) == "conflict"
    assert stack.linear.view(moved)["state"]["name"] == "In Progress"  # the person's, left


def test_a_motion_task_goes_back_to_the_very_status_the_run_replaced(mo: MotionStack) -> None:
    connect_motion(mo.tenant_id, {"api_key": MOTION_KEY, "workspace_id": WORKSPACE_ID}, mo.linking)
    tasks = TaskWrites(mo.secrets, mo.store, mo.api)
    no_lab: Any = (FakeSyncStore(), FakeGitLab())  # Motion only: GitLab's parts unused
    writes = IssueWrites(mo.secrets, FakeSyncStore(), FakeLinear(), *no_lab, motion=tasks)
    task = mo.motion.add_task("Plan the offsite")
    mo.motion.edit(task, status="Canceled")  # resolved, as Completed is: the group's second
    place = {"tool": "motion", "target": WORKSPACE_ID}
    started = write("update_task", mo.tenant_id, writes, 1, {**place, "task_id": task, "status": "started"})
    assert started["inverse"]["before"] == {"status": "completed", "state": "Canceled"}
    assert undo(mo.tenant_id, writes, started, 1) == "reverted"
    assert tasks.read_fields(Place(mo.tenant_id, "motion", WORKSPACE_ID), task)["state"] == "Canceled"  # type: ignore[index]  # found


def test_a_gitlab_issue_goes_back_to_opened_or_closed_as_it_was(lab: GitLabStack) -> None:
    connect_gitlab(
        lab.tenant_id, {"access_token": TOKEN, "project": PROJECT_PATH, "base_url": lab.url}, lab.linking
    )
    writes = IssueWrites(lab.secrets, FakeSyncStore(), FakeLinear(), lab.store, lab.api)
    target = {"tool": "gitlab", "target": PROJECT_PATH}
    shut = lab.gitlab.add_issue("Old bug", state="closed")
    reopened = write(
        "update_issue", lab.tenant_id, writes, 1, {**target, "issue_id": str(shut), "status": "started"}
    )
    assert reopened["inverse"]["before"] == {"status": "completed"}
    assert lab.gitlab.view(shut)["state"] == "opened"
    assert undo(lab.tenant_id, writes, reopened, 1) == "reverted"
    assert lab.gitlab.view(shut)["state"] == "closed"
