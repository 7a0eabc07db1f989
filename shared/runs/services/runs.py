"""Runs for people: asking for one (``POST /runs``), the list and the timeline (``GET /runs``,
``GET /runs/{id}``). Past the limit: one job, what a person asks of runs and reads of them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.platform.topology import Queue
from shared.runs.domain.approval_digests import page_digest
from shared.runs.domain.code_view import approval_change, code_view
from shared.runs.domain.events import HumanRequested, RunEvent, RunPlanned, RunStatus, ToolIntent, ToolResult
from shared.runs.domain.page_links import NOTION_WEB, known_urls, page_link, web_url
from shared.runs.domain.plan_task import PlanTask, Trigger, page_key, source_of
from shared.runs.domain.run_search import RunFilter, search_terms
from shared.runs.domain.state import Run, RunState, role_needed
from shared.runs.services import run_view
from shared.team.services.sessions import require_connected
from shared.workspace.domain.members import Approvers, at_least
from shared.workspace.domain.skipped_edits import KEEP
from shared.workspace.domain.tenants import EventSeen, TenantStatus

if TYPE_CHECKING:
    from shared.platform.ports import TaskQueue
    from shared.runs.ports import RunStore
    from shared.workspace.ports import TenantStore, WebhookEventLedger

# How long a ``request_id`` is remembered with what it asked for, so that it cannot name a different
# request: the same id with another goal or page within this time is refused (409). After it, such a
# request is a different run anyway (its id carries the request's fingerprint), so nothing is lost.
REQUEST_MEMORY = timedelta(days=7)
ENDED = {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.ROLLED_BACK}


def request_run(
    tenant_id: str,
    goal: str,
    page_id: str | None,
    request_id: str | None,
    *,
    tenants: TenantStore,
    requests: WebhookEventLedger,
    queue: TaskQueue,
    by_owner: bool,
    now: datetime | None = None,
    person: str = "",
    agent_id: str | None = None,
) -> dict[str, Any]:
    """Queue the planning of a run a person asked for (``agent_id``: of that agent, else of none). ``person``: the Notion user id of who asked
    (recorded in its plan as who started it). ``by_owner``: whether their run has the owner's reach
    (``Tenant.owner_reach``; else it is a member's). The workspace must be usable (planning
    drops the run of one that is not, so it is refused here, with nothing queued).

    With a ``request_id`` the run is named from it and from what was asked, so a retry of the request
    queues nothing new. The id is recorded first, so reusing it for a different request is refused
    instead of being answered with the first request's run."""
    check_usable(tenant_id, tenants)
    if request_id is None:
        run_id = f"api-{uuid.uuid4().hex[:16]}"
    else:
        page = page_key(page_id) if page_id else None  # one page, with or without its hyphens
        named = [goal, page, agent_id] if agent_id else [goal, page]  # a run of none: named as before
        asked = json.dumps(named).encode()  # ASCII: a lone surrogate is escaped, not an error
        fingerprint = hashlib.sha256(asked).hexdigest()[:16]
        now = now or datetime.now(UTC)
        kind = f"api.run_requested:{fingerprint}"
        record = requests.record(
            tenant_id, f"request-{request_id}", EventSeen(kind, now, now + REQUEST_MEMORY)
        )
        if record.event_type != kind:
            raise Conflict(
                f"request_id {request_id} was already used for a different goal or page: "
                "use a new request_id for a new request"
            )
        run_id = f"api-{request_id}-{fingerprint}"
    trigger = Trigger(kind="api", page_id=page_id, by_owner=by_owner, people=[person] if person else [])
    return _queue(tenant_id, run_id, goal, trigger, queue, agent_id=agent_id)


def run_again(
    tenant_id: str,
    run_id: str,
    request_id: str | None,
    *,
    store: RunStore,
    tenants: TenantStore,
    queue: TaskQueue,
    by_owner: bool,
    person: str = "",
    beyond: bool = False,
) -> dict[str, Any]:
    """Queue a new run with the goal and the page of one of the owner's runs, started by ``person`` (a
    Notion user id) by hand (trigger ``manual``). It has the narrower of the reach of the run it
    repeats and its starter's (``by_owner``: ``Tenant.owner_reach``). A member's run again reads only within
    its trigger's reach (``Trigger.member``); ``beyond``: its page lies beyond it, so planning waits for
    an approval before reading it (decision 0147). With a ``request_id``, a retry names the same new run
    (nothing more is queued: planning creates a run once)."""
    run = owned_run(tenant_id, run_id, store, tenants)
    check_usable(tenant_id, tenants)
    suffix = request_id or uuid.uuid4().hex[:12]
    digest = hashlib.sha256(f"{run_id}:{suffix}".encode()).hexdigest()[:16]
    people = [person] if person else []
    owner = by_owner and not run.state.member
    trigger = Trigger(
        kind="manual", page_id=run.state.page_id, by_owner=owner, people=people, beyond=beyond and not owner
    )
    return _queue(tenant_id, f"again-{digest}", run.state.goal, trigger, queue)


