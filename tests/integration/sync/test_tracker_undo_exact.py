"""A tracker issue taken back exactly. Its status (decision 0183): the very workflow state (Linear) or
status (Motion) the run replaced; GitLab's opened or closed. A person's change landing while the undo
writes (decisions 0185, 0197): between the check and the write, found by a re-read (kept: Motion, a
GitLab title) or in Linear's history after the write (set again); after the write, it stands. A run's
comment (Linear) or note (GitLab) deleted, a Motion task it made deleted, unless a person edited or
replied to it since. An issue an undo archived (closed) is brought back by undoing that undo."""

import pytest

from local.gitlab_sandbox.app import PROJECT_PATH
from local.linear_sandbox.app import TEAM_ID
from local.motion_sandbox.app import WORKSPACE_ID
from shared.sync.services.issue_writes import Place
from tests.integration.sync.conftest import GitLabStack, MotionStack, SyncStack
from tests.support.undo.tracker_steps import (
    PersonMeanwhile,
    gitlab_writes,
    linear_writes,
    motion_writes,
    taken,
    undo,
    undone,
    write,
)

pytestmark = pytest.mark.integration
CANCELED = {"id": "state-canceled", "name": "Canceled"}
LINEAR = {"tool": "linear", "target": TEAM_ID}
MOTION = {"tool": "motion", "target": WORKSPACE_ID}
GITLAB = {"tool": "gitlab", "target": PROJECT_PATH}


def test_a_linear_issue_goes_back_to_the_very_state_the_run_replaced(stack: SyncStack) -> None:
    writes = linear_writes(stack)
    reviewed = stack.linear.add_issue("Check the copy", stateId="state-review")  # started, not the first
    moved = stack.linear.add_issue("Check the links", stateId="state-review")
    done = write(
        "update_issue", stack.tenant_id, writes, 1, {**LINEAR, "issue_id": reviewed, "status": "completed"}
    )
    also = write(
        "update_issue", stack.tenant_id, writes, 2, {**LINEAR, "issue_id": moved, "status": "completed"}
    )
    assert done["inverse"]["before"]["state"] == {"id": "state-review", "name": "In Review"}
    stack.linear.edit(moved, stateId="state-started")  # a person: In Progress, the same group as before

    assert undo(stack.tenant_id, writes, done, 1) == "reverted"
    assert stack.linear.view(reviewed)["state"]["name"] == "In Review"  # not In Progress, its group's first
    assert undo(stack.tenant_id, writes, done, 1) == "already"
    assert undo(stack.tenant_id, writes, also, 2) == "conflict"
    assert stack.linear.view(moved)["state"]["name"] == "In Progress"  # the person's, left


def test_a_motion_task_goes_back_to_the_very_status_the_run_replaced(mo: MotionStack) -> None:
    writes, tasks = motion_writes(mo)
    task = mo.motion.add_task("Plan the offsite")
    mo.motion.edit(task, status="Canceled")  # resolved, as Completed is: the group's second
    started = write("update_task", mo.tenant_id, writes, 1, {**MOTION, "task_id": task, "status": "started"})
    assert started["inverse"]["before"] == {"status": "completed", "state": "Canceled"}
    assert undo(mo.tenant_id, writes, started, 1) == "reverted"
    assert tasks.read_fields(Place(mo.tenant_id, "motion", WORKSPACE_ID), task)["state"] == "Canceled"  # type: ignore[index]  # found


def test_a_gitlab_issue_goes_back_to_opened_or_closed_as_it_was(lab: GitLabStack) -> None:
    writes = gitlab_writes(lab)
    shut = lab.gitlab.add_issue("Old bug", state="closed")
    target = {"tool": "gitlab", "target": PROJECT_PATH, "issue_id": str(shut)}
    reopened = write("update_issue", lab.tenant_id, writes, 1, {**target, "status": "started"})
    assert reopened["inverse"]["before"] == {"status": "completed"}
    assert lab.gitlab.view(shut)["state"] == "opened"
    assert undo(lab.tenant_id, writes, reopened, 1) == "reverted"
    assert lab.gitlab.view(shut)["state"] == "closed"


