"""A workspace's plan of the day, without a model: one page a day in its Daily plans database, written
when daily planning's task for that day runs (``POST /day-plan`` on plan). Bounded: per task source
one schema read and one query of at most ``day_plan.PAGE_SIZE`` rows; then the page's writes. Once
per workspace and day: found again by its stored id or by a query on its Day and Run id, and
replaced. Rules and assumptions: docs/notion-home.md, "Daily plan page"."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any, Literal

from shared.agents.domain import day_plan, records
from shared.agents.domain.day_plan_task import DayPlanTask
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.domain.provenance import marker_url
from shared.notion.services import notion_text as nt
from shared.platform.errors import PermanentError
from shared.platform.topology import Queue
from shared.runs.domain.state import RunStatus
from shared.workspace.domain import day_plans
from shared.workspace.domain.agent_home import HomeDatabase, is_trashed
from shared.workspace.domain.daily import zone_of
from shared.workspace.domain.tenants import Tenant, TenantStatus

if TYPE_CHECKING:
    from shared.notion.ports import TenantNotion
    from shared.runs.services.deps import Deps

log = logging.getLogger(__name__)
MAX_NOTE = 20_000  # NotifyTask.text's bound
type Outcome = Literal["created", "replaced", "notified", "skipped"]
type DayMeetings = Callable[[str, datetime, datetime], Sequence[day_plan.MeetingLine]]


def write_day_plan(task: DayPlanTask, deps: Deps, meetings: DayMeetings | None = None) -> Outcome:
    """Write the plan of ``task.day``: created in Daily plans, or the day's page replaced (title and
    body). Without a Daily plans database (onboarding not done) the plan is sent as a notification,
    once that day. Skipped when the tenant is gone or not active, the plan is off, or it has no source.
    ``meetings``: the tenant's meetings starting in a window, listed when the deployment has calendars."""
    tenant = deps.need_tenants().get(task.tenant_id, fresh=True)
    sources = tenant.plan_sources() if tenant is not None else []
    if tenant is None or tenant.status != TenantStatus.ACTIVE or not sources:
        log.info(
            "no daily plan: the workspace is gone, not active, wants none or has no task source",
            extra={"fields": {"tenant": task.tenant_id}},
        )
        return "skipped"
    notion = deps.need_notion(task.tenant_id)
    tasks, failed = _read(notion, sources, task.day)
    yesterday = deps.need_tenants().kept_day_plan(task.tenant_id, _day(task.day - timedelta(days=1)))
    planned = day_plan.plan(tasks, task.day, yesterday.task_ids if yesterday else ())
    waiting, decisions = _decisions(deps, task.tenant_id)
    text = day_plan.markdown(planned, task.day) + _meetings(tenant, task.day, meetings) + decisions
    text += _failing(deps, task.tenant_id, task.day)
    text += day_plan.unread(failed)
    home = tenant.home.daily_plans if tenant.home is not None else None
    if home is None:
        return _notify(deps, tenant, task.day, text)
    now = deps.clock()
    claimed = deps.need_tenants().claim_day_plan(task.tenant_id, _day(task.day), now, now + day_plan.LEASE)
    try:
        link = marker_url(deps.settings.frontend_url, day_plan.plan_key(task.day))
        page_id, url, outcome = _write(notion, home, claimed.page_id, task.day, text, link=link)
    except PermanentError as exc:  # the Daily plans database deleted, or no longer shared
        log.warning("daily plan: Daily plans could not be written: %s", exc.reason)
        return _notify(deps, tenant, task.day, text)
    kept = day_plans.Kept(page_id, tuple(planned.task_ids()), text, url, waiting)
    deps.need_tenants().keep_day_plan(task.tenant_id, _day(task.day), kept, now + day_plans.KEPT)
    return outcome


def _meetings(tenant: Tenant, day: date, meetings: DayMeetings | None) -> str:
    """The section of the meetings of ``day`` in the workspace's time zone ("" without calendars)."""
    if meetings is None:
        return ""
    zone = zone_of(tenant.settings.timezone) or UTC
    start = datetime.combine(day, time(), zone)
    return day_plan.meetings(meetings(tenant.tenant_id, start, start + timedelta(days=1)), zone)


