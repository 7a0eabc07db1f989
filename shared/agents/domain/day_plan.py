"""A workspace's plan for a day, built without a model from its task sources. How to read each
source comes from its schema (status groups, date and priority properties); one bounded query reads
it; the plan's sections are written as Markdown. The page it is written to (one per day in Daily
plans) is named and found by :func:`plan_key`. Pure: the caller reads and writes Notion."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, NamedTuple

from shared.notion.domain.blocks import rich_text
from shared.notion.domain.markdown import literal

PAGE_SIZE = 50  # rows read per source (one query)
FOCUS = 3  # tasks in "Focus for today"
LISTED = 15  # tasks listed per section; the rest counted
WAITING_WORDS = ("wait", "block", "hold")  # a status option naming work that waits on others
DUE_WORDS = ("due", "deadline", "date", "when")
JSON = dict[str, Any]
LEASE = timedelta(minutes=5)  # one writer of a day's page at a time: plan's timeout (300 s)


class Reading(NamedTuple):
    """How to read one task source, from its schema."""

    source_id: str
    status: str | None  # the status (or select) property's name
    status_type: str  # "status" or "select" ("" without one)
    open_options: tuple[str, ...]  # not complete: to-do and in-progress groups
    doing_options: tuple[str, ...]  # the in-progress group
    waiting_options: tuple[str, ...]
    due: str | None  # the date property's name
    priority: str | None  # the priority select's name
    priority_order: tuple[str, ...]  # its options, highest first (schema order)


class Task(NamedTuple):
    page_id: str
    title: str
    url: str
    status: str
    due: date | None
    rank: int  # priority rank: 0 highest; len(order) when unset
    doing: bool
    waiting: bool


def reading(source_id: str, schema: JSON) -> Reading:
    """How to read ``schema`` (a data source object's ``properties``): its status property (a status
    with groups, else a select named Status), its first date property (one named like a due date
    first), its priority select (named Priority)."""
    props = [p for p in schema.values() if isinstance(p, dict)]
    status = _first(props, lambda p: p.get("type") == "status") or _first(
        props, lambda p: p.get("type") == "select" and str(p.get("name", "")).lower() == "status"
    )
    open_options: tuple[str, ...] = ()
    doing: tuple[str, ...] = ()
    options = _options(status) if status else ()
    if status and status.get("type") == "status":
        groups = {g.get("name", ""): set(g.get("option_ids", ())) for g in status["status"].get("groups", [])}
        by_id = {o.get("id"): o.get("name", "") for o in status["status"].get("options", [])}
        complete = {by_id.get(i) for name, ids in groups.items() if name.lower() == "complete" for i in ids}
        doing = tuple(by_id[i] for name, ids in groups.items() if name.lower() == "in progress" for i in ids)
        open_options = tuple(o for o in options if o not in complete)
    elif status:
        open_options = tuple(o for o in options if o.lower() not in ("done", "complete", "completed"))
        doing = tuple(o for o in options if "progress" in o.lower() or "doing" in o.lower())
    dates = [p for p in props if p.get("type") == "date"]
    due = _first(dates, lambda p: any(w in str(p.get("name", "")).lower() for w in DUE_WORDS)) or (
        dates[0] if dates else None
    )
    priority = _first(
        props, lambda p: p.get("type") == "select" and "priorit" in str(p.get("name", "")).lower()
    )
    return Reading(
        source_id=source_id,
        status=status.get("name") if status else None,
        status_type=str(status.get("type", "")) if status else "",
        open_options=open_options,
        doing_options=doing,
        waiting_options=tuple(o for o in open_options if any(w in o.lower() for w in WAITING_WORDS)),
        due=due.get("name") if due else None,
        priority=priority.get("name") if priority else None,
        priority_order=_options(priority) if priority else (),
    )


def query(r: Reading, today: date) -> tuple[JSON | None, list[JSON]]:
    """The filter and sorts that read ``r``'s open tasks: not complete, and (when it has a date) due
    by today or in progress or undated; soonest due first."""
    conditions: list[JSON] = []
    kind = r.status_type
    if r.status and r.open_options:
        conditions.append({"or": [{"property": r.status, kind: {"equals": o}} for o in r.open_options]})
    if r.due:
        near = [{"property": r.due, "date": {"on_or_before": today.isoformat()}}]
        near += [{"property": r.due, "date": {"is_empty": True}}]
        if r.status and r.doing_options:
            near += [{"property": r.status, kind: {"equals": o}} for o in r.doing_options]
        conditions.append({"or": near})
    sorts = [{"property": r.due, "direction": "ascending"}] if r.due else []
    if not conditions:
        return None, sorts
    return (conditions[0] if len(conditions) == 1 else {"and": conditions}), sorts


def task(r: Reading, page: JSON) -> Task:
    """A row of ``r``'s source as a task."""
    props = page.get("properties") or {}
    status = _select_name(props.get(r.status or "")) if r.status else ""
    due = _date(props.get(r.due or "")) if r.due else None
    priority = _select_name(props.get(r.priority or "")) if r.priority else ""
    rank = r.priority_order.index(priority) if priority in r.priority_order else len(r.priority_order)
    return Task(
        page_id=str(page.get("id", "")),
        title=_title(props) or "Untitled",
        url=str(page.get("url", "")),
        status=status,
        due=due,
        rank=rank,
        doing=status in r.doing_options,
        waiting=status in r.waiting_options,
    )


