"""Linear's intake and the two-way mirror against the Linear sandbox (every request executed against
Linear's published schema), the Notion sandbox and the Firestore emulator: forgeries, replays and stale
deliveries refused with a 4xx and nothing queued; pages become issues once (a retried create finds its
issue), issues become pages once (a scan links a page made before its link was saved, on a data source the
sync gave its Sync ID column, or says why it could not); a change goes
across once and never echoes back; a field changed on both sides goes to the later edit and is logged;
Linear's 429 leaves nothing half done."""

import json
from datetime import timedelta
from typing import Any

import pytest

from shared.platform.errors import Conflict, InvalidInput, NotFound, NothingSent, Unauthenticated
from shared.sync.domain.fields import issue_id_for
from shared.sync.domain.linear_events import sign
from shared.sync.domain.mapping import SYNC_KEY
from shared.sync.domain.sync_task import SyncTask
from shared.sync.services.connect import connect_linear, linear_status, set_people
from shared.sync.services.intake import ingest_linear
from shared.sync.services.mirror import run_sync_task
from tests.integration.sync.conftest import IDS, KEY, TEAM_ID, SyncStack, sync_tasks
from tests.support.sync.sync_storm import DiesAfter, Killed, Killer

pytestmark = pytest.mark.integration


def connect(stack: SyncStack) -> None:
    connect_linear(stack.tenant_id, {"api_key": KEY, "team_id": TEAM_ID}, stack.linking)
    people = {"ada@demo.example": IDS["owner"], "grace@demo.example": IDS["teammate"]}
    set_people(stack.tenant_id, {"people": people}, stack.store)
    stack.queue.tasks.clear()


def scan(stack: SyncStack) -> dict[str, Any]:
    since = stack.clock[0] - timedelta(hours=1)
    return run_sync_task(SyncTask(tenant_id=stack.tenant_id, kind="scan", since=since), stack.mirroring)


def deliver_all(stack: SyncStack) -> list[dict[str, str]]:
    """Every delivery Linear made, through the intake; then each queued issue task, run."""
    answers = [
        ingest_linear(stack.tenant_id, body, headers, stack.intake)
        for _, headers, body in stack.linear.outbox
    ]
    stack.linear.outbox.clear()
    for task in sync_tasks(stack.queue):
        if task.kind == "issue":
            run_sync_task(task, stack.mirroring)
    stack.queue.tasks.clear()
    return answers


def page(stack: SyncStack, name: str) -> dict[str, Any]:
    found: dict[str, Any] = stack.notion.retrieve_page(IDS[name])
    return found


def title(p: dict[str, Any]) -> str:
    return "".join(t["plain_text"] for t in p["properties"]["Name"]["title"])


def test_forged_replayed_and_stale_deliveries_are_refused_and_queue_nothing(stack: SyncStack) -> None:
    connect(stack)
    issue_id = stack.linear.add_issue("From Linear")
    [(_, headers, body)] = stack.linear.outbox
    forged = {**headers, "Linear-Signature": sign("not-our-secret", body)}
    with pytest.raises(Unauthenticated):
        ingest_linear(stack.tenant_id, body, forged, stack.intake)
    with pytest.raises(Unauthenticated):
        ingest_linear(stack.tenant_id, body.replace(b"create", b"remove"), headers, stack.intake)
    stack.clock[0] += timedelta(seconds=120)
    with pytest.raises(InvalidInput, match="stale"):
        ingest_linear(stack.tenant_id, body, headers, stack.intake)
    stack.clock[0] -= timedelta(seconds=120)
    assert stack.queue.tasks == []
    assert ingest_linear(stack.tenant_id, body, headers, stack.intake)["result"] == "enqueued"
    with pytest.raises(Conflict) as replay:
        ingest_linear(stack.tenant_id, body, headers, stack.intake)
    assert replay.value.http_status == 409
    [(_, _, name, delay)] = stack.queue.tasks
    assert [t.issue_id for t in sync_tasks(stack.queue)] == [issue_id]
    assert name.startswith(f"sync-issue:{stack.tenant_id}:{issue_id}:") and delay > 0
    with pytest.raises(NotFound):
        ingest_linear("t-not-connected", body, headers, stack.intake)


def test_a_delivery_of_another_team_or_kind_is_ignored(stack: SyncStack) -> None:
    connect(stack)
    secret = stack.linear.webhooks[next(iter(stack.linear.webhooks))]["secret"]
    ms = int(stack.clock[0].timestamp() * 1000)
    kinds: list[dict[str, Any]] = [
        {"type": "Issue", "data": {"id": "x1", "teamId": "other-team"}},
        {"type": "Comment", "data": {"id": "c1"}},
    ]
    for data in kinds:
        body = json.dumps({"action": "create", "webhookTimestamp": ms, **data}).encode()
        headers = {"Linear-Signature": sign(secret, body), "Linear-Delivery": f"d-{data['data']['id']}-0001"}
        assert ingest_linear(stack.tenant_id, body, headers, stack.intake)["result"] == "ignored"
    assert stack.queue.tasks == []


