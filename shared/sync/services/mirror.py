"""Mirroring: the sync task (``POST /sync`` on plan) brings a tool's issue (Linear's, GitLab's, Motion's
task) and its Notion page in step. Each task reads both sides afresh, merges them (:mod:`shared.sync.domain.merge`),
writes each side only what differs there, reads it back and remembers it. What differs between the tools
is their :class:`~shared.sync.ports.Tracker` (:mod:`shared.sync.services.trackers`). Creation is idempotent
both ways. A page's issue is found again on a retry (its id derived from the page, or its marker). An
issue's page is claimed, then made with its ``Sync ID``, which a retry or a scan finds before its link.
A scan task every minute finds the pages edited since the last one (and Motion's tasks: it has no
webhooks) and queues the next (docs/sync.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.notion.domain.markdown import markdown_to_blocks
from shared.outbound.services.emit import emit
from shared.platform.topology import Queue
from shared.sync.domain.connection import (
    TITLE_CHARS,
    LogEntry,
    SyncLink,
    ToolConnection,
    key_secret,
    log_entry_id,
)
from shared.sync.domain.fields import TaskFields, hashes
from shared.sync.domain.mapping import SYNC_KEY, NotionSchema, sync_key_of
from shared.sync.domain.merge import Decision, Held, merge
from shared.sync.domain.motion import MotionKey, updated_since
from shared.sync.domain.sync_task import SCAN_INTERVAL_S, SyncTask, scan_task_name
from shared.sync.services.conflict_hooks import conflict_event
from shared.sync.services.oauth import OAuthParts, current_key
from shared.sync.services.sync_column import with_sync_key
from shared.sync.services.trackers import GitLabTracker, LinearTracker, MotionTracker

if TYPE_CHECKING:
    from shared.notion.ports import TenantNotion
    from shared.platform.ports import SecretStore, TaskQueue
    from shared.sync.ports import (
        GitLabApi,
        GitLabStore,
        LinearApi,
        MotionApi,
        MotionStore,
        SyncStore,
        ToolStore,
        Tracker,
    )
    from shared.workspace.ports import TenantStore

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class Mirror[S, A](NamedTuple):
    """What a tool's sync task uses: the tool's store (``S``) and API (``A``), the secrets, the queue
    and Notion for a tenant."""

    store: S
    api: A
    secrets: SecretStore
    queue: TaskQueue
    notion_for: Callable[[str], TenantNotion]
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    oauth: OAuthParts | None = None  # refreshes an OAuth token about to expire before use
    scan_interval_s: float = SCAN_INTERVAL_S  # the settings' sync_scan_interval_s: the next scan's delay
    tenants: TenantStore | None = None  # the instance's cached tenants: a conflict's webhook event


type Mirroring = Mirror[SyncStore, LinearApi]  # what Linear's sync task uses
type GitLabMirroring = Mirror[GitLabStore, GitLabApi]
type MotionMirroring = Mirror[MotionStore, MotionApi]


class _Pair(NamedTuple):
    tenant_id: str
    connection: ToolConnection
    tracker: Tracker
    store: ToolStore[Any]
    queue: TaskQueue
    now: Callable[[], datetime]
    notion: TenantNotion
    schema: NotionSchema
    people: dict[str, str]  # the user mapping, learned as pages are read (saved at the task's end)
    merged: set[str]  # the items this task brought in step from their pages: its poll skips them
    scan_interval_s: float  # the next scan's delay
    tenants: TenantStore | None = None


def run_sync_task(task: SyncTask, m: Mirroring) -> dict[str, Any]:
    """One Linear sync task: ``{result, ...}``. A workspace no longer connected: nothing, no next scan."""
    connection = m.store.connection(task.tenant_id)
    if connection is None:
        return {"result": "disconnected"}
    key = current_key(task.tenant_id, "linear", m.secrets, m.oauth)
    tracker = LinearTracker(m.api, key, m.api.team(key, connection.team_id), task.tenant_id, connection)
    pair = _pair(task, connection, tracker, m.store, m)
    try:
        return _run(pair, task)
    finally:
        if pair.people != connection.people:
            m.store.save_connection(task.tenant_id, connection.model_copy(update=_kept(pair)))


def run_gitlab_task(task: SyncTask, m: GitLabMirroring) -> dict[str, Any]:
    """One GitLab sync task, as :func:`run_sync_task`. A scan reads the project's members afresh
    (the emails the assignee maps by)."""
    connection = m.store.connection(task.tenant_id)
    if connection is None:
        return {"result": "disconnected"}
    token = current_key(task.tenant_id, "gitlab", m.secrets, m.oauth)
    members = connection.members
    if task.kind == "scan":
        members = m.api.members(connection.base_url, token, connection.project_id)
    current = connection.model_copy(update={"members": members})
    pair = _pair(task, current, GitLabTracker(m.api, token, current), m.store, m)
    try:
        return _run(pair, task)
    finally:
        if pair.people != connection.people or members != connection.members:
            m.store.save_connection(task.tenant_id, current.model_copy(update=_kept(pair)))


def run_motion_task(task: SyncTask, m: MotionMirroring) -> dict[str, Any]:
    """One Motion sync task, as :func:`run_sync_task`. Motion has no webhooks: a scan also polls the
    workspace's tasks (one list) and merges each updated since the last scan; a poll repeated finds
    each merged already, and our own writes read back as no change."""
    connection = m.store.connection(task.tenant_id)
    if connection is None:
        return {"result": "disconnected"}
    key = MotionKey(m.secrets.get(key_secret(task.tenant_id, "motion")), connection.team)
    tracker = MotionTracker(
        m.api, key, connection, lambda task_id: m.store.link_of_issue(task.tenant_id, task_id) is not None
    )
    pair = _pair(task, connection, tracker, m.store, m)

    def poll(since: datetime) -> int:
        listed = [str(t["id"]) for t in tracker.listed() if updated_since(t, since)]
        return sum(_issue(pair, task_id) for task_id in listed if task_id not in pair.merged)

    try:
        return _run(pair, task, poll)
    finally:
        if pair.people != connection.people:
            m.store.save_connection(task.tenant_id, connection.model_copy(update=_kept(pair)))


def _kept(pair: _Pair) -> dict[str, Any]:
    """What a task learned to keep in its connection: the user mapping, and the Sync ID column's state."""
    c = pair.connection
    return {"people": pair.people, "sync_id_note": c.sync_id_note, "sync_id_added_at": c.sync_id_added_at}


