"""A run's ``update_issue`` taken back (decision 0224) against the Linear and GitLab sandboxes: the
tool records the fields it replaced in its output; the undo sets them again, once (a second delivery
finds them back: ``already``), and leaves a field a person changed since, as a conflict with both
values. A write that found the values already set records no guess. An issue a run made is
archived (Linear) or closed (GitLab); a Motion task's status set back. Under faults: undos killed after their write, delivered twice
and edited by a person meanwhile, with a RESULT line whose figures are asserted."""

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from local.gitlab_sandbox.app import PROJECT_PATH
from local.linear_sandbox.app import TEAM_ID
from local.motion_sandbox.app import WORKSPACE_ID
from shared.engine.planning.undo import Asking, ask_undo, undone
from shared.engine.services.run_log import RunLog
from shared.platform.config import Settings
from shared.runs.domain.events import PlannedStep, RunFinished, RunPlanned, RunStatus, ToolResult
from shared.sync.services.issue_writes import IssueWrites, Place
from shared.undo.domain.asking import Asker
from tests.integration.sync.conftest import GitLabStack, MotionStack, SyncStack
from tests.support.engine.engine_fakes import make_deps
from tests.support.engine.engine_runs import drive
from tests.support.undo.tracker_steps import gitlab_writes, linear_writes, motion_writes, undo, write
from tests.support.workspace.workspace_fakes import connected_tenants

pytestmark = pytest.mark.integration
OWNER = Asker(member="m-owner", person="", role="owner")


def _update(tenant_id: str, writes: IssueWrites, step: int, args: dict[str, Any]) -> dict[str, Any]:
    return write("update_issue", tenant_id, writes, step, args)


def test_a_linear_issue_s_title_and_state_are_set_back_unless_a_person_changed_them(stack: SyncStack) -> None:
    writes = linear_writes(stack)
    mine = stack.linear.add_issue("Draft the launch post", stateType="unstarted")
    theirs = stack.linear.add_issue("Book the venue", stateType="backlog")
    target = {"tool": "linear", "target": TEAM_ID}
    closed = _update(
        stack.tenant_id,
        writes,
        1,
        {**target, "issue_id": mine, "title": "Launch post", "status": "completed"},
    )
    todo, done = {"id": "state-unstarted", "name": "Todo"}, {"id": "state-completed", "name": "Done"}
    assert closed["inverse"]["before"] == {
        "status": "unstarted",
        "state": todo,
        "title": "Draft the launch post",
    }
    assert closed["inverse"]["written"] == {"status": "completed", "state": done, "title": "Launch post"}
    started = _update(stack.tenant_id, writes, 2, {**target, "issue_id": theirs, "status": "started"})
    stack.linear.edit(theirs, stateType="canceled")  # a person's later change

    assert undo(stack.tenant_id, writes, started, 2) == "conflict"
    assert undo(stack.tenant_id, writes, closed, 1) == "reverted"
    assert stack.linear.view(mine)["title"] == "Draft the launch post"
    assert stack.linear.view(mine)["state"]["type"] == "unstarted"
    assert stack.linear.view(theirs)["state"]["type"] == "canceled"  # the person's, never overwritten
    assert undo(stack.tenant_id, writes, closed, 1) == "already"  # delivered twice: nothing twice

    again = _update(stack.tenant_id, writes, 3, {**target, "issue_id": theirs, "status": "canceled"})
    assert again["inverse"]["action"] == "none"  # it held the value already: no guess of what it replaced


def test_a_gitlab_issue_closed_by_a_run_is_reopened_unless_a_person_reopened_it(lab: GitLabStack) -> None:
    writes = gitlab_writes(lab)
    target = {"tool": "gitlab", "target": PROJECT_PATH}
    made = writes.create(Place(lab.tenant_id, "gitlab", PROJECT_PATH), "Fix the footer", "", "r0:1:1")
    closed = _update(
        lab.tenant_id, writes, 1, {**target, "issue_id": made["issue_id"], "status": "completed"}
    )
    assert closed["inverse"]["before"] == {"status": "unstarted"}
    assert undo(lab.tenant_id, writes, closed, 1) == "reverted"
    assert lab.gitlab.view(int(made["issue_id"]))["state"] == "opened"
    assert undo(lab.tenant_id, writes, closed, 1) == "already"