class DayPlan(NamedTuple):
    focus: list[Task]
    due: list[Task]  # due today or overdue
    doing: list[Task]
    left: list[Task]  # planned yesterday, still open
    waiting: list[Task]

    def task_ids(self) -> list[str]:
        """The tasks this plan names (tomorrow's "planned yesterday and not done")."""
        seen = dict.fromkeys(t.page_id for t in (*self.focus, *self.due, *self.doing, *self.left))
        return list(seen)


def plan(tasks: Iterable[Task], today: date, yesterday: Sequence[str] = ()) -> DayPlan:
    """The day's sections from the open tasks: what is due (overdue first), what is in progress, what
    was planned yesterday and is still open, what waits on others. The focus is the first three of
    due, then in progress, by priority then date."""
    open_tasks = sorted(
        {t.page_id: t for t in tasks}.values(), key=lambda t: (t.rank, t.due or date.max, t.title)
    )
    waiting = [t for t in open_tasks if t.waiting]
    active = [t for t in open_tasks if not t.waiting]
    due = sorted((t for t in active if t.due is not None and t.due <= today), key=lambda t: (t.due, t.rank))
    doing = [t for t in active if t.doing and t not in due]
    left = [t for t in active if t.page_id in set(yesterday) and t not in due and t not in doing]
    focus = [*due, *doing, *left][:FOCUS]
    return DayPlan(focus, due, doing, left, waiting)


def markdown(p: DayPlan, today: date) -> str:
    """The plan page's body: a heading per section, each task a link to its page. A task's title is
    one line of plain text (:func:`shared.notion.domain.markdown.literal`): line breaks, ``#``, ``-`` or
    ``**`` in it add no heading, list item or formatting."""
    lines: list[str] = []
    for heading, tasks in (
        ("Focus for today", p.focus),
        ("Due or overdue", p.due),
        ("In progress", p.doing),
        ("Planned yesterday, not done", p.left),
        ("Waiting on others", p.waiting),
    ):
        lines += [f"## {heading}", *(_line(t, today) for t in tasks[:LISTED])]
        if len(tasks) > LISTED:
            lines.append(f"- and {len(tasks) - LISTED} more")
        if not tasks:
            lines.append("Nothing.")
        lines.append("")
    return "\n".join(lines).rstrip()


def decisions(titles: Sequence[str], total: int) -> str:
    """The plan's section of the runs that wait for a person's decision: each run's title as one line
    of plain text, at most :data:`LISTED`, the rest of ``total`` counted. Before, the page said
    "Nothing" under "Waiting on others" while 21 runs waited."""
    lines = ["", "", "## Waiting for a decision"]
    lines += [f"- {literal(t) or 'A run'}: approve or reject it in Notion Agent" for t in titles[:LISTED]]
    if total > min(len(titles), LISTED):
        lines.append(f"- and {total - min(len(titles), LISTED)} more")
    if not total:
        lines.append("Nothing.")
    return "\n".join(lines)


class MeetingLine(NamedTuple):
    """A meeting of the day from a connected calendar (shared.calendar): ``key`` the same for one
    meeting in several attendees' calendars; ``title`` the event's writer's words."""

    start: datetime
    end: datetime
    title: str
    key: str