def test_pages_become_issues_once_and_our_writes_never_echo(stack: SyncStack) -> None:
    connect(stack)
    first = scan(stack)
    made = stack.linear.creates
    assert made >= 3 and first["writes"] == made
    issue = stack.linear.issues[issue_id_for(stack.tenant_id, IDS["task_report"])]
    assert issue["title"] == "Write the weekly report" and issue["stateId"] == "state-started"
    assert issue["priority"] == 2 and issue["dueDate"] == "2026-01-05" and issue["assigneeId"] == "user-ada"
    writes = stack.linear.writes_by_api
    assert deliver_all(stack)  # Linear's deliveries of our own creates come back...
    assert scan(stack)["writes"] == 0  # ...and change nothing on either side: no echo
    assert stack.linear.writes_by_api == writes and stack.linear.creates == made


def test_a_retried_create_finds_its_issue_instead_of_making_another(stack: SyncStack) -> None:
    connect(stack)
    scan(stack)
    made = stack.linear.creates
    page_id = IDS["task_invoices"].replace("-", "")
    link = stack.store.link(stack.tenant_id, page_id)
    assert link is not None
    # The create's answer was lost: the link knows the issue's id but not what Linear holds.
    stack.store.save_link(stack.tenant_id, link.model_copy(update={"tool_seen": {}, "notion_seen": {}}))
    scan(stack)
    assert stack.linear.creates == made
    assert sum(1 for i in stack.linear.issues.values() if i["title"] == "Send the invoices") == 1


def test_a_change_in_linear_reaches_notion_once(stack: SyncStack) -> None:
    connect(stack)
    scan(stack)
    deliver_all(stack)
    issue_id = issue_id_for(stack.tenant_id, IDS["task_release"])
    stack.clock[0] += timedelta(seconds=10)  # a later window than the creates' deliveries
    stack.linear.edit(issue_id, title="Ship the landing page v2", stateType="completed", priority=4)
    delivery = stack.linear.outbox[-1]
    stack.linear.outbox.append(delivery)  # Linear's delivery doubled...
    with pytest.raises(Conflict):
        deliver_all(stack)  # ...the second is a replay
    for task in sync_tasks(stack.queue):
        run_sync_task(task, stack.mirroring)
    stack.queue.tasks.clear()
    shown = page(stack, "task_release")
    assert title(shown) == "Ship the landing page v2"
    assert shown["properties"]["Status"]["status"]["name"] == "Done"
    assert shown["properties"]["Priority"]["select"]["name"] == "Low"
    writes = stack.linear.writes_by_api
    run_sync_task(
        SyncTask(tenant_id=stack.tenant_id, kind="issue", issue_id=issue_id), stack.mirroring
    )  # late
    assert scan(stack)["writes"] == 0 and stack.linear.writes_by_api == writes  # no echo back to Linear


def titled_on_both_sides(stack: SyncStack, also: dict[str, Any] | None = None) -> str:
    """Connected and mirrored, then the invoices' title edited in Notion (with ``also``, more of its
    properties) and later in Linear: the issue's id."""
    connect(stack)
    scan(stack)
    deliver_all(stack)
    issue_id = issue_id_for(stack.tenant_id, IDS["task_invoices"])
    edits = {"Name": {"title": [{"text": {"content": "Notion's"}}]}} | (also or {})
    stack.notion.update_page_properties(IDS["task_invoices"], edits)
    stack.linear.edit(issue_id, title="Linear's")  # later than Notion's edit: Linear's title is kept
    stack.linear.outbox.clear()
    return issue_id


def test_a_field_changed_on_both_sides_goes_to_the_later_edit_and_is_logged_with_its_title(
    stack: SyncStack,
) -> None:
    issue_id = titled_on_both_sides(stack)
    scan(stack)
    assert (
        stack.linear.issues[issue_id]["title"] == "Linear's"
        and title(page(stack, "task_invoices")) == "Linear's"
    )
    [entry] = stack.store.read_log(stack.tenant_id, stack.clock[0] - timedelta(days=1))
    assert (entry.field, entry.winner, entry.issue_id) == ("title", "linear", issue_id)
    assert entry.title == "Linear's"  # what the console names the settled item by