def test_a_linear_person_s_change_between_the_check_and_the_write_is_set_again(stack: SyncStack) -> None:
    issue = stack.linear.add_issue("Check the copy", stateId="state-review")
    armed: list[bool] = []

    def canceled() -> None:  # a person, once the undo's last read is done: only the history tells
        if armed:
            armed.clear()
            stack.linear.edit(issue, stateId="state-canceled")

    writes = linear_writes(stack, canceled)
    target = {**LINEAR, "issue_id": issue}
    done = write(
        "update_issue", stack.tenant_id, writes, 1, {**target, "status": "completed", "title": "Copy"}
    )
    armed.append(True)
    person = PersonMeanwhile(writes, issue)

    found = taken(stack.tenant_id, person, done, 1)
    assert found.outcome == "conflict", found
    assert found.current["state"] == CANCELED and found.written["state"]["name"] == "Done"
    assert "while the undo wrote" in found.reason
    assert stack.linear.view(issue)["state"]["name"] == "Canceled"  # the person's, set again
    assert stack.linear.view(issue)["title"] == "Check the copy"  # the field no one else touched: back
    assert person.updates[1] == {"state": CANCELED, "status": "canceled"}  # theirs only, nothing else
    assert undo(stack.tenant_id, writes, done, 1) == "conflict"  # delivered again: left as it is
    assert stack.linear.view(issue)["state"]["name"] == "Canceled"


def test_a_linear_person_who_set_the_run_s_value_again_is_told_apart(stack: SyncStack) -> None:
    writes = linear_writes(stack)
    issue = stack.linear.add_issue("Check the fonts", stateId="state-review")
    done = write(
        "update_issue", stack.tenant_id, writes, 1, {**LINEAR, "issue_id": issue, "status": "completed"}
    )
    stack.linear.edit(issue, stateId="state-canceled")  # a person, since the run
    stack.linear.edit(issue, stateId="state-completed")  # and back to Done, the run's value
    found = taken(stack.tenant_id, writes, done, 1)
    assert (found.outcome, "set the run's value again" in found.reason) == ("conflict", True)
    assert stack.linear.view(issue)["state"]["name"] == "Done"  # the person's, left


def test_a_linear_person_s_change_after_the_write_stands(stack: SyncStack) -> None:
    writes = linear_writes(stack)
    issue = stack.linear.add_issue("Check the links", stateId="state-review")
    done = write(
        "update_issue", stack.tenant_id, writes, 1, {**LINEAR, "issue_id": issue, "status": "completed"}
    )
    person = PersonMeanwhile(writes, issue, after=lambda: stack.linear.edit(issue, stateId="state-canceled"))
    assert undo(stack.tenant_id, person, done, 1) == "reverted"
    assert len(person.updates) == 1  # the undo's own write only
    assert stack.linear.view(issue)["state"]["name"] == "Canceled"


def test_a_gitlab_person_s_close_after_the_undo_s_reopen_stands(lab: GitLabStack) -> None:
    writes = gitlab_writes(lab)
    iid = lab.gitlab.add_issue("Fix the footer")
    target = {"tool": "gitlab", "target": PROJECT_PATH, "issue_id": str(iid)}
    closed = write("update_issue", lab.tenant_id, writes, 1, {**target, "status": "completed"})
    person = PersonMeanwhile(writes, str(iid), after=lambda: lab.gitlab.edit(iid, state="closed"))
    assert undo(lab.tenant_id, person, closed, 1) == "reverted"
    assert len(person.updates) == 1
    assert lab.gitlab.view(iid)["state"] == "closed"  # the person's, after the undo's reopen


def test_a_motion_person_s_change_before_the_check_or_after_the_write_stands(mo: MotionStack) -> None:
    writes, tasks = motion_writes(mo)
    early, late = mo.motion.add_task("Plan the offsite"), mo.motion.add_task("Print the badges")
    first = write("update_task", mo.tenant_id, writes, 1, {**MOTION, "task_id": early, "status": "completed"})
    second = write("update_task", mo.tenant_id, writes, 2, {**MOTION, "task_id": late, "status": "completed"})
    mo.motion.edit(early, status="In Progress")  # a person, as the undo starts
    assert undo(mo.tenant_id, writes, first, 1) == "conflict"
    person = PersonMeanwhile(writes, late, after=lambda: mo.motion.edit(late, status="In Progress"))
    assert undo(mo.tenant_id, person, second, 2) == "reverted"
    at = Place(mo.tenant_id, "motion", WORKSPACE_ID)
    assert tasks.read_fields(at, early)["state"] == "In Progress"  # type: ignore[index]  # found
    assert tasks.read_fields(at, late)["state"] == "In Progress"  # type: ignore[index]  # found