def meetings(found: Sequence[MeetingLine], zone: tzinfo) -> str:
    """The plan's section of the day's meetings, soonest first, each once (by ``key``), its local
    times and its title as plain text; at most :data:`LISTED`, the rest counted; "" when none."""
    seen: dict[str, MeetingLine] = {}
    for m in sorted(found, key=lambda m: m.start):
        seen.setdefault(m.key, m)
    if not seen:
        return ""
    rows = list(seen.values())
    lines = ["", "", "## Meetings"]
    lines += [
        f"- {m.start.astimezone(zone):%H:%M}-{m.end.astimezone(zone):%H:%M} {literal(m.title) or 'A meeting'}"
        for m in rows[:LISTED]
    ]
    if len(rows) > LISTED:
        lines.append(f"- and {len(rows) - LISTED} more")
    return "\n".join(lines)


def failing(agents: Sequence[tuple[str, int, int]]) -> str:
    """The plan's section of the agents that started failing (``records.started_failing``): each
    ``(name, failed, runs)`` of its last 7 days as one line of plain text; "" when none did."""
    if not agents:
        return ""
    lines = ["", "", "## Agents that started failing"]
    lines += [
        f"- {literal(name) or 'An agent'}: {failed} of its {runs} runs of the last 7 days failed; "
        "see its record in Notion Agent"
        for name, failed, runs in agents[:LISTED]
    ]
    if len(agents) > LISTED:
        lines.append(f"- and {len(agents) - LISTED} more")
    return "\n".join(lines)


def _line(t: Task, today: date) -> str:
    title = literal(t.title) or "Untitled"  # a person's words: one line of plain text, never Markdown
    link = f"[{title}]({t.url})" if t.url.startswith("https://") else title
    when = ""
    if t.due is not None:
        days = (today - t.due).days
        when = (
            " (overdue by 1 day)"
            if days == 1
            else f" (overdue by {days} days)"
            if days > 1
            else " (due today)"
        )
    return f"- {link}{when}"


def _first(props: list[JSON], test: Any) -> JSON | None:
    return next((p for p in props if test(p)), None)


def _options(prop: JSON) -> tuple[str, ...]:
    config = prop.get(prop.get("type", "")) or {}
    return tuple(str(o.get("name", "")) for o in config.get("options", []) if o.get("name"))


def _select_name(value: JSON | None) -> str:
    if not value:
        return ""
    chosen = value.get(value.get("type", "")) or {}
    return str(chosen.get("name", "")) if isinstance(chosen, dict) else ""


def _date(value: JSON | None) -> date | None:
    start = ((value or {}).get("date") or {}).get("start")
    try:
        return date.fromisoformat(str(start)[:10]) if start else None
    except ValueError:
        return None


def _title(props: JSON) -> str:
    for value in props.values():
        if isinstance(value, dict) and value.get("type") == "title":
            return "".join(str(t.get("plain_text", "")) for t in value.get("title", [])).strip()
    return ""


def plan_key(day: date) -> str:
    """The day's page's ``Run id`` and the marker of its section: one per workspace and day."""
    return f"day-plan-{day:%Y%m%d}"


def page_title(day: date) -> str:
    return f"Plan for {day.isoformat()}"


def page_properties(day: date) -> JSON:
    """The Daily plans row of ``day`` (shared.workspace.domain.agent_home.SCHEMAS): Plan, Day and Run id."""
    return {
        "Plan": {"title": rich_text(page_title(day))},
        "Day": {"date": {"start": day.isoformat()}},
        "Run id": {"rich_text": rich_text(plan_key(day))},
    }


def page_filter(day: date) -> JSON:
    """The query that finds ``day``'s page in Daily plans: its Day and its Run id."""
    return {
        "and": [
            {"property": "Day", "date": {"equals": day.isoformat()}},
            {"property": "Run id", "rich_text": {"equals": plan_key(day)}},
        ]
    }


def unread(source_ids: Sequence[str]) -> str:
    """The Markdown that names the sources a plan could not read (none: "")."""
    if not source_ids:
        return ""
    lines = [f"- data source {s}: not shared with the integration, or deleted" for s in source_ids]
    return "\n".join(["", "## Not read", *lines])