def test_a_conflict_logged_once_when_its_task_dies_between_its_writes_and_is_delivered_again(
    stack: SyncStack,
) -> None:
    """The title changed on both sides (Linear's kept) and the priority in Notion: the task dies after
    Linear's write (the priority, first; Linear's edit time moves), then its retry after Notion's (the
    title, last, before the link is saved); the next retry and a redelivery find both sides agreeing.
    The log holds the settled title once, its id named by the change, not by the times or the try."""
    issue_id = titled_on_both_sides(stack, {"Priority": {"select": {"name": "Low"}}})
    task = SyncTask(tenant_id=stack.tenant_id, kind="issue", issue_id=issue_id)
    with pytest.raises(Killed):  # Linear's priority written, then the instance gone
        run_sync_task(task, stack.mirroring._replace(api=DiesAfter(stack.mirroring.api, "update_issue")))
    notion = DiesAfter(stack.mirroring.notion_for(stack.tenant_id), "update_page_properties")
    with pytest.raises(Killed):  # the retry: Notion's title written, then gone before the link is saved
        run_sync_task(task, stack.mirroring._replace(notion_for=lambda _t: notion))
    assert run_sync_task(task, stack.mirroring)["writes"] == 0  # the next retry: both sides agree
    run_sync_task(task, stack.mirroring)  # the same delivery again
    scan(stack)
    entries = stack.store.read_log(stack.tenant_id, stack.clock[0] - timedelta(days=1))
    assert [(e.field, e.winner, e.title, e.issue_id) for e in entries] == [
        ("title", "linear", "Linear's", issue_id)
    ]
    assert (
        stack.linear.issues[issue_id]["priority"] == 4 and title(page(stack, "task_invoices")) == "Linear's"
    )


def test_an_issue_made_in_linear_becomes_one_page(stack: SyncStack) -> None:
    connect(stack)
    issue_id = stack.linear.add_issue(
        "Made in Linear", stateType="started", assigneeEmail="grace@demo.example"
    )
    delivery = stack.linear.outbox[-1]
    deliver_all(stack)
    run_sync_task(
        SyncTask(tenant_id=stack.tenant_id, kind="issue", issue_id=issue_id), stack.mirroring
    )  # again
    link = stack.store.link_of_issue(stack.tenant_id, issue_id)
    assert link is not None
    made = stack.notion.retrieve_page(link.page_id)
    assert title(made) == "Made in Linear" and made["properties"]["Status"]["status"]["name"] == "In progress"
    source = IDS["tasks_data_source"]
    same = [p for p in stack.notion.query_data_source(source) if title(p) == "Made in Linear"]
    assert len(same) == 1
    assert delivery  # the delivery that started it was Linear's own, signed


def killed_after_the_page(stack: SyncStack, issue_id: str) -> SyncTask:
    """The issue's task, its first try killed right after Notion made the issue's page: the task."""
    stack.linear.outbox.clear()
    killer = Killer()
    dying_notion = killer.wrap(stack.notion)
    killer.arm(None, at_create=True)
    task = SyncTask(tenant_id=stack.tenant_id, kind="issue", issue_id=issue_id)
    with pytest.raises(Killed):
        run_sync_task(task, stack.mirroring._replace(notion_for=lambda _t: dying_notion))
    return task


def test_a_page_made_for_an_issue_is_linked_by_a_scan_before_its_link_is_saved(stack: SyncStack) -> None:
    connect(stack)
    issue_id = stack.linear.add_issue("Made in Linear", stateType="started")
    task = killed_after_the_page(stack, issue_id)
    assert stack.store.link_of_issue(stack.tenant_id, issue_id) is None
    scan(stack)  # a scan finds the page without its link: its Sync ID names the issue
    run_sync_task(task, stack.mirroring)  # the task's retry
    link = stack.store.link_of_issue(stack.tenant_id, issue_id)
    same = [
        p for p in stack.notion.query_data_source(IDS["tasks_data_source"]) if title(p) == "Made in Linear"
    ]
    assert link is not None and [p["id"].replace("-", "") for p in same] == [link.page_id]
    assert [i["title"] for i in stack.linear.issues.values()].count("Made in Linear") == 1
    assert same[0]["properties"]["Sync ID"]["rich_text"][0]["plain_text"] == f"linear:{issue_id}"


def test_linears_429_leaves_nothing_half_done(stack: SyncStack) -> None:
    connect(stack)
    stack.linear.rate_limit(1)
    with pytest.raises(NothingSent):
        scan(stack)
    made = stack.linear.creates
    scan(stack)  # the queue's retry
    titles = [i["title"] for i in stack.linear.issues.values()]
    assert len(titles) == len(set(titles)) and stack.linear.creates >= made