def test_a_run_s_comment_on_a_linear_issue_is_deleted_unless_edited_or_replied_to(stack: SyncStack) -> None:
    writes = linear_writes(stack)
    issue = stack.linear.add_issue("Renew the certificate")
    said = [
        write(
            "comment_on_issue", stack.tenant_id, writes, n, {**LINEAR, "issue_id": issue, "body": f"Note {n}"}
        )
        for n in (1, 2, 3)
    ]
    assert said[0]["inverse"]["action"] == "delete_issue_comment"
    assert said[0]["inverse"]["written"] == {"text": "Note 1"}
    stack.linear.reply(said[1]["comment_id"], "Thanks, on it")  # a person's reply in its thread
    stack.linear.edit_comment(said[2]["comment_id"], "Note 3, corrected")  # a person's edit

    assert undo(stack.tenant_id, writes, said[0], 1) == "reverted"
    assert said[0]["comment_id"] not in stack.linear.comments
    assert undo(stack.tenant_id, writes, said[0], 1) == "already"  # delivered twice: nothing twice
    replied = taken(stack.tenant_id, writes, said[1], 2)
    assert replied.outcome == "conflict" and "replied" in replied.reason
    edited = taken(stack.tenant_id, writes, said[2], 3)
    assert (edited.outcome, edited.current) == ("conflict", {"text": "Note 3, corrected"})
    assert said[1]["comment_id"] in stack.linear.comments and said[2]["comment_id"] in stack.linear.comments


def test_a_run_s_note_on_a_gitlab_issue_is_deleted_unless_edited(lab: GitLabStack) -> None:
    writes = gitlab_writes(lab)
    iid = lab.gitlab.add_issue("Fix the footer")
    target = {"tool": "gitlab", "target": PROJECT_PATH, "issue_id": str(iid)}
    mine = write(
        "comment_on_issue", lab.tenant_id, writes, 1, {**target, "body": "Fixed in the next release"}
    )
    theirs = write("comment_on_issue", lab.tenant_id, writes, 2, {**target, "body": "Needs a test"})
    lab.gitlab.edit_note(iid, int(theirs["comment_id"]), "Needs a test (added)")  # a person's edit
    assert undo(lab.tenant_id, writes, mine, 1) == "reverted"
    assert undo(lab.tenant_id, writes, mine, 1) == "already"
    assert undo(lab.tenant_id, writes, theirs, 2) == "conflict"
    assert [int(n["id"]) for n in lab.gitlab.notes[iid]] == [int(theirs["comment_id"])]


def test_a_motion_task_a_run_made_is_deleted_once_unless_edited_or_commented(mo: MotionStack) -> None:
    writes, _ = motion_writes(mo)
    made = [
        write("create_task", mo.tenant_id, writes, n, {**MOTION, "title": f"Book room {n}"})
        for n in (1, 2, 3)
    ]
    assert made[0]["inverse"]["action"] == "delete_task"
    assert made[0]["inverse"]["written"]["title"] == "Book room 1"
    mo.motion.edit(made[1]["task_id"], priority="HIGH")  # a person's edit of a field the run never set
    mo.motion.comment(made[2]["task_id"], "I'll take this one")  # a person's comment

    outcome, back = undone(mo.tenant_id, writes, made[0], 1)
    assert outcome == "reverted" and made[0]["task_id"] not in mo.motion.tasks
    assert undo(mo.tenant_id, writes, made[0], 1) == "already"  # delivered twice: nothing twice
    assert back["inverse"]["action"] == "none" and "deleted Motion task" in back["inverse"]["reason"]
    edited = taken(mo.tenant_id, writes, made[1], 2)
    assert (edited.outcome, "edited the task" in edited.reason) == ("conflict", True)
    commented = taken(mo.tenant_id, writes, made[2], 3)
    assert (commented.outcome, commented.current.get("comments")) == ("conflict", 1)
    assert made[1]["task_id"] in mo.motion.tasks and made[2]["task_id"] in mo.motion.tasks


