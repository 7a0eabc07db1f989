"""The runs' Motion writes (decision 0122) against the Motion sandbox (its documented shapes, its rate limit
counted) and the Firestore emulator: a task created once after its step is retried (the retry finds it by
the signature's link, or by the visible line written before decision 0130), its title and status set, a
comment made once and found; only the connected workspace takes a write; every request documented and
paced under Motion's limit."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from local.motion_sandbox.app import INDIVIDUAL_KEY, KEY, PERSONAL_WORKSPACE_ID, WORKSPACE_ID
from shared.platform.errors import ModelFixableError
from shared.sync.domain.motion import old_reference
from shared.sync.services.issue_writes import IssueWrites, Place
from shared.sync.services.motion import connect_motion
from shared.sync.services.task_writes import TaskWrites
from shared.tools.base import idempotency_key
from tests.integration.sync.conftest import MotionStack
from tests.support.sync.sync_fakes import FakeGitLab, FakeLinear, FakeSyncStore

pytestmark = pytest.mark.integration


CONSOLE = "https://console.example"


def writes_of(mo: MotionStack) -> TaskWrites:
    return TaskWrites(mo.secrets, mo.store, mo.api, CONSOLE)


def signed_by(key: str) -> str:
    """The HTML Motion answers for the signature of ``key`` (of run r1): a link, the key only in it."""
    return f'<p><a href="{CONSOLE}/?ref={key.replace(":", "%3A")}#/runs/r1">Notion Agent</a></p>'


def test_a_task_exists_once_after_a_retried_step_is_updated_and_its_comment_lands(mo: MotionStack) -> None:
    connect_motion(mo.tenant_id, {"api_key": KEY, "workspace_id": WORKSPACE_ID}, mo.linking)
    writes, since = writes_of(mo), mo.clock[0] - timedelta(minutes=1)
    at, key = Place(mo.tenant_id, "motion", WORKSPACE_ID), idempotency_key(mo.tenant_id, "r1", 2)
    assert writes.find_created(at, key, since) is None
    made = writes.create(at, "Ship the release", "Notes **here**", key)
    assert writes.find_created(at, key, since) == made  # the answer was lost: the retry finds it
    other = idempotency_key(mo.tenant_id, "r1", 5)
    assert writes.find_created(at, other, since) is None  # another step's key finds none
    task = mo.motion.tasks[made["task_id"]]
    assert mo.motion.creates == 1 and task["name"] == "Ship the release"
    assert task["description"] == f"<p>Notes **here**</p>{signed_by(key)}"  # Markdown in, HTML out
    done = writes.update(at, made["task_id"], {"title": "Shipped", "status": "completed"})
    assert done["title"] == "Shipped" and mo.motion.tasks[made["task_id"]]["status"]["name"] == "Completed"
    comment_key = idempotency_key(mo.tenant_id, "r1", 3)
    assert writes.find_comment(at, made["task_id"], comment_key) is None
    said = writes.comment(at, made["task_id"], "Released to staging.", comment_key)
    assert writes.find_comment(at, made["task_id"], comment_key) == said
    assert [c["content"] for c in mo.motion.comments] == [
        f"<p>Released to staging.</p>{signed_by(comment_key)}"
    ]
    assert mo.motion.undocumented == [] and mo.motion.refused_for_rate == 0


def test_a_write_made_before_the_signature_was_a_link_is_found_not_repeated(mo: MotionStack) -> None:
    connect_motion(mo.tenant_id, {"api_key": KEY, "workspace_id": WORKSPACE_ID}, mo.linking)
    writes, since = writes_of(mo), mo.clock[0] - timedelta(minutes=1)
    at, key = Place(mo.tenant_id, "motion", WORKSPACE_ID), idempotency_key(mo.tenant_id, "r1", 2)
    old = {"name": "Ship", "workspaceId": WORKSPACE_ID, "description": f"Notes\n\n{old_reference(key)}"}
    status, task = mo.motion.answer("POST", "/tasks", {}, KEY, old)  # the old release's try
    assert status == 201 and writes.find_created(at, key, since) == {
        "tool": "motion", "target": WORKSPACE_ID, "task_id": task["id"], "title": "Ship",
    }  # fmt: skip
    said = {"taskId": task["id"], "content": f"Done.\n\n{old_reference(key)}"}
    status, comment = mo.motion.answer("POST", "/comments", {}, KEY, said)
    found = writes.find_comment(at, task["id"], key)
    assert status == 201 and found is not None and found["comment_id"] == comment["id"]
    assert writes.find_comment(at, task["id"], idempotency_key(mo.tenant_id, "r1", 3)) is None


def test_only_the_connected_workspace_takes_a_write_and_nothing_is_sent_elsewhere(mo: MotionStack) -> None:
    tools = IssueWrites(mo.secrets, FakeSyncStore(), FakeLinear(), FakeSyncStore(), FakeGitLab())  # type: ignore[arg-type]  # no GitLab here
    with pytest.raises(ModelFixableError, match="motion is not connected"):
        _ = tools.motion
    writes, key = writes_of(mo), idempotency_key(mo.tenant_id, "r1", 2)
    with pytest.raises(ModelFixableError, match="motion is not connected"):
        writes.create(Place(mo.tenant_id, "motion", WORKSPACE_ID), "t", "b", key)
    connect_motion(mo.tenant_id, {"api_key": KEY, "workspace_id": WORKSPACE_ID}, mo.linking)
    before, elsewhere = mo.motion.requests, Place(mo.tenant_id, "motion", PERSONAL_WORKSPACE_ID)
    calls: list[Callable[[], object]] = [
        lambda: writes.create(elsewhere, "t", "b", key),
        lambda: writes.update(elsewhere, "tk_x", {"title": "t"}),
        lambda: writes.comment(elsewhere, "tk_x", "b", key),
    ]
    for call in calls:
        with pytest.raises(ModelFixableError, match=f"use workspace {WORKSPACE_ID}"):
            call()
    assert mo.motion.requests == before and mo.motion.tasks == {}


def test_the_comment_endpoints_answer_in_motion_s_documented_shapes(mo: MotionStack) -> None:
    task_id = mo.motion.add_task("Plan")
    status, made = mo.motion.answer(
        "POST", "/comments", {}, KEY, {"taskId": task_id, "content": "Hi *there*"}
    )
    assert status == 201 and set(made) == {"id", "taskId", "content", "createdAt", "creator"}
    assert made["taskId"] == task_id and made["creator"]["id"] == "u-ada"
    status, listed = mo.motion.answer("GET", "/comments", {"taskId": task_id}, KEY, {})
    assert status == 200 and listed == {"comments": [made], "meta": {"pageSize": 1}}
    assert mo.motion.answer("POST", "/comments", {}, KEY, {"taskId": task_id, "content": " "})[0] == 400
    assert mo.motion.answer("POST", "/comments", {}, KEY, {"taskId": "tk_none", "content": "x"})[0] == 404
    assert (
        mo.motion.answer("GET", "/comments", {"taskId": task_id}, INDIVIDUAL_KEY, {})[0] == 404
    )  # not its workspace
    assert (
        mo.motion.answer("POST", "/comments", {}, KEY, {"taskId": task_id, "content": "x", "pin": True})[0]
        == 400
    )
    assert mo.motion.undocumented == ["POST /comments ['pin']"]


def test_writes_are_paced_under_an_individual_account_s_limit(mo: MotionStack) -> None:
    connect_motion(
        mo.tenant_id, {"api_key": INDIVIDUAL_KEY, "workspace_id": PERSONAL_WORKSPACE_ID}, mo.linking
    )
    writes, at = writes_of(mo), Place(mo.tenant_id, "motion", PERSONAL_WORKSPACE_ID)
    start = mo.pace()
    made = [writes.create(at, f"Task {n}", "", idempotency_key(mo.tenant_id, "r1", n)) for n in range(20)]
    for n, task in enumerate(made):
        writes.comment(at, task["task_id"], "done", idempotency_key(mo.tenant_id, "r2", n))
    assert mo.motion.refused_for_rate == 0 and mo.motion.undocumented == []  # never past 12 a minute
    assert mo.pace() - start >= 60.0 * (mo.motion.requests - 12) / 12  # the pacer waited, not Motion