def _pair(
    task: SyncTask,
    connection: ToolConnection,
    tracker: Tracker,
    store: ToolStore[Any],
    m: Mirroring | GitLabMirroring | MotionMirroring,
) -> _Pair:
    notion = m.notion_for(task.tenant_id)
    schema = NotionSchema(notion.retrieve_data_source(connection.data_source_id))
    if task.kind == "scan" or not connection.sync_id_note:  # a refusal is tried again once a scan
        had = schema.has_sync_key
        schema, note = with_sync_key(notion, connection.data_source_id, schema)
        added = {"sync_id_added_at": m.now()} if schema.has_sync_key and not had else {}
        if note != connection.sync_id_note or added:
            connection = connection.model_copy(update={"sync_id_note": note} | added)
            store.save_connection(task.tenant_id, connection)
    return _Pair(
        task.tenant_id,
        connection,
        tracker,
        store,
        m.queue,
        m.now,
        notion,
        schema,
        dict(connection.people),
        set(),
        m.scan_interval_s,
        m.tenants,
    )


def _run(pair: _Pair, task: SyncTask, poll: Callable[[datetime], int] | None = None) -> dict[str, Any]:
    """An issue task, or a scan of the pages edited since the last one (then ``poll``'s items edited
    since then), the next scan queued last: a scan retried after a failure queues it once."""
    notion, connection = pair.notion, pair.connection
    if task.kind == "issue" and task.issue_id:
        return {"result": "mirrored", "writes": _issue(pair, task.issue_id)}
    started = pair.now()
    since = task.since or started
    edited = {
        "timestamp": "last_edited_time",
        "last_edited_time": {"on_or_after": (since - timedelta(seconds=60)).isoformat()},
    }
    writes = 0
    for page in list(notion.query_data_source(connection.data_source_id, filter=edited)):
        writes += _page(pair, page)
    if poll is not None:
        writes += poll(since - timedelta(seconds=60))
    nxt = SyncTask(tenant_id=task.tenant_id, kind="scan", since=started, tool=task.tool)
    interval = pair.scan_interval_s
    pair.queue.enqueue(
        Queue.PLAN,
        nxt,
        scan_task_name(task.tenant_id, started + timedelta(seconds=interval), task.tool, interval),
        delay_s=interval,
    )
    return {"result": "scanned", "writes": writes}


