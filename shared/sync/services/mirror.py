"""Mirroring: the sync task (``POST /sync`` on plan) brings a Linear issue and its Notion page in step.
Each task reads both sides afresh, merges them (:mod:`shared.sync.domain.merge`), writes each side
only what differs there, reads it back and remembers it. Creation is idempotent both ways: a page's
issue has an id derived from the page, and an issue's page is claimed before it is made. A scan task
every minute finds the pages edited since the last one and queues the next (docs/sync.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.notion.domain.markdown import markdown_to_blocks
from shared.platform.topology import Queue
from shared.sync.domain.connection import LinearConnection, LogEntry, SyncLink, key_secret
from shared.sync.domain.fields import TaskFields, hashes, issue_id_for
from shared.sync.domain.mapping import NotionSchema, from_issue, issue_input
from shared.sync.domain.merge import Held, merge
from shared.sync.domain.sync_task import SCAN_INTERVAL_S, SyncTask, scan_task_name

if TYPE_CHECKING:
    from shared.notion.ports import TenantNotion
    from shared.platform.ports import SecretStore, TaskQueue
    from shared.sync.ports import LinearApi, SyncStore

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class Mirroring(NamedTuple):
    """What the sync task uses."""

    store: SyncStore
    linear: LinearApi
    secrets: SecretStore
    queue: TaskQueue
    notion_for: Callable[[str], TenantNotion]
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


class _Pair(NamedTuple):
    tenant_id: str
    connection: LinearConnection
    key: str
    team: dict[str, Any]
    notion: TenantNotion
    schema: NotionSchema
    people: dict[str, str]  # the user mapping, learned as pages are read (saved at the task's end)


def run_sync_task(task: SyncTask, m: Mirroring) -> dict[str, Any]:
    """One sync task: ``{result, ...}``. A workspace no longer connected to Linear: nothing, no next scan."""
    connection = m.store.connection(task.tenant_id)
    if connection is None:
        return {"result": "disconnected"}
    key = m.secrets.get(key_secret(task.tenant_id))
    notion = m.notion_for(task.tenant_id)
    pair = _Pair(
        task.tenant_id,
        connection,
        key,
        m.linear.team(key, connection.team_id),
        notion,
        NotionSchema(notion.retrieve_data_source(connection.data_source_id)),
        dict(connection.people),
    )
    try:
        return _run(pair, task, m)
    finally:
        if pair.people != connection.people:
            m.store.save_connection(task.tenant_id, connection.model_copy(update={"people": pair.people}))


def _run(pair: _Pair, task: SyncTask, m: Mirroring) -> dict[str, Any]:
    notion, connection = pair.notion, pair.connection
    if task.kind == "issue" and task.issue_id:
        return {"result": "mirrored", "writes": _issue(pair, task.issue_id, m)}
    started = m.now()
    since = task.since or started
    edited = {
        "timestamp": "last_edited_time",
        "last_edited_time": {"on_or_after": (since - timedelta(seconds=60)).isoformat()},
    }
    writes = 0
    for page in list(notion.query_data_source(connection.data_source_id, filter=edited)):
        writes += _page(pair, page, m)
    nxt = SyncTask(tenant_id=task.tenant_id, kind="scan", since=started)
    m.queue.enqueue(
        Queue.PLAN,
        nxt,
        scan_task_name(task.tenant_id, started + timedelta(seconds=SCAN_INTERVAL_S)),
        delay_s=SCAN_INTERVAL_S,
    )
    return {"result": "scanned", "writes": writes}


def _issue(p: _Pair, issue_id: str, m: Mirroring) -> int:
    issue = m.linear.issue(p.key, issue_id)
    link = m.store.link_of_issue(p.tenant_id, issue_id)
    if link is not None:
        return _merge(p, link, p.notion.retrieve_page(link.page_id), issue, m)
    if issue is None or from_issue(issue).archived:
        return 0
    page = _page_for_issue(p, issue, m)
    link = SyncLink(page_id=page["id"].replace("-", ""), issue_id=issue_id)
    m.store.save_link(p.tenant_id, link)
    return 1 + _merge(p, link, page, issue, m)


def _page(p: _Pair, page: dict[str, Any], m: Mirroring) -> int:
    page_id = page["id"].replace("-", "")
    link = m.store.link(p.tenant_id, page_id)
    if link is None:
        if p.schema.from_page(page, "").archived:
            return 0
        link = SyncLink(page_id=page_id, issue_id=issue_id_for(p.tenant_id, page_id))
        m.store.save_link(p.tenant_id, link)  # before the create: the issue's task finds its page
    issue = m.linear.issue(p.key, link.issue_id)
    if issue is None and not link.linear_seen:  # never made (or the create's answer was lost)
        fields = _notion_fields(p, page)
        data = {
            "id": link.issue_id,
            "teamId": p.connection.team_id,
            **issue_input(fields.model_dump(), p.team),
        }
        issue = m.linear.create_issue(p.key, data)
        m.store.save_link(
            p.tenant_id,
            link.model_copy(update={"linear_seen": hashes(from_issue(issue)), "notion_seen": hashes(fields)}),
        )
        return 1
    return _merge(p, link, page, issue, m)


def _merge(p: _Pair, link: SyncLink, page: dict[str, Any], issue: dict[str, Any] | None, m: Mirroring) -> int:
    if issue is None:
        return 0
    notion, linear = _notion_fields(p, page), from_issue(issue)
    notion_at = _time(page.get("last_edited_time"))
    linear_at = _time(issue.get("updatedAt"))
    result = merge(Held(notion, link.notion_seen, notion_at), Held(linear, link.linear_seen, linear_at))
    writes = 0
    if result.to_linear:
        writes += 1
        issue = _write_linear(p, link.issue_id, result.to_linear, m) or issue
    if result.to_notion:
        writes += 1
        page = _write_notion(p, link.page_id, result.to_notion)
    seen_notion = _notion_fields(p, page) if result.to_notion else notion
    seen_linear = from_issue(issue) if result.to_linear else linear
    m.store.save_link(
        p.tenant_id,
        link.model_copy(
            update={
                "notion_seen": hashes(seen_notion),
                "linear_seen": hashes(seen_linear),
                "synced_at": m.now(),
            }
        ),
    )
    for d in result.decisions:
        m.store.log(
            p.tenant_id,
            LogEntry(
                at=m.now(),
                page_id=link.page_id,
                issue_id=link.issue_id,
                field=d.field,
                winner=d.winner,
                notion_at=d.notion_at,
                linear_at=d.linear_at,
            ),
        )
    return writes


def _notion_fields(p: _Pair, page: dict[str, Any]) -> TaskFields:
    p.people.update(p.schema.people_of(page))
    if page.get("in_trash") or page.get("archived"):
        markdown = ""
    else:
        markdown = str(p.notion.retrieve_markdown(page["id"]).get("markdown") or "")
    return p.schema.from_page(page, markdown, p.people)


def _write_linear(p: _Pair, issue_id: str, changes: dict[str, Any], m: Mirroring) -> dict[str, Any] | None:
    data = issue_input(changes, p.team)
    issue = m.linear.update_issue(p.key, issue_id, data) if data else None
    if "archived" in changes:
        (m.linear.archive_issue if changes["archived"] else m.linear.unarchive_issue)(p.key, issue_id)
        issue = m.linear.issue(p.key, issue_id)
    return issue


def _write_notion(p: _Pair, page_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    if changes.get("archived") is False:
        p.notion.trash_page(page_id, False)
    properties = p.schema.properties(changes, p.people)
    if properties:
        p.notion.update_page_properties(page_id, properties)
    if "description" in changes:
        for block in list(p.notion.list_children(page_id)):
            p.notion.delete_block(block["id"])
        blocks = markdown_to_blocks(changes["description"])
        for start in range(0, len(blocks), 100):
            p.notion.append_blocks(page_id, blocks[start : start + 100])
    if changes.get("archived") is True:
        p.notion.trash_page(page_id, True)
    return p.notion.retrieve_page(page_id)


def _page_for_issue(p: _Pair, issue: dict[str, Any], m: Mirroring) -> dict[str, Any]:
    """The page of an issue made in Linear: the one a crashed earlier try made (same title, made after
    its claim), or a new one."""
    fields = from_issue(issue)
    claimed = m.store.claim_issue(p.tenant_id, issue["id"], m.now())
    if claimed is not None:  # an earlier try claimed it: did it make the page?
        title = {"property": p.schema.title, "title": {"equals": fields.title}}
        for page in p.notion.query_data_source(p.connection.data_source_id, filter=title):
            if _time(page.get("created_time")) >= claimed - timedelta(seconds=1):
                return page
    properties = p.schema.properties(fields.model_dump(), p.people)
    return p.notion.create_page(
        {"type": "data_source_id", "data_source_id": p.connection.data_source_id},
        properties,
        markdown_to_blocks(fields.description)[:100] or None,
    )


def _time(value: Any) -> datetime:
    if not isinstance(value, str) or not value:
        return _EPOCH
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return _EPOCH
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