def test_an_undo_run_sets_a_linear_issue_back_through_the_engine(stack: SyncStack) -> None:
    """The undo asked of a run that closed an issue: a run of its own, stepped by the engine with the
    tenant's trackers, that reopens it once; asked again, it starts nothing."""
    writes = linear_writes(stack)
    issue = stack.linear.add_issue("Renew the certificate", stateType="started")
    args = {"tool": "linear", "target": TEAM_ID, "issue_id": issue, "status": "completed"}
    closed = _update(stack.tenant_id, writes, 1, args)
    deps = make_deps()._replace(
        trackers=lambda: writes, tenants=connected_tenants(Settings(), stack.tenant_id)
    )
    at = datetime.now(UTC)
    planned = RunPlanned(
        seq=1, at=at, goal="Close it", trigger="api", steps=[PlannedStep(tool="update_issue", args=args)],
        tools=["update_issue"],
    )  # fmt: skip
    result = ToolResult(seq=2, at=at, step=1, tool="update_issue", args=args, output=closed)
    ended = RunFinished(seq=3, at=at, status=RunStatus.COMPLETED, summary="closed")
    assert RunLog(deps, stack.tenant_id, "api-closed").create([planned, result, ended])
    run = deps.store.get_run(stack.tenant_id, "api-closed")
    assert run is not None
    asked = ask_undo(deps, run, Asking(OWNER, None, True, lambda _p: True))
    drive(deps)
    made = deps.store.get_run(stack.tenant_id, asked["run_id"])
    assert made is not None
    assert made.state.status == RunStatus.COMPLETED, made.state.last_error
    assert [u["outcome"] for u in undone(deps, stack.tenant_id, asked["run_id"])] == ["reverted"]
    assert stack.linear.view(issue)["state"]["type"] == "started"
    assert ask_undo(deps, run, Asking(OWNER, None, True, lambda _p: True))["made"] is False


def _create(tenant_id: str, writes: IssueWrites, step: int, args: dict[str, Any]) -> dict[str, Any]:
    return write("create_issue", tenant_id, writes, step, args)


def test_an_issue_a_run_made_is_archived_or_closed_unless_a_person_changed_it(
    stack: SyncStack, lab: GitLabStack
) -> None:
    writes = linear_writes(stack)
    linear = {"tool": "linear", "target": TEAM_ID}
    made = _create(stack.tenant_id, writes, 1, {**linear, "title": "Try the new font"})
    kept = _create(stack.tenant_id, writes, 2, {**linear, "title": "Order the banners"})
    assert made["inverse"]["action"] == "archive_issue"
    stack.linear.edit(kept["issue_id"], title="Order the banners (two)")  # a person's since
    assert undo(stack.tenant_id, writes, kept, 2) == "conflict"
    assert undo(stack.tenant_id, writes, made, 1) == "reverted"
    assert undo(stack.tenant_id, writes, made, 1) == "already"
    assert stack.linear.view(made["issue_id"])["archivedAt"] is not None
    assert stack.linear.view(kept["issue_id"])["archivedAt"] is None  # the person's, left

    hub = gitlab_writes(lab)
    opened = _create(
        lab.tenant_id, hub, 1, {"tool": "gitlab", "target": PROJECT_PATH, "title": "Fix the logo"}
    )
    assert undo(lab.tenant_id, hub, opened, 1) == "reverted"
    assert lab.gitlab.view(int(opened["issue_id"]))["state"] == "closed"
    assert undo(lab.tenant_id, hub, opened, 1) == "already"


class KilledWrites:
    """``IssueWrites`` whose update is counted per issue and, for the issues in ``kill``, lands and
    then kills the step once (its result never recorded): the undo is delivered again."""

    def __init__(self, inner: IssueWrites, kill: set[str]) -> None:
        self.inner, self.kill, self.writes = inner, set(kill), Counter[str]()

    def read_fields(self, at: Place, issue_id: str) -> dict[str, Any] | None:
        return self.inner.read_fields(at, issue_id)

    def changes_since(self, at: Place, issue_id: str, since: str) -> Any:
        return self.inner.changes_since(at, issue_id, since)

    def update(
        self, at: Place, issue_id: str, changes: dict[str, Any], unchanged_since: str = ""
    ) -> dict[str, Any]:
        out = self.inner.update(at, issue_id, changes, unchanged_since=unchanged_since)
        self.writes[issue_id] += 1
        if issue_id in self.kill:
            self.kill.discard(issue_id)
            raise RuntimeError("killed between the write and its result")
        return out


