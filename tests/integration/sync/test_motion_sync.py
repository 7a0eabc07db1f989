"""Motion's connect and two-way mirror by polling, against the Motion sandbox (Motion's REST API as its
reference describes it, its rate limit counted), the Notion sandbox and the Firestore emulator: the key only
in the secret store; a key Motion refuses is a 400 naming api_key that stores nothing; pages become tasks
once, and a create retried after a lost answer finds its task; tasks made or changed in Motion reach Notion
at the next scan's poll, once; a poll repeated, and our own writes read back, change nothing; a field
changed on both sides goes to the later edit and is logged; Motion's 429 leaves nothing half done."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.motion_sandbox.app import INDIVIDUAL_KEY, KEY, PERSONAL_WORKSPACE_ID, WORKSPACE_ID
from shared.platform.errors import InvalidInput, NotFound, NothingSent
from shared.sync.domain.connection import key_secret
from shared.sync.domain.sync_task import SyncTask
from shared.sync.services.connect import set_people
from shared.sync.services.mirror import run_motion_task
from shared.sync.services.motion import connect_motion, disconnect_motion, motion_status
from tests.integration.sync.conftest import IDS, MotionStack, sync_tasks

pytestmark = pytest.mark.integration


def connect(mo: MotionStack) -> dict[str, Any]:
    answer = connect_motion(mo.tenant_id, {"api_key": KEY, "workspace_id": WORKSPACE_ID}, mo.linking)
    people = {"ada@demo.example": IDS["owner"], "grace@demo.example": IDS["teammate"]}
    set_people(mo.tenant_id, {"people": people}, mo.store, "motion")
    mo.queue.tasks.clear()
    return answer


def scan(mo: MotionStack, since: datetime | None = None) -> dict[str, Any]:
    """A scan whose window starts at ``since`` less its minute (default: an hour before the stack's clock)."""
    since = since or mo.clock[0] - timedelta(hours=1)
    return run_motion_task(
        SyncTask(tenant_id=mo.tenant_id, kind="scan", since=since, tool="motion"), mo.mirroring
    )


def task_of(mo: MotionStack, page: str) -> dict[str, Any]:
    link = mo.store.link(mo.tenant_id, IDS[page].replace("-", ""))
    assert link is not None
    return mo.motion.tasks[link.issue_id]


def title(p: dict[str, Any]) -> str:
    return "".join(t["plain_text"] for t in p["properties"]["Name"]["title"])


def test_connect_keeps_the_key_in_secrets_and_queues_the_first_scan(mo: MotionStack) -> None:
    answer = connect_motion(mo.tenant_id, {"api_key": KEY, "workspace_id": WORKSPACE_ID}, mo.linking)
    assert answer["connected"] and answer["workspace"] == {
        "id": WORKSPACE_ID,
        "name": "Demo team",
        "team": True,
    }
    assert KEY not in json.dumps(answer, default=str)
    assert mo.secrets.get(key_secret(mo.tenant_id, "motion")) == KEY
    tenant = mo.store._tenants.document(mo.tenant_id)
    kept = json.dumps([d.to_dict() for c in tenant.collections() for d in c.stream()], default=str)
    assert KEY not in kept
    connection = mo.store.connection(mo.tenant_id)
    assert connection is not None and connection.members["grace@demo.example"] == "u-grace"
    assert [(t.kind, t.tool) for t in sync_tasks(mo.queue)] == [("scan", "motion")]
    individual = {"api_key": INDIVIDUAL_KEY, "workspace_id": PERSONAL_WORKSPACE_ID}
    waited = mo.pace.skipped
    assert connect_motion(mo.tenant_id, individual, mo.linking)["workspace"]["team"] is False
    assert mo.pace.skipped == waited  # an individual's connect is its pacer's burst: no wait
    assert motion_status(mo.tenant_id, mo.store)["workspace"]["id"] == PERSONAL_WORKSPACE_ID


def test_a_key_motion_refuses_or_a_workspace_it_does_not_see_is_a_400_storing_nothing(
    mo: MotionStack,
) -> None:
    for body, field in (
        ({"api_key": "motion-revoked-key-0", "workspace_id": WORKSPACE_ID}, "api_key"),
        ({"api_key": KEY, "workspace_id": "ws-someone-else"}, "workspace_id"),
        ({"api_key": "short", "workspace_id": WORKSPACE_ID}, "api_key"),
    ):
        with pytest.raises(InvalidInput) as refused:
            connect_motion(mo.tenant_id, body, mo.linking)
        assert refused.value.http_status == 400 and refused.value.reason.startswith(field)
        with pytest.raises(NotFound):
            mo.secrets.get(key_secret(mo.tenant_id, "motion"))
        assert mo.store.connection(mo.tenant_id) is None and mo.queue.tasks == []


def test_disconnect_deletes_our_secret_and_the_record_and_the_next_scan_stops(mo: MotionStack) -> None:
    connect(mo)
    gone = disconnect_motion(mo.tenant_id, mo.linking)
    assert gone == {"tool": "motion", "connected": False, "webhook_deleted": False}
    assert mo.store.connection(mo.tenant_id) is None
    with pytest.raises(NotFound):
        mo.secrets.get(key_secret(mo.tenant_id, "motion"))
    assert scan(mo) == {"result": "disconnected"} and mo.queue.tasks == []
    assert disconnect_motion(mo.tenant_id, mo.linking)["connected"] is False  # repeatable


def test_pages_become_tasks_once_and_a_poll_repeated_changes_nothing(mo: MotionStack) -> None:
    connect(mo)
    first = scan(mo)
    made = mo.motion.creates
    assert made >= 3 and first["writes"] == made
    task = task_of(mo, "task_report")
    assert task["name"] == "Write the weekly report" and task["status"]["name"] == "In Progress"
    assert task["dueDate"].startswith("2026-01-05") and task["priority"] == "HIGH"
    assert [a["email"] for a in task["assignees"]] == ["ada@demo.example"]
    writes = mo.motion.writes_by_api
    for _ in range(2):  # the poll sees our own creates as updated tasks: no echo, no second create
        assert scan(mo)["writes"] == 0
    assert mo.motion.writes_by_api == writes and mo.motion.creates == made
    # each scan queued the next, all three by one name (the clock stood still): one task
    assert [(t.kind, t.tool) for t in sync_tasks(mo.queue)] == [("scan", "motion")]
    assert mo.motion.refused_for_rate == 0


def test_a_create_retried_after_its_answer_was_lost_finds_its_task(mo: MotionStack) -> None:
    connect(mo)
    scan(mo)
    made = mo.motion.creates
    page_id = IDS["task_invoices"].replace("-", "")
    task_id = task_of(mo, "task_invoices")["id"]
    # The create's answer was lost: Motion made the task, we never saved the link.
    mo.store._doc(mo.tenant_id, "motion_links", page_id).delete()
    mo.store._doc(mo.tenant_id, "motion_tasks", task_id).delete()
    scan(mo)
    assert mo.motion.creates == made
    assert sum(1 for t in mo.motion.tasks.values() if t["name"] == "Send the invoices") == 1
    link = mo.store.link(mo.tenant_id, page_id)
    assert link is not None and link.issue_id == task_id


def test_a_change_in_motion_reaches_notion_at_the_next_poll_once(mo: MotionStack) -> None:
    connect(mo)
    scan(mo)
    task_id = task_of(mo, "task_release")["id"]
    edited = datetime.now(UTC) - timedelta(seconds=1)  # Motion's times are to the millisecond
    mo.motion.edit(
        task_id, name="Ship the landing page v2", status="Completed", priority="LOW", labels=["web"]
    )
    # A scan whose window holds no page edit: only the poll of Motion's tasks finds the change.
    assert scan(mo, edited + timedelta(seconds=60))["writes"] == 1
    shown = mo.notion.retrieve_page(IDS["task_release"])
    assert title(shown) == "Ship the landing page v2"
    assert shown["properties"]["Status"]["status"]["name"] == "Done"
    assert shown["properties"]["Priority"]["select"]["name"] == "Low"
    writes = mo.motion.writes_by_api
    assert scan(mo)["writes"] == 0 and mo.motion.writes_by_api == writes  # no echo back to Motion
    assert [n["name"] for n in mo.motion.tasks[task_id]["labels"]] == ["web"]  # kept: Tasks has no Labels


def test_a_change_in_notion_reaches_motion_and_unassigning_unassigns(mo: MotionStack) -> None:
    connect(mo)
    scan(mo)
    task_id = task_of(mo, "task_invoices")["id"]
    mo.notion.update_page_properties(
        IDS["task_invoices"],
        {"Status": {"status": {"name": "In progress"}}, "Assignee": {"people": []}, "Due": {"date": None}},
    )
    scan(mo)
    task = mo.motion.tasks[task_id]
    assert task["status"]["name"] == "In Progress" and task["assignees"] == [] and task["dueDate"] is None
    writes = mo.motion.writes_by_api
    assert scan(mo)["writes"] == 0 and mo.motion.writes_by_api == writes


def test_a_field_changed_on_both_sides_goes_to_the_later_edit_and_is_logged(mo: MotionStack) -> None:
    connect(mo)
    scan(mo)
    task_id = task_of(mo, "task_invoices")["id"]
    mo.notion.update_page_properties(
        IDS["task_invoices"], {"Name": {"title": [{"text": {"content": "Notion's"}}]}}
    )
    mo.motion.edit(task_id, name="Motion's")  # later than Notion's edit
    scan(mo)
    assert mo.motion.tasks[task_id]["name"] == "Motion's"
    assert title(mo.notion.retrieve_page(IDS["task_invoices"])) == "Motion's"
    [entry] = mo.store.read_log(mo.tenant_id, mo.clock[0] - timedelta(days=1))
    assert (entry.field, entry.winner, entry.issue_id) == ("title", "motion", task_id)


def test_a_task_made_in_motion_becomes_one_page(mo: MotionStack) -> None:
    connect(mo)
    task_id = mo.motion.add_task(
        "Made in Motion", assignee="grace@demo.example", dueDate="2026-02-01", description="Line one"
    )
    scan(mo)
    scan(mo)  # again
    link = mo.store.link_of_issue(mo.tenant_id, task_id)
    assert link is not None
    made = mo.notion.retrieve_page(link.page_id)
    assert title(made) == "Made in Motion" and made["properties"]["Due"]["date"]["start"] == "2026-02-01"
    assert [p["id"].replace("-", "") for p in made["properties"]["Assignee"]["people"]] == [
        IDS["teammate"].replace("-", "")
    ]
    assert "Line one" in str(mo.notion.retrieve_markdown(link.page_id).get("markdown"))
    same = [p for p in mo.notion.query_data_source(IDS["tasks_data_source"]) if title(p) == "Made in Motion"]
    assert len(same) == 1


def test_motions_429_leaves_nothing_half_done(mo: MotionStack) -> None:
    connect(mo)
    mo.motion.rate_limit(1)
    with pytest.raises(NothingSent) as refused:
        scan(mo)
    assert mo.queue.tasks == []  # the next scan is queued by the retry that completes, once
    assert refused.value.retry_after_s is not None
    mo.pace.skip(refused.value.retry_after_s)  # the queue's retry, after the Retry-After
    scan(mo)
    names = [t["name"] for t in mo.motion.tasks.values()]
    assert names and len(names) == len(set(names))
    assert [t.kind for t in sync_tasks(mo.queue)] == ["scan"]


def _made_for_linear(mo: MotionStack, name: str) -> None:
    """A Tasks page the Linear sync made for an issue of Linear's (its Sync ID names it)."""
    mo.notion.create_page(
        {"type": "data_source_id", "data_source_id": IDS["tasks_data_source"]},
        {
            "Name": {"title": [{"text": {"content": name}}]},
            "Sync ID": {"rich_text": [{"text": {"content": "linear:0f7c6a1e-0000-4000-8000-000000000078"}}]},
        },
    )


def test_another_tracker_s_task_is_copied_here_only_when_the_owner_chose_it(mo: MotionStack) -> None:
    """A task made in Linear reaches Notion, not every other connected tracker, unasked."""
    assert connect(mo)["copy_other_tools"] is False  # said in the status: off unless chosen
    scan(mo)  # the data source gets its Sync ID column
    _made_for_linear(mo, "Made in Linear")
    scan(mo)
    names = [t["name"] for t in mo.motion.tasks.values()]
    assert "Made in Linear" not in names and names  # the pages made in Notion are copied, as before
    with pytest.raises(InvalidInput, match="copy_other_tools"):
        connect_motion(
            mo.tenant_id,
            {"api_key": KEY, "workspace_id": WORKSPACE_ID, "copy_other_tools": "yes"},
            mo.linking,
        )
    chosen = {"api_key": KEY, "workspace_id": WORKSPACE_ID, "copy_other_tools": True}
    assert connect_motion(mo.tenant_id, chosen, mo.linking)["copy_other_tools"] is True
    assert motion_status(mo.tenant_id, mo.store)["copy_other_tools"] is True
    scan(mo)
    assert [t["name"] for t in mo.motion.tasks.values()] == [*names, "Made in Linear"]