def test_a_run_s_own_signed_comment_does_not_keep_its_task(mo: MotionStack) -> None:
    writes, _ = motion_writes(mo)
    made = write("create_task", mo.tenant_id, writes, 1, {**MOTION, "title": "Order badges"})
    args = {**MOTION, "task_id": made["task_id"], "body": "Ordered"}
    write("comment_on_task", mo.tenant_id, writes, 2, args)
    assert undo(mo.tenant_id, writes, made, 1) == "reverted"
    assert made["task_id"] not in mo.motion.tasks


def test_an_undone_linear_archive_is_undone_again_unless_a_person_renamed_it(stack: SyncStack) -> None:
    writes = linear_writes(stack)
    kept = write("create_issue", stack.tenant_id, writes, 1, {**LINEAR, "title": "Keep this one"})
    renamed = write("create_issue", stack.tenant_id, writes, 2, {**LINEAR, "title": "Rename this one"})
    outcome, back = undone(stack.tenant_id, writes, kept, 1)
    again, back_too = undone(stack.tenant_id, writes, renamed, 2)
    assert (outcome, again) == ("reverted", "reverted")
    assert stack.linear.view(kept["issue_id"])["archivedAt"] is not None
    assert back["inverse"]["action"] == "unarchive_issue"

    stack.linear.edit(renamed["issue_id"], title="Renamed by a person")  # since the undo archived it
    redone, twice = undone(stack.tenant_id, writes, back, 3)
    assert redone == "reverted" and stack.linear.view(kept["issue_id"])["archivedAt"] is None
    assert undo(stack.tenant_id, writes, back, 3) == "already"  # delivered twice: nothing twice
    assert twice["inverse"]["action"] == "archive_issue"  # and a redo undone archives it again
    assert undo(stack.tenant_id, writes, twice, 4) == "reverted"
    assert stack.linear.view(kept["issue_id"])["archivedAt"] is not None
    assert undo(stack.tenant_id, writes, back_too, 5) == "conflict"
    assert stack.linear.view(renamed["issue_id"])["archivedAt"] is not None  # left as it is


def test_an_undone_gitlab_close_is_undone_again_to_its_opened_state(lab: GitLabStack) -> None:
    writes = gitlab_writes(lab)
    made = write("create_issue", lab.tenant_id, writes, 1, {**GITLAB, "title": "Made by a run"})
    iid = int(made["issue_id"])
    outcome, back = undone(lab.tenant_id, writes, made, 1)
    assert outcome == "reverted" and lab.gitlab.view(iid)["state"] == "closed"
    assert undo(lab.tenant_id, writes, back, 2) == "reverted"
    assert lab.gitlab.view(iid)["state"] == "opened"
    assert undo(lab.tenant_id, writes, back, 2) == "already"


def test_a_motion_person_s_change_between_the_check_and_the_write_stands(mo: MotionStack) -> None:
    writes, _ = motion_writes(mo)
    task = mo.motion.add_task("Plan the offsite")
    done = write("update_task", mo.tenant_id, writes, 1, {**MOTION, "task_id": task, "status": "completed"})
    person = PersonMeanwhile(writes, task, before=lambda: mo.motion.edit(task, status="Canceled"))
    found = taken(mo.tenant_id, person, done, 1)
    assert (found.outcome, "while the undo checked" in found.reason) == ("conflict", True)
    assert found.current["state"] == "Canceled" and not person.updates  # nothing written
    assert mo.motion.tasks[task]["status"]["name"] == "Canceled"  # the person's, kept


def test_a_gitlab_title_a_person_changes_between_the_check_and_the_write_stands(lab: GitLabStack) -> None:
    writes = gitlab_writes(lab)
    iid = lab.gitlab.add_issue("Fix the footer")
    args = {**GITLAB, "issue_id": str(iid), "title": "Footer fixed"}
    done = write("update_issue", lab.tenant_id, writes, 1, args)
    person = PersonMeanwhile(writes, str(iid), before=lambda: lab.gitlab.edit(iid, title="Footer (mine)"))
    found = taken(lab.tenant_id, person, done, 1)
    assert (found.outcome, found.current.get("title")) == ("conflict", "Footer (mine)")
    assert lab.gitlab.view(iid)["title"] == "Footer (mine)"  # the person's, kept