def _issue(p: _Pair, issue_id: str) -> int:
    issue = p.tracker.read(issue_id)
    link = p.store.link_of_issue(p.tenant_id, issue_id)
    if link is not None:
        return _merge(p, link, p.notion.retrieve_page(link.page_id), issue)
    if issue is None or p.tracker.fields(issue).archived:
        return 0
    marked = _marked_page(p, issue)
    if marked is not None:  # made for a page whose link was not saved (a crash after the create)
        link = SyncLink(page_id=marked["id"].replace("-", ""), issue_id=issue_id)
        p.store.save_link(p.tenant_id, link)
        return _merge(p, link, marked, issue)
    page = _page_for_issue(p, issue)
    link = SyncLink(page_id=page["id"].replace("-", ""), issue_id=issue_id)
    p.store.save_link(p.tenant_id, link)
    return 1 + _merge(p, link, page, issue)


def _marked_page(p: _Pair, issue: dict[str, Any]) -> dict[str, Any] | None:
    """The page the issue's marker names, if it is an unlinked page of our data source (a copied
    issue's marker names a linked page: not this issue's)."""
    page_id = p.tracker.page_of(issue)
    if page_id is None or p.store.link(p.tenant_id, page_id) is not None:
        return None
    page = p.notion.retrieve_page(page_id)
    parent = page.get("parent") or {}
    source = str(parent.get("data_source_id") or "").replace("-", "")
    return page if source == p.connection.data_source_id and not page.get("in_trash") else None


def _page(p: _Pair, page: dict[str, Any]) -> int:
    page_id = page["id"].replace("-", "")
    link = p.store.link(p.tenant_id, page_id)
    if link is None:
        if p.schema.from_page(page, "").archived or _another_tools(p, page):
            return 0
        keyed = _keyed_issue(p, page_id, page)
        if keyed is not None:  # the page an issue's task made, its link not saved yet (a crash, or still on)
            issue = p.tracker.read(keyed)
            if issue is None:
                return 0
            link = SyncLink(page_id=page_id, issue_id=keyed)
            p.store.save_link(p.tenant_id, link)
            return _merge(p, link, page, issue)
        planned = p.tracker.planned_id(page_id)
        if planned is None:  # the tool chooses the issue's id: found again by its marker on a retry
            return _create_unplanned(p, page, page_id)
        link = SyncLink(page_id=page_id, issue_id=planned)
        p.store.save_link(p.tenant_id, link)  # before the create: the issue's task finds its page
    issue = p.tracker.read(link.issue_id)
    if issue is None and not link.tool_seen:  # never made (or the create's answer was lost)
        fields = _notion_fields(p, page)
        issue = p.tracker.create(page_id, fields, None)
        p.store.save_link(
            p.tenant_id,
            link.model_copy(
                update={"tool_seen": hashes(p.tracker.fields(issue)), "notion_seen": hashes(fields)}
            ),
        )
        return 1
    return _merge(p, link, page, issue)