def page_let_in(run: Run) -> bool:
    """Whether ``run``'s page lay beyond its starter's reach (decision 0147): it waits or waited for an
    approval to start from it, granted or not. Repeated, such a page is held to the new starter's reach."""
    return run.state.page_beyond or page_digest(run.state.page_id) in run.state.approved


def check_usable(tenant_id: str, tenants: TenantStore) -> None:
    """Refused (409 or 401) unless the workspace may start runs now: connected, and Notion takes its token."""
    tenant = require_connected(tenant_id, tenants)
    if tenant.status == TenantStatus.NEEDS_RECONNECT:
        raise Conflict("Notion refused this workspace's access: connect it again to start runs")


def _queue(
    tenant_id: str, run_id: str, goal: str, trigger: Trigger, queue: TaskQueue, *, agent_id: str | None = None
) -> dict[str, Any]:
    task = PlanTask(tenant_id=tenant_id, run_id=run_id, goal=goal, trigger=trigger, agent_id=agent_id)
    queue.enqueue(Queue.PLAN, task, f"plan:{tenant_id}:{run_id}")
    return {"run_id": run_id, "status": "planning"}


def duration_ms(run: Run) -> int | None:
    """From its start to its end (its last write once ended); None while it has not ended."""
    if run.state.status not in ENDED:
        return None
    return max(0, int((run.updated_at - (run.state.started_at or run.created_at)).total_seconds() * 1000))


def _summary(run: Run) -> dict[str, Any]:
    s = run.state
    return {
        "run_id": run.run_id,
        "status": s.status.value,
        "trigger": s.trigger or None,
        "started": run_view.started_words(
            s.trigger,
            run.run_id,
            s.parent_run_id,
            s.rule,
            len(s.people),
            source=s.source or source_of(s.thread, ""),
        )
        if s.trigger
        else None,
        "goal": s.goal,
        "title": s.title,
        "cursor": s.cursor,
        "steps": len(s.steps),
        "risk": s.risk.value,
        "prompt_version": s.prompt_version,
        "cost_usd": s.cost_usd,
        "children_cost_usd": s.children_cost_usd,
        "summary": s.summary,
        "waiting": s.waiting.model_dump() if s.waiting else None,
        "agent_id": s.agent_id or None,
        "agent_name": s.agent_name or None,
        "instructions_hash": s.instructions_hash or None,
        "instructions_edited_at": s.instructions_edited_at.isoformat() if s.instructions_edited_at else None,
        "parent_run_id": s.parent_run_id or None,
        "chain": list(s.chain),
        "created_at": run.created_at.isoformat(),
        "updated_at": run.updated_at.isoformat(),
        "duration_ms": duration_ms(run),
    }


def owner_since(tenant_id: str, tenants: TenantStore) -> datetime | None:
    """When the workspace's current owner connected, read past any cache: an owner who just
    connected must not see, for a cache's minute, runs of the one before."""
    tenant = tenants.get(tenant_id, fresh=True)
    return tenant.owner_since if tenant is not None else None


def list_runs(
    tenant_id: str,
    store: RunStore,
    tenants: TenantStore,
    *,
    limit: int = 25,
    status: str | None = None,
    trigger: str | None = None,
    agent: str | None = None,
    words: tuple[str, ...] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    viewer: Viewer | None = None,
) -> dict[str, Any]:
    """One page of the current owner's runs, newest first (not an earlier owner's:
    ``Tenant.owner_since``), with the cursor of the next page (None: this is the last). ``viewer``:
    who asks, when not someone with the owner's reach; they see a run that had it as
    :meth:`Viewer.summary` says, and a search of words never finds one (its words are hidden).

    Firestore asks for the first of ``words``; the others filter the page it read, so a page of a
    search of several words may hold fewer than ``limit`` runs while ``next_cursor`` still names more."""
    after = decode_cursor(cursor) if cursor else None
    owner = owner_since(tenant_id, tenants)
    start = max((t for t in (owner, since) if t is not None), default=None)
    term = words[0] if words else ""
    where = RunFilter(
        status=status, trigger=trigger, agent=agent, term=term, since=start, until=until, after=after
    )
    found = store.list_runs(tenant_id, limit + 1, where)
    page = found[:limit]
    more = len(found) > limit
    shown = [r for r in page if set(words) <= set(search_terms(r.state))]
    if viewer is not None and words:  # its goal's words are not theirs to search for
        shown = [r for r in shown if not viewer.hides(r)]
    rows = [viewer.summary(r, _summary(r)) if viewer is not None else _summary(r) for r in shown]
    return {"runs": rows, "next_cursor": encode_cursor(page[-1]) if more else None}


