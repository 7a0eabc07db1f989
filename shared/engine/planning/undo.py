"""Undo a run: one run, planned by code from the undone run's log, whose steps take its
effects back newest first (``undo_effect``), each once, through the engine's intents, approvals and
budgets like any run's. Its id follows from the run and the effects chosen, so a repeated request
names the same undo and starts nothing new. Who may, when and which effects: ``shared.undo.domain.
asking``, checked before anything is stored.
"""

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from shared.engine.agent.plans import ValidPlan
from shared.engine.planning.model import planned_events
from shared.engine.services.followups import enqueue_followup
from shared.engine.services.run_log import RunLog, Seqs
from shared.platform.errors import Conflict, Forbidden, InvalidInput
from shared.runs.domain.events import PlannedStep, Risk, RunEvent, RunStatus, ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import Run, fold
from shared.runs.services.deps import Deps, RunRef
from shared.undo.domain import asking
from shared.undo.domain.asking import Asker, Undoable
from shared.undo.domain.inverses import undo_order

CANNOT = "only the person who started this run, a person who approved it, or the owner may undo it"


MAX_CHILD_RUNS = 200  # child runs (at every depth) one undo takes back with their parent's


def plan_order(kept: Sequence[Undoable]) -> list[Undoable]:
    """``kept`` in the order the undo takes them back: newest first (``undo_order``; with child
    runs' effects, by when each was made: ``asking.family_order``)."""
    if any(u.run_id for u in kept):
        return asking.family_order(kept)
    order = [e.id for e in undo_order(u.effect for u in kept)]
    return sorted(kept, key=lambda u: order.index(u.effect.id))


def _plan(run_id: str, kept: Sequence[Undoable]) -> ValidPlan:
    steps = [
        PlannedStep(
            tool="undo_effect",
            args={
                "run_id": u.run_id or run_id,
                "effect": u.effect.id,
                "tool": u.effect.tool,
                "page_id": u.page,
                "inverse": u.effect.inverse.model_dump(),
            },
        )
        for u in plan_order(kept)
    ]
    family = " and its child runs" if any(u.run_id for u in kept) else ""
    steps.append(
        PlannedStep(tool="finish", args={"summary": f"Undid {len(kept)} change(s) of run {run_id}{family}"})
    )
    goal = f"Undo {len(kept)} change(s) of run {run_id}{family}"
    return ValidPlan(
        goal=goal, risk=Risk.MEDIUM, on_reject="end", steps=steps, tools=["undo_effect", "finish"]
    )


class Offer(NamedTuple):
    """What an undo of a run would take back: ``kept`` (in order), ``picked`` (asked for, before the
    reach), the undo run's id, and the run's log."""

    kept: list[Undoable]
    picked: list[Undoable]
    undo_run: str
    log: list[RunEvent]


class Asking(NamedTuple):
    """An undo asked: by whom, which effects (None: all), whether with the owner's reach, which
    pages the asker may change (page → whether), and whether with every child run's effects."""

    asker: Asker
    chosen: Sequence[int] | None
    by_owner: bool
    reaches: Callable[[str], bool]
    children: bool = False
    thread: str = ""  # a Slack thread asked in (``slack:<team>:<channel>:<ts>``): the undo ends there


def descendants(deps: Deps, run: Run) -> list[Run]:
    """The runs ``run`` started, and those they started, at every depth (its map's children, its
    hand-offs, its debate's or panel's members). Conflict past :data:`MAX_CHILD_RUNS`."""
    found: list[Run] = []
    waiting = [run.run_id]
    while waiting:
        kin, count = deps.store.children(run.tenant_id, waiting.pop(0), limit=MAX_CHILD_RUNS)
        found += kin
        if count > len(kin) or len(found) > MAX_CHILD_RUNS:
            raise Conflict(
                f"this run has more than {MAX_CHILD_RUNS} child runs: undo them one by one, or the run alone"
            )
        waiting += [k.run_id for k in kin]
    return found


def _family(deps: Deps, run: Run, asked: Asking) -> list[Undoable]:
    """The child runs' effects an undo asked ``children`` takes back with the run's (none without):
    every child run ended first (``asking.check_children``)."""
    if not asked.children:
        return []
    if asked.chosen is not None:
        raise InvalidInput(
            "children: an undo with the child runs takes back every effect of the family; leave effects "
            "out, or undo chosen effects without children",
            ["children"],
        )
    kin = descendants(deps, run)
    asking.check_children((k.run_id, k.state) for k in kin)
    return [u for k in kin for u in asking.undoables(deps.store.list_events(k.tenant_id, k.run_id), k.run_id)]