def _another_tools(p: _Pair, page: dict[str, Any]) -> bool:
    """Whether the page was made for another tool's item (its :data:`SYNC_KEY` names that tool) and this
    connection does not copy such items (``copy_other_tools``, off unless the owner chose it). A task
    made in GitLab is not made again in Linear and Motion unasked."""
    tool = p.schema.sync_key(page).partition(":")[0]
    return bool(tool) and tool != p.tracker.tool and not p.connection.copy_other_tools


def _keyed_issue(p: _Pair, page_id: str, page: dict[str, Any]) -> str | None:
    """The tool's item the page was made for (its :data:`SYNC_KEY`), unless another page is linked to
    it (a person's copy of a mirrored page carries the key of an item that is not its own)."""
    tool, _, item_id = p.schema.sync_key(page).partition(":")
    if tool != p.tracker.tool or not item_id:
        return None
    linked = p.store.link_of_issue(p.tenant_id, item_id)
    return item_id if linked is None or linked.page_id == page_id else None


def _create_unplanned(p: _Pair, page: dict[str, Any], page_id: str) -> int:
    """The issue of a page, made by a tool that chooses its id: the claim first (an earlier try's
    time, if any), then the issue, then the link. After a retry the page's fields are merged in."""
    claimed = p.store.claim_issue(p.tenant_id, f"page-{page_id}", p.now())
    fields = _notion_fields(p, page)
    issue = p.tracker.create(page_id, fields, claimed)
    link = SyncLink(
        page_id=page_id, issue_id=p.tracker.issue_id(issue), tool_seen=hashes(p.tracker.fields(issue))
    )
    if claimed is None:
        p.store.save_link(p.tenant_id, link.model_copy(update={"notion_seen": hashes(fields)}))
        return 1
    p.store.save_link(p.tenant_id, link)  # an earlier try's issue: the page's values go to it
    return 1 + _merge(p, link, page, issue)


def _merge(p: _Pair, link: SyncLink, page: dict[str, Any], issue: dict[str, Any] | None) -> int:
    p.merged.add(link.issue_id)
    if issue is None:
        return 0
    notion, tool = _notion_fields(p, page), p.tracker.fields(issue)
    notion_at = _time(page.get("last_edited_time"))
    tool_at = _time(p.tracker.updated_at(issue))
    result = merge(
        Held(notion, link.notion_seen, notion_at),
        Held(tool, link.tool_seen, tool_at),
        tool=p.tracker.tool,
        view=p.tracker.view,
    )
    settled = _settled(p, link, result.decisions, hashes(notion), hashes(tool))
    title = (result.result.title or notion.title or tool.title)[:TITLE_CHARS]
    for entry in settled:  # logged and told before any write: a retry after one finds no conflict
        p.store.log(p.tenant_id, entry.model_copy(update={"title": title}))
    if p.tenants is not None and settled:
        tenant = p.tenants.get(p.tenant_id)
        for entry in settled:
            emit(p.queue, tenant, conflict_event(p.tracker.tool, entry))
    writes = 0
    if result.to_tool:
        writes += 1
        issue = p.tracker.write(link.issue_id, result.to_tool, link.page_id) or issue
    if result.to_notion:
        writes += 1
        page = _write_notion(p, link.page_id, result.to_notion)
    seen_notion = _notion_fields(p, page) if result.to_notion else notion
    seen_tool = p.tracker.fields(issue) if result.to_tool else tool
    p.store.save_link(
        p.tenant_id,
        link.model_copy(
            update={
                "notion_seen": hashes(seen_notion),
                "tool_seen": hashes(seen_tool),
                "synced_at": p.now(),
            }
        ),
    )
    return writes


