"""What a run's page shows of its log: each step's tool, arguments, result, duration, attempts and
errors, the plan's steps still ahead, and who or what started it. Arguments and results pass
:func:`shown` first: a value under a secret-like name, or a string like a token, never leaves."""

from __future__ import annotations

import re
from typing import Any

from shared.platform.logs import REDACTED, redact
from shared.runs.domain.events import (
    ErrorRecorded,
    PlannedStep,
    RunEvent,
    RunPlanned,
    RunReplanned,
    ToolIntent,
    ToolResult,
)
from shared.runs.domain.plan_task import source_of
from shared.runs.domain.state import Run

_SECRET_NAME = re.compile(
    r"(?i)(token|secret|passw|authorization|api[_-]?key|cookie|credential|private[_-]?key|signature)"
)
_TEXT_LIMIT = 20_000  # characters of one string shown; the rest is cut with a mark
_DEPTH = 8


def shown(value: Any, depth: int = 0) -> Any:
    """``value`` as the api may show it: secret-named fields masked, token-like strings redacted,
    long strings cut, nesting past ``_DEPTH`` dropped."""
    if depth > _DEPTH:
        return "…"
    if isinstance(value, dict):
        return {
            str(k): REDACTED if _SECRET_NAME.search(str(k)) else shown(v, depth + 1) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [shown(v, depth + 1) for v in value]
    if isinstance(value, str):
        text = redact(value)
        return text if len(text) <= _TEXT_LIMIT else text[:_TEXT_LIMIT] + "… (cut)"
    return value


def shown_event(event: RunEvent) -> dict[str, Any]:
    """An event of the log as the timeline shows it: its arguments, output and call through :func:`shown`."""
    data = event.model_dump(mode="json")
    for name in ("args", "output", "call", "steps"):
        if name in data:
            data[name] = shown(data[name])
    return data


def plan_of(log: list[RunEvent]) -> list[PlannedStep]:
    """The run's steps, numbered from 1 by their place: the plan's, then each later phase's."""
    steps: list[PlannedStep] = []
    for event in log:
        if isinstance(event, RunPlanned | RunReplanned):
            steps.extend(event.steps)
    return steps


def steps(log: list[RunEvent]) -> list[dict[str, Any]]:
    """One row per step the run reached: its tool, arguments, result, start, duration in ms, attempts
    and errors, times as ISO 8601 strings. A step with no intent (a read) starts at the event before
    its first one."""
    plan = plan_of(log)
    rows: dict[int, dict[str, Any]] = {}
    before = None
    for event in log:
        step = getattr(event, "step", None)
        if isinstance(event, ToolIntent | ToolResult | ErrorRecorded) and isinstance(step, int) and step >= 1:
            row = rows.get(step)
            if row is None:
                planned = plan[step - 1] if step <= len(plan) else None
                row = rows[step] = {
                    "step": step,
                    "tool": planned.tool if planned else getattr(event, "tool", ""),
                    "args": shown(planned.args) if planned else {},
                    "rationale": shown(planned.rationale) if planned else "",
                    "status": "running",
                    "started_at": before.at if before is not None else event.at,
                    "finished_at": None,
                    "duration_ms": None,
                    "attempts": 0,
                    "errors": [],
                    "output": None,
                }
            _fold_step(row, event)
        before = event
    return [_dated(rows[k]) for k in sorted(rows)]


def _dated(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its times as ISO 8601 strings, as the api's schema says (JSON has no dates)."""
    row["started_at"] = row["started_at"].isoformat()
    row["finished_at"] = row["finished_at"].isoformat() if row["finished_at"] else None
    row["errors"] = [e | {"at": e["at"].isoformat()} for e in row["errors"]]
    return row


def _fold_step(row: dict[str, Any], event: ToolIntent | ToolResult | ErrorRecorded) -> None:
    if isinstance(event, ToolIntent):
        if row["attempts"] == 0:
            row["started_at"] = event.at
        row["attempts"] = max(row["attempts"], event.attempt)
        row["tool"], row["args"] = event.tool, shown(event.args)
    elif isinstance(event, ErrorRecorded):
        row["errors"].append({"at": event.at, "error": str(event.error), "message": redact(event.message)})
        row["status"] = "failed"
    else:
        row["attempts"] = max(row["attempts"], 1)
        row["tool"], row["output"], row["status"] = event.tool, shown(event.output), "done"
        row["finished_at"] = event.at
        row["duration_ms"] = max(0, int((event.at - row["started_at"]).total_seconds() * 1000))


def remaining(run: Run, log: list[RunEvent]) -> list[dict[str, Any]]:
    """The plan's steps not yet done, from the one the run is at: what it will do once let go."""
    plan = plan_of(log)
    done = {e.step for e in log if isinstance(e, ToolResult)}
    ahead = range(max(run.state.cursor, 1), len(plan) + 1)
    return [
        {"step": n, "tool": plan[n - 1].tool, "args": shown(plan[n - 1].args)} for n in ahead if n not in done
    ]


HIDDEN = "(hidden: this run read with the owner's reach, beyond yours)"
# What a run's events and rows may hold of what it read or wrote: workspace text, the model's words,
# a person's goal and the title of the page it started from (decision 0147).
_CONTENT = frozenset(
    {
        "args",
        "output",
        "call",
        "rationale",
        "summary",
        "text",
        "answer",
        "message",
        "reason",
        "goal",
        "page_title",
        "title",
        "before",
    }
)
_REQUEST = frozenset({"prompt", "options"})  # a request's words: read by those who may decide it


def within_viewer(body: dict[str, Any], *, decides: bool = False) -> dict[str, Any]:
    """A run's timeline (``runs.timeline``) as a person without the owner's reach sees a run that had it.
    Every argument, result, rationale, summary, goal, title and error message says
    :data:`HIDDEN` (the plan's steps' too); what it wrote keeps its links and tools. Ids, tools,
    states, times and costs stay; a request's prompt stays only for a person who may decide it
    (``decides``, decision 0147)."""
    content = _CONTENT if decides else _CONTENT | _REQUEST
    hidden = {
        k: _hide(v, content) if k in ("events", "step_rows", "remaining") else v for k, v in body.items()
    }
    hidden["summary"] = HIDDEN if body.get("summary") else ""
    hidden["wrote"] = [{"tool": w["tool"], "url": w["url"], "what": w["tool"]} for w in body.get("wrote", [])]
    return hidden


def summary_within_viewer(summary: dict[str, Any], *, decides: bool) -> dict[str, Any]:
    """A run's summary (a row of ``GET /runs``, the head of its timeline, a related run) as a person
    without the owner's reach sees a run that had it (decision 0147). Its title, goal, summary and its
    page's title say :data:`HIDDEN`. So does a waiting request's prompt, unless the person may decide
    it (``decides``: the role the owner lets decide it reads it). Ids, states, times, costs and who
    started it stay."""
    shown = dict(summary)
    for key in ("goal", "title", "summary"):
        if shown.get(key):
            shown[key] = HIDDEN
    waiting = shown.get("waiting")
    if isinstance(waiting, dict) and not decides:
        shown["waiting"] = waiting | {"prompt": HIDDEN, "options": []}
    started = shown.get("started_by")
    if isinstance(started, dict) and started.get("page_title"):
        shown["started_by"] = started | {"page_title": HIDDEN}
    return shown


def _hide(value: Any, content: frozenset[str]) -> Any:
    if isinstance(value, list):
        return [_hide(v, content) for v in value]
    if not isinstance(value, dict):
        return value
    return {k: _blank(v) if k in content else _hide(v, content) for k, v in value.items()}


def _blank(value: Any) -> Any:
    """``value`` hidden, of the same JSON type (the contract's schema still holds): text and an
    object say :data:`HIDDEN`, a list is empty; nothing, a number or a flag stays."""
    if isinstance(value, str):
        return HIDDEN if value else value
    if isinstance(value, dict):
        return {"hidden": HIDDEN} if value else value
    if isinstance(value, list):
        return []
    return value


_BY = {
    "webhook": "an edit in Notion",
    "api": "a call to the api",
    "schedule": "a schedule",
    "manual": "a person, by hand",
}


# Where a run was asked (RunPlanned.source), in words: what started it, before its trigger's kind.
_FROM = {
    "slack": "a message in Slack",
    "mail": "a mail to the agent's address",
    "meeting": "a meeting in a connected calendar",
}


def _by_parent(run_id: str, parent_run_id: str) -> str:
    """What started a child, in words: its parent run, by a map or a hand-off (map and
    hand-off children said "a call to the api")."""
    how = "a parallel map of" if re.search(r"-m\d+-\d+$", run_id) else "a hand-off from"
    return f"{how} its parent run {parent_run_id}"[:200]


def started_words(
    trigger: str, run_id: str, parent_run_id: str, rule: str, people: int, *, source: str = ""
) -> str:
    """What started a run, in words. A revision: what asked for it (its rule: a review
    comment on GitHub, a reply in Notion). Another child: its parent. One asked in Slack, by mail or
    by a meeting (``source``): that. A routine's Run now (a ``schedule`` trigger a person asked for):
    that person. Else its trigger's kind."""
    if parent_run_id and rule:
        return f"a revision asked by {rule}"[:200]
    if parent_run_id:
        return _by_parent(run_id, parent_run_id)
    if source in _FROM:
        return _FROM[source]
    if trigger == "schedule" and people:
        return "a person, by hand (a routine's Run now)"
    return _BY.get(trigger, trigger)


def started_by(log: list[RunEvent], run_id: str = "") -> dict[str, Any] | None:
    """Who or what started the run, as its plan records it; None for a log without a plan. A child
    (``parent_run_id``) was started by its parent run, whatever its trigger's kind."""
    planned = next((e for e in log if isinstance(e, RunPlanned)), None)
    if planned is None:
        return None
    parent = planned.parent_run_id
    source = planned.source or source_of(planned.thread, planned.event_type)  # a plan before source
    return {
        "trigger": planned.trigger,
        "what": started_words(
            planned.trigger, run_id, parent, planned.rule, len(planned.people), source=source
        ),
        "member": planned.member,
        "page_id": planned.page_id,
        "page_title": planned.page_title or None,
        "people": [p.model_dump() for p in planned.people],
        "rule": planned.rule or None,
        "event_type": planned.event_type or None,
        "slot": planned.slot or None,
        "agent_id": planned.agent_id or None,
        "agent_name": planned.agent_name or None,
        "parent_run_id": planned.parent_run_id or None,
        "link": planned.source_link or None,
        "source": source or None,
    }