class Viewer:
    """A person without the owner's reach (``Tenant.owner_reach`` false for their role), reading runs
    (decision 0147): a run that had the owner's reach shows them its ids, states, times and
    costs, its words hidden, saying so (:func:`run_view.summary_within_viewer`)."""

    def __init__(self, role: str, approvers: Approvers) -> None:
        self.role, self.approvers = role, approvers

    @classmethod
    def of(cls, tenants: TenantStore, tenant_id: str, role: str) -> Viewer | None:
        """The viewer of ``role``; None for a role with the owner's reach (they see every run whole)."""
        tenant = tenants.get(tenant_id)
        if tenant is None or tenant.owner_reach(role):
            return None
        return cls(role, tenant.approvers)

    def hides(self, run: Run) -> bool:
        """Whether ``run`` had the owner's reach, so its words are hidden from this viewer."""
        return not run.state.member

    def decides(self, run: Run) -> bool:
        """Whether this viewer's role may decide what ``run`` waits for (then they read its prompt)."""
        waiting = run.state.waiting
        return waiting is not None and at_least(self.role, role_needed(self.approvers, waiting))

    def summary(self, run: Run, summary: dict[str, Any]) -> dict[str, Any]:
        """``summary`` of ``run`` as this viewer sees it."""
        if not self.hides(run):
            return summary
        return run_view.summary_within_viewer(summary, decides=self.decides(run))


def skipped_edits(
    tenant_id: str,
    events: WebhookEventLedger,
    tenants: TenantStore,
    now: datetime,
    limit: int = 50,
    *,
    title_of: Callable[[str], str] = lambda _page: "",
) -> dict[str, Any]:
    """The edits trigger rules skipped in the last week (``shared.workspace.domain.skipped_edits``), newest
    first; none from before the current owner connected, as with runs. Each names its page's ``title``
    as ``title_of`` reads it now (once per page; "" when it cannot be read: trashed, no longer shared)."""
    owner = owner_since(tenant_id, tenants)
    since = max(now - KEEP, owner) if owner is not None else now - KEEP
    kept = events.skipped(tenant_id, since, limit)
    titles: dict[str, str] = {}
    for edit in kept:
        if edit.page_id not in titles:
            titles[edit.page_id] = title_of(edit.page_id)
    return {
        "edits": [
            e.model_dump(mode="json", exclude={"slot", "expires_at"}) | {"title": titles[e.page_id]}
            for e in kept
        ]
    }


