"""Asking to undo a run: who may, when, and which of its effects. Pure:
the engine's planning of an undo run (``shared.engine.planning.undo``) checks a request with these
before it plans anything, so a refused request stores nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from shared.platform.errors import Conflict, Forbidden, InvalidInput
from shared.runs.domain.events import HumanResponded, RunEvent, ToolResult
from shared.runs.domain.state import RunState
from shared.undo.domain.inverses import Effect, Inverse

UNDO_PREFIX = "undo-"  # an undo run's id: only code plans one (run ids are api-, wh-, rollback-, ...)
MAX_CHOSEN = 200  # effects one request may name


class Asker(NamedTuple):
    """Who asks for the undo: their member id, Notion user id and role as held now."""

    member: str
    person: str
    role: str


def may_undo(state: RunState, log: Iterable[RunEvent], asker: Asker) -> bool:
    """Whether ``asker`` may undo the run: the workspace's owner, a person who started it, or a
    person who approved what it asked."""
    if asker.role == "owner":
        return True
    if asker.person and asker.person in {p.notion_user_id for p in state.people}:
        return True
    return bool(asker.member) and any(
        isinstance(e, HumanResponded) and e.decision == "approve" and e.by_member == asker.member for e in log
    )


def check_undoable(state: RunState, ended_at: datetime, now: datetime, window_days: int) -> None:
    """A Conflict saying why, unless the run has ended (finished, failed, cancelled or rolled back)
    within the last ``window_days`` (settings: undo_window_days)."""
    if not state.status.terminal:
        raise Conflict(
            f"this run is {state.status.value.replace('_', ' ')}: only a finished, failed or cancelled run "
            "can be undone; cancel it first"
        )
    if now - ended_at > timedelta(days=window_days):
        raise Conflict(
            f"this run ended on {ended_at.date().isoformat()}, more than {window_days} days ago: "
            f"a run can be undone for {window_days} days after it ends"
        )


class Undoable(NamedTuple):
    """One effect of the run as an undo offers it: the effect and the page it landed on (what the
    asker's reach is checked against). Then the run that made it ("": the run undone, else one of
    its child runs) and when."""

    effect: Effect
    page: str
    run_id: str = ""
    at: datetime | None = None


def undoables(log: Iterable[RunEvent], run_id: str = "") -> list[Undoable]:
    """The run's effects whose inverse can be applied (not those marked final), oldest first;
    ``run_id``: the child run that made them, when undone with its parent's."""
    out = []
    for e in log:
        if not isinstance(e, ToolResult) or not isinstance(e.output.get("inverse"), dict):
            continue
        inverse = Inverse.model_validate(e.output["inverse"])
        if inverse.action == "none":
            continue
        page = str(e.args.get("page_id") or e.args.get("parent_page_id") or inverse.target)
        out.append(Undoable(Effect(id=e.seq, step=e.step, tool=e.tool, inverse=inverse), page, run_id, e.at))
    return out


def check_children(children: Iterable[tuple[str, RunState]]) -> None:
    """A Conflict naming the first child run (id, state) that has not ended: a family is undone
    once none of it still writes."""
    for run_id, state in children:
        if not state.status.terminal:
            raise Conflict(
                f"its child run {run_id} is {state.status.value.replace('_', ' ')}: a run is undone with "
                "its child runs once they have all ended; cancel it first"
            )


def family_order(chosen: Iterable[Undoable]) -> list[Undoable]:
    """A run's and its child runs' effects, newest first by when each was made (a run's own by its
    log's order when made at the same time): a later write undone before what it built on."""
    return sorted(
        chosen,
        key=lambda u: (u.at or datetime.min.replace(tzinfo=UTC), u.run_id == "", u.run_id, u.effect.id),
        reverse=True,
    )


def finals(log: Iterable[RunEvent]) -> list[dict[str, Any]]:
    """The run's effects nothing can take back, each with why (for the undo's answer)."""
    return [
        {"effect": e.seq, "tool": e.tool, "reason": str(e.output["inverse"].get("reason", ""))}
        for e in log
        if isinstance(e, ToolResult)
        and isinstance(e.output.get("inverse"), dict)
        and e.output["inverse"].get("action") == "none"
    ]


def choose(offered: Sequence[Undoable], chosen: Sequence[int] | None) -> list[Undoable]:
    """The effects asked for: every one offered when ``chosen`` is None, else those it names. An id
    that is not one of the run's undoable effects is refused, naming it; so is asking for none."""
    if chosen is None:
        return list(offered)
    if not chosen:
        raise InvalidInput(
            "effects: name at least one effect, or leave effects out to undo them all", ["effects"]
        )
    by_id = {u.effect.id: u for u in offered}
    unknown = [n for n in chosen if n not in by_id]
    if unknown:
        raise InvalidInput(
            f"effects: {', '.join(map(str, unknown))} is not an effect of this run that can be undone "
            f"(those are: {', '.join(map(str, by_id)) or 'none'})",
            ["effects"],
        )
    return [by_id[n] for n in sorted(set(chosen))]


def within_reach(chosen: Sequence[Undoable], reaches: Mapping[str, bool], explicit: bool) -> list[Undoable]:
    """The chosen effects on pages the asker may change (``reaches``: page → whether). Effects named
    one by one must all be within reach (Forbidden otherwise, naming them); of a whole run's, those
    beyond are left out. Forbidden when nothing is left."""
    beyond = [u for u in chosen if not reaches.get(u.page, False)]
    if beyond and explicit:
        names = ", ".join(str(u.effect.id) for u in beyond)
        raise Forbidden(f"effects {names} changed pages beyond your reach: ask the owner to undo them")
    kept = [u for u in chosen if reaches.get(u.page, False)]
    if not kept:
        raise Forbidden("every effect of this run that can be undone lies beyond your reach: ask the owner")
    return kept


def undo_id(run_id: str, effects: Iterable[int], children: Iterable[tuple[str, int]] = ()) -> str:
    """The undo run's id: the same run and effects (and its child runs' ``children``, each (run,
    effect)) name the same undo (a repeated request starts nothing new)."""
    key = f"{run_id}:{','.join(map(str, sorted(effects)))}"
    if kin := sorted(children):
        key += "|" + ",".join(f"{run}:{effect}" for run, effect in kin)
    return UNDO_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:16]


def nothing_to_undo(offered: Sequence[Undoable]) -> None:
    """A Conflict when the run made no effect an undo can take back."""
    if not offered:
        raise Conflict("this run made no change that can be undone")