def chosen_tasks(stack: SyncStack) -> str:
    """A Tasks data source the owner made without a Sync ID column, connected: its id."""
    properties: dict[str, Any] = {"Name": {"title": {}}, "Status": {"status": {}}}
    database = stack.notion.create_database(IDS["home_page"], "Chosen tasks", properties)
    source = str(database["data_sources"][0]["id"]).replace("-", "")
    connect_linear(
        stack.tenant_id, {"api_key": KEY, "team_id": TEAM_ID, "data_source_id": source}, stack.linking
    )
    stack.queue.tasks.clear()
    assert SYNC_KEY not in stack.notion.retrieve_data_source(source)["properties"]
    return source


def column_updates(stack: SyncStack) -> int:
    return sum(r["method"] == "PATCH" and "/data_sources/" in r["path"] for r in stack.admin.get("/requests"))


def test_a_chosen_data_source_gets_its_sync_id_column_and_a_crashed_create_makes_nothing_twice(
    stack: SyncStack,
) -> None:
    source = chosen_tasks(stack)
    issue_id = stack.linear.add_issue("Made for the chosen tasks")
    task = killed_after_the_page(stack, issue_id)
    scan(stack)  # the page is seen before its link: its Sync ID names the issue, no second issue
    scan(stack)  # the column there: not asked for again
    run_sync_task(task, stack.mirroring)
    link = stack.store.link_of_issue(stack.tenant_id, issue_id)
    same = [p for p in stack.notion.query_data_source(source) if title(p) == "Made for the chosen tasks"]
    assert link is not None and [p["id"].replace("-", "") for p in same] == [link.page_id]
    assert [i["title"] for i in stack.linear.issues.values()].count("Made for the chosen tasks") == 1
    column = stack.notion.retrieve_data_source(source)["properties"][SYNC_KEY]
    assert column["type"] == "rich_text" and column_updates(stack) == 1  # once, by the first task
    connection = stack.store.connection(stack.tenant_id)
    assert connection is not None and connection.sync_id_added_at is not None
    assert linear_status(stack.tenant_id, stack.store)["sync_id_note"] is None


class Refusing:
    """The Notion adapter whose data source update Notion (the sandbox) refuses with a 403 once."""

    def __init__(self, stack: SyncStack) -> None:
        self.notion, self.admin = stack.notion, stack.admin

    def __getattr__(self, name: str) -> Any:
        return getattr(self.notion, name)

    def update_data_source(self, data_source_id: str, properties: dict[str, Any]) -> dict[str, Any]:
        self.admin.post("/faults", {"status": 403, "count": 1})  # the integration may not update it
        answer: dict[str, Any] = self.notion.update_data_source(data_source_id, properties)
        return answer


def test_a_refused_column_is_said_in_the_status_and_the_window_kept_until_a_scan_adds_it(
    stack: SyncStack,
) -> None:
    source = chosen_tasks(stack)
    refused = stack.mirroring._replace(notion_for=lambda _t: Refusing(stack))
    run_sync_task(SyncTask(tenant_id=stack.tenant_id, kind="scan", since=stack.clock[0]), refused)
    note = linear_status(stack.tenant_id, stack.store)["sync_id_note"]
    assert note.startswith(
        "No 'Sync ID' column: Notion refused adding the 'Sync ID' column (Notion answered 403"
    )
    assert "capability to update content" in note and column_updates(stack) == 1
    issue_id = stack.linear.add_issue("Made while refused")
    run_sync_task(SyncTask(tenant_id=stack.tenant_id, kind="issue", issue_id=issue_id), refused)
    assert column_updates(stack) == 1  # an issue task leaves a refusal to the next scan
    link = stack.store.link_of_issue(stack.tenant_id, issue_id)
    assert link is not None and SYNC_KEY not in stack.notion.retrieve_page(link.page_id)["properties"]
    scan(stack)  # granted since: the scan adds the column and the note goes
    assert stack.notion.retrieve_data_source(source)["properties"][SYNC_KEY]["type"] == "rich_text"
    assert linear_status(stack.tenant_id, stack.store)["sync_id_note"] is None


@pytest.mark.parametrize("interval_s", [60.0, 10.0])
def test_a_scan_queues_the_next_after_the_configured_interval(stack: SyncStack, interval_s: float) -> None:
    """The next scan waits ``sync_scan_interval_s`` (60 s deployed, shorter on the local stack), and is
    named for that window, so a retried scan queues it once."""
    connect(stack)
    mirroring = stack.mirroring._replace(scan_interval_s=interval_s)
    run_sync_task(SyncTask(tenant_id=stack.tenant_id, kind="scan", since=stack.clock[0]), mirroring)
    [(_, task, name, delay)] = [t for t in stack.queue.tasks if t[2].startswith("sync-scan:")]
    assert isinstance(task, SyncTask) and task.kind == "scan" and task.since == stack.clock[0]
    assert delay == interval_s
    assert name == f"sync-scan:{stack.tenant_id}:{int(stack.clock[0].timestamp() // interval_s) + 1}"