def encode_cursor(run: Run) -> str:
    """Where the next page starts: after this run, in the list's order (opaque to clients)."""
    raw = json.dumps([run.created_at.isoformat(), run.run_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (created_at, run_id) a cursor names; a cursor this api did not make is invalid input."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, run_id = json.loads(raw)
        at = datetime.fromisoformat(created)
        if not isinstance(run_id, str) or at.tzinfo is None:
            raise ValueError(run_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "cursor: not one this api gave: start again from the first page", ["cursor"]
        ) from exc
    return at, run_id


def owned_run(tenant_id: str, run_id: str, store: RunStore, tenants: TenantStore) -> Run:
    """The run, if it is the workspace's current owner's. Another tenant's run is simply not found,
    and so is one of an earlier owner of the workspace (``Tenant.owns``). Its log holds what their
    grant could read, and deciding or resuming it would act on their plan with this owner's token."""
    run = store.get_run(tenant_id, run_id)
    since = owner_since(tenant_id, tenants) if run is not None else None
    if run is None or (since is not None and run.created_at < since):
        raise NotFound(f"run {run_id} was not found")  # run_id: checked by the route (is_run_id)
    return run


def etag_of(run: Run) -> str:
    """A weak validator of what ``GET /runs/{id}`` shows: the log's last event and the document's
    last write (a control or a decision changes one of them)."""
    return f'W/"{run.state.last_seq}-{int(run.updated_at.timestamp() * 1_000_000)}"'


def timeline(
    tenant_id: str,
    run_id: str,
    store: RunStore,
    tenants: TenantStore,
    if_none_match: str = "",
    *,
    viewer: Viewer | None = None,
    web: str = NOTION_WEB,
) -> tuple[dict[str, Any] | None, str]:
    """The run, its events and what it wrote (:func:`owned_run`), with its ETag; None for the body
    when ``if_none_match`` names that ETag: then the events are not read at all. A person without the
    owner's reach (``viewer``) sees a run that had it without what it read or wrote, its words hidden
    (:func:`run_view.within_viewer`, :meth:`Viewer.summary`), under an ETag of its own. ``web``:
    where a page opens by its id alone (settings: notion_web_base_url; :func:`wrote`)."""
    run = owned_run(tenant_id, run_id, store, tenants)
    hide = viewer is not None and viewer.hides(run)
    decides = viewer is not None and viewer.decides(run)
    tag = etag_of(run)[:-1] + ('-hd"' if decides else '-h"') if hide else etag_of(run)
    if tag in {t.strip() for t in if_none_match.split(",")}:
        return None, tag
    log = store.list_events(tenant_id, run_id)
    waiting = run.state.waiting
    tenant = tenants.get(tenant_id) if waiting is not None else None
    shown = {
        # Who may decide what it waits for (the console disables Approve for anyone else)
        "needs": role_needed(tenant.approvers if tenant else Approvers(), waiting) if waiting else None,
        "change": _change(run.state, log),
        "events": [run_view.shown_event(e) for e in log],
        "wrote": wrote(log, web),
        "step_rows": run_view.steps(log),
        "remaining": run_view.remaining(run, log) if run.state.status not in ENDED else [],
        "started_by": run_view.started_by(log, run_id),
    }
    body = _summary(run) | shown
    if viewer is None or not hide:
        return body, tag
    return run_view.within_viewer(viewer.summary(run, body), decides=decides), tag


def _change(state: RunState, log: list[RunEvent]) -> dict[str, Any] | None:
    """The code change the request it waits for asks to approve (:func:`approval_change`), or None."""
    waiting = state.waiting
    if waiting is None or not 0 < waiting.step <= len(state.steps):
        return None
    asked = next(
        (e for e in reversed(log) if isinstance(e, HumanRequested) and e.request_id == waiting.request_id),
        None,
    )
    change = approval_change(asked, state.steps[waiting.step - 1].tool) if asked is not None else None
    return change.model_dump() if change is not None else None


def waiting_change(tenant_id: str, run_id: str, store: RunStore) -> dict[str, Any] | None:
    """The code change a waiting run's request asks to approve (:func:`_change`), reading only its run
    and that request's event (an effect's request id ends with its event's number), for the Inbox."""
    run = store.get_run(tenant_id, run_id)
    waiting = run.state.waiting if run is not None else None
    if run is None or waiting is None or waiting.call is None:
        return None
    seq = waiting.request_id.rsplit("-", 1)[-1]
    event = store.get_event(tenant_id, run_id, int(seq)) if seq.isdigit() else None
    found = isinstance(event, HumanRequested) and event.request_id == waiting.request_id
    return _change(
        run.state, [event] if found and event is not None else store.list_events(tenant_id, run_id)
    )


MAX_CHILDREN_SHOWN = 50  # of a run's children, the first, oldest first (a map may start 200)
MAX_ANCESTORS = 10  # a hand-off chain is bounded lower (handoff_max_depth); this bounds the reads


def related(
    tenant_id: str, run_id: str, store: RunStore, tenants: TenantStore, viewer: Viewer | None = None
) -> dict[str, Any]:
    """A run's lineage both ways: the runs that handed it its work, nearest first, and the runs it
    started (a map's children, its hand-offs) with their status, the first :data:`MAX_CHILDREN_SHOWN`
    and how many. Read afresh each time: a child moves on while its parent's log stands still. A
    ``viewer`` without the owner's reach sees a related run that had it with its words hidden."""
    run = owned_run(tenant_id, run_id, store, tenants)
    since = owner_since(tenant_id, tenants)
    ancestors: list[dict[str, Any]] = []
    parent, seen = run.state.parent_run_id, {run_id}
    while parent and parent not in seen and len(ancestors) < MAX_ANCESTORS:
        seen.add(parent)
        above = store.get_run(tenant_id, parent)
        if above is None or (since is not None and above.created_at < since):
            break  # gone, or an earlier owner's: not this owner's to read
        ancestors.append(_seen(viewer, above, _kin(above)))
        parent = above.state.parent_run_id
    children, total = store.children(tenant_id, run_id, MAX_CHILDREN_SHOWN)
    return {
        "run_id": run_id,
        "chain": list(run.state.chain),
        "ancestors": ancestors,
        "children": [_seen(viewer, c, _kin(c, parent=run_id)) for c in children],
        "children_total": total,
    }


def _seen(viewer: Viewer | None, run: Run, shown: dict[str, Any]) -> dict[str, Any]:
    return viewer.summary(run, shown) if viewer is not None else shown


_CHILD = re.compile(r"-(?:m(?P<map>\d+)-\d+|h(?P<hand>\d+))$")


def _kin(run: Run, *, parent: str = "") -> dict[str, Any]:
    """A related run as the run screen lists it; a child says how its parent started it (a map's
    child or a hand-off) and at which of the parent's steps, read from the id the tool gave it."""
    s = run.state
    found = _CHILD.search(run.run_id) if parent else None
    how = ("map" if found.group("map") else "hand_off") if found else None
    step = int(found.group("map") or found.group("hand")) if found else None
    return {
        "run_id": run.run_id,
        "status": s.status.value,
        "goal": s.goal,
        "title": s.title,
        "agent_name": s.agent_name or None,
        "how": how,
        "step": step,
        "summary": s.summary,
        "created_at": run.created_at.isoformat(),
    }


# What each writing tool did, in words (the console lists it under "What it wrote"); another tool: its name.
_WROTE = {
    "create_page": "created a page",
    "update_properties": "changed properties",
    "append_blocks": "added blocks",
    "add_comment": "commented",
    "update_block": "edited a block",
    "delete_block": "deleted a block",
    "move_block": "moved a block",
    "move_page": "moved a page",
    "archive_page": "archived a page",
    "restore_page": "restored a page",
    "create_database": "created a database",
    "add_file": "added a file",
}


def wrote(log: list[RunEvent], web: str = NOTION_WEB) -> list[dict[str, str]]:
    """What the run's effects did, in order: each step that had an intent (a write to Notion, a pull
    request, a deployment) and names an http(s) URL or a Notion page. Each says what it did in words
    (a comment, the properties it changed); a step's link is named once per tool. A page's link is
    the url Notion gave it wherever the run saw it (its trigger page, a page it read or wrote), else
    its id under ``web``, Notion's web address (settings: notion_web_base_url)."""
    effects = {e.step for e in log if isinstance(e, ToolIntent)}
    known = known_urls(
        [(e.page_id, e.page_url) for e in log if isinstance(e, RunPlanned)]
        + [(e.output.get("page_id"), e.output.get("url")) for e in log if isinstance(e, ToolResult)]
    )
    found: list[dict[str, str]] = []
    for event in log:
        if not isinstance(event, ToolResult) or event.step not in effects:
            continue
        url = web_url(event.output.get("url"))
        if not url:
            url = page_link(event.output.get("page_id") or event.args.get("page_id"), known, web=web)
        if not url or any((item["tool"], item["url"]) == (event.tool, url) for item in found):
            continue
        what = _WROTE.get(event.tool, event.tool)
        changed = event.output.get("properties")
        if isinstance(changed, list) and changed:
            what += ": " + ", ".join(str(p) for p in changed[:10])
        title = event.output.get("title")
        if isinstance(title, str) and title and event.tool == "create_page":
            what += f" “{title[:120]}”"
        found.append({"tool": event.tool, "url": url, "what": what})
    return found


def code_of(
    tenant_id: str, run_id: str, store: RunStore, tenants: TenantStore, viewer: Viewer | None = None
) -> dict[str, Any]:
    """The run's code view (:func:`shared.runs.domain.code_view.code_view`), as JSON; a run this
    workspace's owner cannot see is not found (:func:`owned_run`). A ``viewer`` without the owner's
    reach is refused (403, saying why) the code of a run that had it and touched code: its files are
    what it read. A run that touched none shows them its empty view, as anyone."""
    run = owned_run(tenant_id, run_id, store, tenants)
    tools = {n: s.tool for n, s in enumerate(run.state.steps, start=1)}
    view = code_view(store.list_events(tenant_id, run_id), tools)
    if view.repository and viewer is not None and viewer.hides(run):
        raise Forbidden(f"{run_view.HIDDEN[1:-1]}: its code is not shown to you")
    return view.model_dump(mode="json")