def _settled(
    p: _Pair, link: SyncLink, decisions: tuple[Decision, ...], notion: dict[str, str], tool: dict[str, str]
) -> list[LogEntry]:
    """The log's entries of a merge's decisions, each id derived from its change (both sides' values
    and those last seen). A retry of a task that died after some of its writes, or a redelivery,
    settles the same change with the same entry, so the log holds it once."""
    return [
        LogEntry(
            at=p.now(),
            page_id=link.page_id,
            issue_id=link.issue_id,
            field=d.field,
            winner=d.winner,
            notion_at=d.notion_at,
            tool_at=d.tool_at,
            id=log_entry_id(
                link.page_id,
                link.issue_id,
                d.field,
                d.winner,
                (
                    notion.get(d.field, ""),
                    tool.get(d.field, ""),
                    link.notion_seen.get(d.field, ""),
                    link.tool_seen.get(d.field, ""),
                ),
            ),
        )
        for d in decisions
    ]


def _notion_fields(p: _Pair, page: dict[str, Any]) -> TaskFields:
    p.people.update(p.schema.people_of(page))
    if page.get("in_trash") or page.get("archived"):
        markdown = ""
    else:
        markdown = str(p.notion.retrieve_markdown(page["id"]).get("markdown") or "")
    return p.schema.from_page(page, markdown, p.people)


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


def _page_for_issue(p: _Pair, issue: dict[str, Any]) -> dict[str, Any]:
    """The page of an issue made in the tool: the one a crashed earlier try made (after the claim), or a
    new one holding the issue's :data:`SYNC_KEY`, by which a retry or a scan finds it before its link."""
    fields, item_id = p.tracker.fields(issue), p.tracker.issue_id(issue)
    key = sync_key_of(p.tracker.tool, item_id)
    claimed = p.store.claim_issue(p.tenant_id, item_id, p.now())
    if claimed is not None:  # an earlier try claimed it: did it make the page?
        made = _keyed_page(p, key, item_id) if p.schema.has_sync_key else None
        if made is None and _keyless_then(p, claimed):
            made = _titled_page(p, fields, claimed)
        if made is not None:
            return made
    properties = p.schema.properties(fields.model_dump(), p.people) | p.schema.sync_key_property(key)
    return p.notion.create_page(
        {"type": "data_source_id", "data_source_id": p.connection.data_source_id},
        properties,
        markdown_to_blocks(fields.description)[:100] or None,
    )


def _keyed_page(p: _Pair, key: str, item_id: str) -> dict[str, Any] | None:
    """The page holding ``key`` not linked to another item, or None."""
    keyed = {"property": SYNC_KEY, "rich_text": {"equals": key}}
    for page in p.notion.query_data_source(p.connection.data_source_id, filter=keyed):
        link = p.store.link(p.tenant_id, page["id"].replace("-", ""))
        if link is None or link.issue_id == item_id:
            return page
    return None


def _keyless_then(p: _Pair, claimed: datetime) -> bool:
    """Whether the data source lacked its :data:`SYNC_KEY` when the item was claimed: it has none, or a
    sync task added it since (an earlier try's page holds no key). Otherwise no title is looked up."""
    added = p.connection.sync_id_added_at
    return not p.schema.has_sync_key or (added is not None and claimed < added)


def _titled_page(p: _Pair, fields: TaskFields, claimed: datetime) -> dict[str, Any] | None:
    """The page of the issue's title made since the claim holding no :data:`SYNC_KEY` (decision 0132)."""
    title = {"property": p.schema.title, "title": {"equals": fields.title}}
    for page in p.notion.query_data_source(p.connection.data_source_id, filter=title):
        if _time(page.get("created_time")) >= claimed - timedelta(seconds=1) and not p.schema.sync_key(page):
            return page
    return None


def _time(value: Any) -> datetime:
    if not isinstance(value, str) or not value:
        return _EPOCH
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return _EPOCH
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