def offer(deps: Deps, run: Run, asked: Asking) -> Offer:
    """The undo ``asker`` may ask of ``run``'s effects (all, or ``chosen``), stored nowhere. Forbidden
    unless they may undo it (:func:`asking.may_undo`) and, without the owner's reach (``by_owner``),
    the effects lie within theirs (``reaches``: page → whether); asked ``children``, with every
    child run's effects (:func:`_family`). Conflict for a run (or a child run) not ended, ended beyond
    the window or with nothing to undo; InvalidInput for an unknown effect, or chosen with children."""
    log = deps.store.list_events(run.tenant_id, run.run_id)
    asker, chosen, by_owner, reaches = asked.asker, asked.chosen, asked.by_owner, asked.reaches
    if not asking.may_undo(run.state, log, asker):
        raise Forbidden(CANNOT)
    asking.check_undoable(run.state, log[-1].at, deps.clock(), deps.settings.undo_window_days)
    offered, kin = asking.undoables(log), _family(deps, run, asked)
    asking.nothing_to_undo(offered + kin)
    picked = (asking.choose(offered, chosen) if offered else []) + kin
    kept = (
        picked
        if by_owner
        else asking.within_reach(picked, {u.page: reaches(u.page) for u in picked}, chosen is not None)
    )
    own = [u.effect.id for u in kept if not u.run_id]
    undo_run = asking.undo_id(run.run_id, own, [(u.run_id, u.effect.id) for u in kept if u.run_id])
    return Offer(plan_order(kept), picked, undo_run, log)


def _ids(effects: Sequence[Undoable]) -> set[int]:
    """The undone run's own effects among ``effects`` (not its child runs')."""
    return {u.effect.id for u in effects if not u.run_id}


def _kin_beyond(found: Offer) -> dict[str, Any]:
    """Its child runs' effects left out as beyond the asker's reach, each (run, effect); nothing
    when none."""
    kept = {(u.run_id, u.effect.id) for u in found.kept}
    left = sorted(
        (u.run_id, u.effect.id) for u in found.picked if u.run_id and (u.run_id, u.effect.id) not in kept
    )
    return {"children_beyond_reach": [{"run_id": r, "effect": e} for r, e in left]} if left else {}


def described(found: Offer, run_id: str) -> dict[str, Any]:
    """The offer as the api answers it: what it takes back, what it leaves out, what nothing can."""
    return {
        "run_id": found.undo_run,
        "undoes": run_id,
        "effects": [
            {"effect": u.effect.id, "tool": u.effect.tool, "page_id": u.page, "run_id": u.run_id or run_id}
            for u in found.kept
        ],
        "beyond_reach": sorted(_ids(found.picked) - _ids(found.kept)),
        "cannot": asking.finals(found.log),
    } | _kin_beyond(found)


def ask_undo(deps: Deps, run: Run, asked: Asking) -> dict[str, Any]:
    """The undo run of ``run``'s effects (:func:`offer`, whose refusals store nothing), made once and
    its first step queued by name."""
    found = offer(deps, run, asked)
    tenant_id, undo_run = run.tenant_id, found.undo_run
    plan = _plan(run.run_id, found.kept)
    trigger = Trigger(
        kind="manual",
        by_owner=asked.by_owner,
        people=[asked.asker.person] if asked.asker.person else [],
        page_id=run.state.page_id,
        thread=asked.thread,
    )
    task = PlanTask(tenant_id=tenant_id, run_id=undo_run, goal=plan.goal, trigger=trigger)
    head = planned_events(task, Seqs(), deps.clock(), goal=plan.goal, plan=plan)
    made = deps.store.get_run(tenant_id, undo_run) is None and RunLog(deps, tenant_id, undo_run).create(
        [head]
    )
    now = deps.store.get_run(tenant_id, undo_run)
    state = now.state if now is not None else fold([head])
    if state.status == RunStatus.RUNNING and state.waiting is None and state.cursor == 1:
        enqueue_followup(RunRef(deps, tenant_id, undo_run), state)  # by name: a repeat adds nothing
    return described(found, run.run_id) | {"made": made}


def undone(deps: Deps, tenant_id: str, undo_run: str) -> list[dict[str, Any]]:
    """What an undo run did so far, effect by effect (``undo_effect``'s outcomes: reverted, already,
    conflict with both values, not_yet), newest effect first."""
    return [
        {k: v for k, v in e.output.items() if k != "inverse"}
        for e in deps.store.list_events(tenant_id, undo_run)
        if isinstance(e, ToolResult) and e.tool == "undo_effect"
    ]