def test_tracker_undos_killed_delivered_twice_and_edited_revert_nothing_twice(stack: SyncStack) -> None:
    """Runs that each made an issue and closed another; their undos, newest first: some killed after
    a write landed and delivered again, each delivered twice, and a person reopening a closed issue
    while its run's undo runs. Prints and asserts ``RESULT tracker_undos= effects_reverted=
    reverted_twice=0 people_changes_overwritten=0 conflicts_listed=``."""
    writes = linear_writes(stack)
    linear = {"tool": "linear", "target": TEAM_ID}
    runs = []
    for n in range(6):
        made = _create(stack.tenant_id, writes, 10 * n + 1, {**linear, "title": f"Made by run {n}"})
        issue = stack.linear.add_issue(f"Open item {n}", stateType="started")
        closed = _update(
            stack.tenant_id, writes, 10 * n + 2, {**linear, "issue_id": issue, "status": "completed"}
        )
        runs.append((made, closed, issue))
    killed = {issue for n, (_, _, issue) in enumerate(runs) if n % 3 == 0}
    faulty = KilledWrites(writes, killed)
    edited = {issue for n, (_, _, issue) in enumerate(runs) if n % 3 == 2}
    outcomes: list[tuple[str, str]] = []
    for made, closed, issue in runs:
        for effect in (closed, made):  # newest first
            key = str(effect["issue_id"])
            if key in edited and effect is closed:
                stack.linear.edit(issue, stateType="unstarted")  # a person, while the undo runs
            for _ in range(2):  # every undo step delivered twice
                try:
                    outcomes.append((key, undo(stack.tenant_id, faulty, effect, 1)))
                except RuntimeError:
                    continue
    reverted = Counter(k for k, o in outcomes if o == "reverted")
    reverted_twice = sum(n > 1 for n in reverted.values()) + sum(n > 1 for n in faulty.writes.values())
    overwritten = sum(stack.linear.view(i)["state"]["type"] != "unstarted" for i in edited)
    conflicts = {k for k, o in outcomes if o == "conflict"}
    back = {k for k, o in outcomes if o in ("reverted", "already")}
    print(
        f"RESULT tracker_undos={len(runs)} effects_reverted={len(back)} reverted_twice={reverted_twice} "
        f"people_changes_overwritten={overwritten} conflicts_listed={len(conflicts)}"
    )
    assert reverted_twice == 0 and overwritten == 0
    assert conflicts == edited
    assert len(back) == 2 * len(runs) - len(edited)
    assert all(stack.linear.view(i)["state"]["type"] == "started" for _, _, i in runs if i not in edited)
    assert all(stack.linear.view(str(m["issue_id"]))["archivedAt"] is not None for m, _, _ in runs)


def test_a_motion_task_s_status_is_set_back_unless_a_person_changed_it(mo: MotionStack) -> None:
    writes, tasks = motion_writes(mo)
    mine, theirs = mo.motion.add_task("Plan the offsite"), mo.motion.add_task("Print the badges")
    place = {"tool": "motion", "target": WORKSPACE_ID}

    def update(task: str, step: int) -> dict[str, Any]:
        return write(
            "update_task", mo.tenant_id, writes, step, {**place, "task_id": task, "status": "completed"}
        )

    done, also = update(mine, 1), update(theirs, 2)
    assert done["inverse"]["before"] == {"status": "unstarted", "state": "Todo"}
    mo.motion.edit(theirs, status="In Progress")  # a person's since
    assert undo(mo.tenant_id, writes, also, 2) == "conflict"
    assert undo(mo.tenant_id, writes, done, 1) == "reverted"
    assert undo(mo.tenant_id, writes, done, 1) == "already"
    assert tasks.read_fields(Place(mo.tenant_id, "motion", WORKSPACE_ID), mine)["status"] == "unstarted"  # type: ignore[index]  # found
    assert tasks.read_fields(Place(mo.tenant_id, "motion", WORKSPACE_ID), theirs)["status"] == "started"  # type: ignore[index]  # found
