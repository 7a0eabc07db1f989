"""A run as its row in the agent's Runs database (``shared.workspace.domain.agent_home``). It holds the
properties a row shows and what an owner's change of the Decision property asks. It also holds the
digests that bind a decision to the row as the agent wrote it (decision 0049). Pure."""

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, NamedTuple

from shared.notion.domain.blocks import rich_text
from shared.runs.domain.events import RunStatus
from shared.runs.domain.page_links import web_url
from shared.runs.domain.state import RunState

JSON = dict[str, Any]
TEXT_MAX = 2_000  # one rich text item
STATUS = {
    RunStatus.RUNNING: "Running",
    RunStatus.WAITING_FOR_HUMAN: "Waiting for you",
    RunStatus.PAUSED: "Paused",
    RunStatus.COMPLETED: "Completed",
    RunStatus.FAILED: "Failed",
    RunStatus.CANCELLED: "Cancelled",
    RunStatus.ROLLED_BACK: "Rolled back",
}
_REQUEST_SEP = " · "  # "<request id> · <prompt>": the request a decision answers, first
ROW_EVERY_S = 10.0  # a running run's row is written at most this often (its steps coalesce)
# The part of a workspace's Notion rate its running runs' rows may take together between their
# starts, waits and ends: a third, the rest left to the steps themselves.
ROW_SHARE = 1 / 3


def row_interval_s(running: int, rate_per_s: float) -> float:
    """How often one running run's row may be written between its start, waits and end. At least
    ``ROW_EVERY_S``, doubled until ``running`` runs writing a row (one request) that often take at
    most ``ROW_SHARE`` of ``rate_per_s``: a run's fair share. Doubling keeps the buckets aligned."""
    every = ROW_EVERY_S
    while running / every > ROW_SHARE * rate_per_s:
        every *= 2
    return every


def _text(value: str) -> JSON:
    return {"rich_text": [{"type": "text", "text": {"content": value[:TEXT_MAX]}}] if value else []}


def _date(at: datetime | None) -> JSON:
    return {"date": {"start": at.isoformat()} if at is not None else None}


def properties(
    run_id: str,
    state: RunState,
    trigger_url: str,
    finished: datetime | None,
    *,
    decision: bool = False,
    set_back: bool = False,
    agent_columns: bool = False,
    decided: Literal["approve", "reject", "answer", ""] | None = None,
) -> JSON:
    """The row's properties for ``state``: goal, status, current step, cost. With ``decision`` (the
    run just began to wait) also Decision, Waiting, and Request: the request's id, then its text.
    Otherwise Decision is left as it is: an owner's choice is never overwritten. With ``set_back``
    (someone else changed what binds a decision) Request too, as the run asks now (empty when it
    waits for nothing), and Decision back to Waiting while it waits. With ``decided`` (not None, the
    row showing a request the run no longer waits for, answered elsewhere)
    Decision says what was decided (empty for an answer, or a run that ended undecided) and Request
    is emptied. A row never reads "Waiting" for a decision already made."""
    steps = len(state.steps)
    current = ""
    if steps and state.status == RunStatus.RUNNING:
        tool = state.steps[min(state.cursor, steps) - 1].tool
        current = f"{min(state.cursor, steps)} of {steps}: {tool}"
    waiting = state.waiting if state.status == RunStatus.WAITING_FOR_HUMAN else None
    props: JSON = {
        "Goal": {"title": [{"type": "text", "text": {"content": (state.goal or run_id)[:TEXT_MAX]}}]},
        "Run id": _text(run_id),
        "Status": {"select": {"name": STATUS[state.status]}},
        "Current step": _text(current),
        "Started": _date(state.started_at),
        "Finished": _date(finished if state.status.terminal else None),
        "Steps": {"number": steps},
        "Cost": {"number": round(state.cost_usd, 4)},
    }
    if (decision or set_back) and waiting is not None:
        props["Decision"] = {"select": {"name": "Waiting"}}
        # whole: a request (up to 20,000 characters) as 2,000-character items, never clipped
        props["Request"] = {"rich_text": rich_text(f"{waiting.request_id}{_REQUEST_SEP}{waiting.prompt}")}
    elif decided is not None and waiting is None:
        chosen = {"approve": "Approve", "reject": "Reject"}.get(decided)
        props["Decision"] = {"select": {"name": chosen} if chosen else None}
        props["Request"] = _text("")
    elif set_back:
        props["Request"] = _text("")
    if web_url(trigger_url):  # as Notion gave it: the sandbox's screen on the local stack, over http
        props["Trigger page"] = {"url": trigger_url}
    if agent_columns:  # a Runs database made since agents (HomeDatabase.agent_columns)
        props["Agent"] = _text(state.agent_name)
        props["Instructions"] = _text(instructions_version(state))
    return props