def _decisions(deps: Deps, tenant_id: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """The runs waiting for a decision listed (run id, title) and their section: the held runs (one
    query), at most ``day_plan.LISTED`` of them read, those paused left out."""
    held = deps.store.held(tenant_id)
    read = [deps.store.get_run(tenant_id, i) for i in held[: day_plan.LISTED]]
    waiting = [r for r in read if r is not None and r.state.status == RunStatus.WAITING_FOR_HUMAN]
    listed = tuple((r.run_id, r.state.title) for r in waiting[: day_plan.LISTED])
    return listed, day_plan.decisions([r.state.title for r in waiting], len(waiting) + len(held) - len(read))


def _failing(deps: Deps, tenant_id: str, day: date) -> str:
    """The section of the workspace's agents that started failing by ``day``: each agent's
    record read from its day documents (one listing, then one batched read an agent; no run read)."""
    store = deps.agents()
    if store is None:
        return ""
    named = []
    for agent in store.list_for(tenant_id):
        record = records.record_of(
            agent.agent_id, store.days_of(tenant_id, agent.agent_id, records.days_back(day)), day
        )
        if records.started_failing(record):
            week = record.windows[0]
            named.append((agent.name, week.failed, week.runs))
    return day_plan.failing(named)


def _write(
    notion: TenantNotion, home: HomeDatabase, page_id: str, day: date, text: str, *, link: str
) -> tuple[str, str, Outcome]:
    """Replace the day's page's title and section (signed with ``link``), or create it; its id, its
    URL and what was done."""
    page = _page(notion, home, page_id, day)
    key = day_plan.plan_key(day)
    appends = nt.section(link, text)
    if page is None:
        parent = {"type": "data_source_id", "data_source_id": home.data_source_id}
        made = nt.create_with_section(notion, parent, day_plan.page_properties(day), appends)
        return str(made["id"]), str(made.get("url") or ""), "created"
    found = str(page["id"])
    notion.update_page_properties(found, day_plan.page_properties(day))
    nt.clear_section(notion, found, key)
    nt.write_section(notion, found, appends)
    return found, str(page.get("url") or ""), "replaced"


def _day(day: date) -> str:
    return f"{day:%Y%m%d}"


def _read(notion: TenantNotion, sources: list[str], today: date) -> tuple[list[day_plan.Task], list[str]]:
    """The open tasks of each source: its schema, then one query of at most PAGE_SIZE rows. A source
    Notion refuses (not shared, deleted, a filter it rejects) is named in the plan, not retried."""
    tasks: list[day_plan.Task] = []
    failed: list[str] = []
    for source in sources:
        try:
            schema = notion.retrieve_data_source(source).get("properties") or {}
            reading = day_plan.reading(source, schema)
            where, sorts = day_plan.query(reading, today)
            rows = islice(notion.query_data_source(source, where, sorts or None), day_plan.PAGE_SIZE)
            tasks += [day_plan.task(reading, row) for row in rows]
        except PermanentError as exc:
            log.warning("daily plan: a task source could not be read: %s", exc.reason)
            failed.append(source)
    return tasks, failed


def _page(notion: TenantNotion, home: HomeDatabase, page_id: str, day: date) -> dict[str, Any] | None:
    """The day's page: the stored one if alive, else the one a query on its Day and Run id finds (a
    page created by an attempt that ended before storing its id)."""
    if page_id:
        try:
            page = notion.retrieve_page(page_id)
        except PermanentError:  # deleted for good, or no longer shared
            page = None
        if page is not None and not is_trashed(page):
            return page
    found = notion.query_data_source(home.data_source_id, day_plan.page_filter(day))
    return next((p for p in found if not is_trashed(p)), None)


def _notify(deps: Deps, tenant: Tenant, day: date, text: str) -> Outcome:
    """The plan as a notification, once that day (its id names the day), for a workspace whose agent
    has no Daily plans database yet."""
    note = NotifyTask(
        notification_id=day_plan.plan_key(day),
        tenant_id=tenant.tenant_id,
        subject=day_plan.page_title(day),
        text=nt.clip(text, MAX_NOTE),
        data={"kind": "day_plan"},
    )
    deps.queue.enqueue(Queue.NOTIFY, note, f"notify:{tenant.tenant_id}:{note.notification_id}")
    log.info(
        "daily plan sent as a notification: no Daily plans database",
        extra={"fields": {"tenant": tenant.tenant_id}},
    )
    return "notified"