def instructions_version(state: RunState) -> str:
    """The instructions version a run used, as its row shows it: hash and last edit ("": none)."""
    if not state.instructions_hash:
        return ""
    edited = state.instructions_edited_at
    return state.instructions_hash + (f" (edited {edited:%Y-%m-%d %H:%M} UTC)" if edited else "")


class RowDecision(NamedTuple):
    """What a row says the owner decided: the run, the request it answers, approve or reject; or
    ``undo`` ("run", "children": with its child runs) when a person asks the ended run undone."""

    run_id: str
    request_id: str
    decision: Literal["approve", "reject", ""]  # "": the row asks nothing (Waiting, or empty)
    undo: Literal["run", "children", ""] = ""


def decision_of(row: JSON) -> RowDecision:
    """Read a Runs row: its run id, the request its Request names, and its Decision (an undo asked:
    ``agent_home.UNDO_DECISIONS``)."""
    props = row.get("properties") or {}
    run_id = _plain(props.get("Run id"))
    request_id = _plain(props.get("Request")).split(_REQUEST_SEP, 1)[0].strip()
    chosen = ((props.get("Decision") or {}).get("select") or {}).get("name", "")
    decision: Literal["approve", "reject", ""] = (
        "approve" if chosen == "Approve" else "reject" if chosen == "Reject" else ""
    )
    undo: Literal["run", "children", ""] = (
        "run" if chosen == "Undo" else "children" if chosen == "Undo with child runs" else ""
    )
    return RowDecision(run_id, request_id, decision, undo)


def _plain(value: JSON | None) -> str:
    items = (value or {}).get("rich_text") or (value or {}).get("title") or []
    return "".join(str(i.get("plain_text") or (i.get("text") or {}).get("content", "")) for i in items)


# What a decision on a row is bound to: the properties that say which run and which request it
# answers, and what for. The agent keeps a digest of each as it wrote it (``KeptRow.written``).
BOUND = ("Run id", "Request", "Goal")


class KeptRow(NamedTuple):
    """The row the agent made for a run (``tenants/{t}/run_rows/{run}``): its page id, and the digest
    of each ``BOUND`` property as the agent last wrote it (``written``; empty for a row kept before
    digests were)."""

    page_id: str
    written: Mapping[str, str]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def shows_request(kept: KeptRow | None) -> bool:
    """Whether the row, as the agent last wrote it, names a request (its Request is not empty)."""
    return kept is not None and kept.written.get("Request", _digest("")) != _digest("")


def written(props: JSON, *, new_row: bool) -> dict[str, str]:
    """The digests of the ``BOUND`` properties the agent writes with ``props``: only those ``props``
    sets. They are merged over the ones kept (``RunStore.keep_row_page``). So a write that began
    before another's, or found the row before its maker kept it, never puts back a digest of a
    property it did not write. On a ``new_row`` (just created) every one: one not written is empty."""
    return {name: _digest(_plain(props.get(name))) for name in BOUND if name in props or new_row}


def changed(kept: Mapping[str, str], row: JSON) -> list[str]:
    """The ``BOUND`` properties whose text the row shows differs from what the agent wrote (every one
    when nothing was kept): someone else changed them."""
    props = row.get("properties") or {}
    return [name for name in BOUND if kept.get(name) != _digest(_plain(props.get(name)))]
