"""``execute-step``: load the run, decide, act once, record the result with the cursor, enqueue next.

A step is decided on the run's log, not only its document: what was written past the document (an
intent, usage recorded alone) is folded in first (:func:`_logged`), so a retry finds its step's
intent, backs off while another delivery holds it and takes it over once its lease is over. A run
its workspace no longer runs (disconnected, or connected afresh by someone else) is cancelled at its
next step, before any tool (:func:`stopped_for`).

Errors are classified here: transient → the queue retries (HTTP 503) or, for a long Retry-After, the
step is re-enqueued with that delay and the error records when it may run again (``retry_at``; a
delivery before then puts the step back for the rest of the wait without acting, :func:`_defer`),
a person after the step has failed so for ``decide.RETRY_FOR``; model-fixable → compacted into the
log and retried (the model repairs the arguments), a human after ``run_max_consecutive_errors`` in a
row; permanent → the run fails with the reason and the owner is notified; anything else (a bug, a
ConfigError) → the request fails (500, retried) after the step's intent is released. Budgets,
loops and max steps stop a run for a human.
Whatever ends the attempt, the model calls it paid for are recorded first (``model_used``), in the
same append as its outcome, so the run, day and month budgets see them. A delivery whose outcome is
not recorded (a duplicate that lost the race, or found the step held) records its paid calls alone
(:func:`keep_paid`), and a writer that finds only such usage in its way appends after it
(:func:`append_past_usage`).
"""

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from shared.config import Queue
from shared.domain.decide import Decision, decide
from shared.domain.events import (
    ErrorKind,
    ErrorRecorded,
    HumanRequested,
    ModelUsed,
    RunCancelled,
    RunEvent,
    RunFinished,
    RunStatus,
    ToolIntent,
)
from shared.domain.runs import RunState, fold
from shared.domain.tasks.step import StepTask
from shared.errors import AgentError, ConfigError, ModelFixableError, NotFound, TransientError
from shared.services import alerts, followups
from shared.services.deps import Deps
from shared.services.stepping import (
    NeedsApproval,
    OverBudget,
    Recorder,
    Stale,
    Step,
    held_elsewhere,
    perform,
)

log = logging.getLogger(__name__)
_ATTEMPTS = 5  # writes of one record that others keep getting ahead of: then it gives up (logged)
_EARLY_S = 1.0  # a delivery this close to its step's retry_at acts (clock skew with the queue)


class StepOutcome(NamedTuple):
    acted: bool
    status: RunStatus
    cursor: int
    reason: str = ""


class RunNotFound(NotFound):
    """The step's run does not exist: retrying cannot make it appear, so the task is acknowledged.
    Anything else not found on the way (a secret, say) is an error of the step, retried."""


def run_step(task: StepTask, deps: Deps) -> StepOutcome:
    run = deps.store.get_run(task.tenant_id, task.run_id)
    if run is None:
        raise RunNotFound(f"run {task.run_id} does not exist")
    recorded, now = run.state, deps.clock()
    state = _logged(deps, task, recorded)
    decision = decide(state, task.step, deps.limits(), now)
    # Follow-ups are named from the document, as its writer named them: a repeat is refused.
    if decision.action == "ack":
        if (state.cursor, state.status) != (recorded.cursor, recorded.status):
            recorded = _reread(deps, task, recorded)  # recorded after our read: name it as its writer did
        followups.enqueue_followup(deps, task.tenant_id, task.run_id, recorded)
        return StepOutcome(False, state.status, state.cursor, decision.reason)
    if state.retry_at is not None and (state.retry_at - now).total_seconds() > _EARLY_S:
        return _defer(deps, task, recorded, state.retry_at)
    held = held_elsewhere(state, now)
    if held is not None:  # nothing is decided or recorded past a live intent: its holder does that
        raise TransientError(f"step {state.cursor} is in progress elsewhere", retry_after_s=held)
    stop = _stop(deps, task.tenant_id, state, run.created_at, decision)
    if stop:
        return _record(deps, task, state, stop, acted=False)
    if followups.step_queue(state) != (Queue.DEPLOY if deps.code is not None else Queue.EXECUTE_STEP):
        # A step that runs elsewhere (a GitHub/Vercel step here on execute-step, or the reverse):
        # handed to its function by the same named task a follow-up would have been.
        followups.enqueue_step(deps, task.tenant_id, task.run_id, recorded)
        return StepOutcome(
            False, state.status, state.cursor, f"handed to {followups.step_queue(state).value}"
        )
    return _act(deps, task, state)


def _stop(
    deps: Deps, tenant_id: str, state: RunState, created_at: datetime, decision: Decision
) -> list[RunEvent]:
    """What ends or holds the run instead of its step ([] for none): the workspace no longer runs it
    (cancelled), or ``decide`` fails it or asks a person."""
    gone = stopped_for(deps, tenant_id, state.started_at or created_at)
    if gone:
        return [RunCancelled(seq=state.last_seq + 1, at=deps.clock(), reason=gone)]
    if decision.action == "fail":
        return _failure(deps, state, decision.reason)
    if decision.action == "escalate":
        return [_ask(deps, state, decision.reason)]
    return []


def stopped_for(deps: Deps, tenant_id: str, started: datetime | None) -> str:
    """Why the workspace no longer runs a run started at ``started`` ("" while it does:
    ``Tenant.stops``), the tenant as the instance caches it (``wiring.CachedTenants``: read again
    within a minute, and afresh at every model call's budget check). Execute-step and planning ask."""
    if deps.tenants is None:
        return ""
    tenant = deps.tenants.get(tenant_id)
    return "the workspace is no longer connected" if tenant is None else tenant.stops(started)


def _logged(deps: Deps, task: StepTask, recorded: RunState) -> RunState:
    """The run as its log has it: the document (``recorded``) and what was written past it without
    the document, an intent (its step is being carried out, or its holder died) and usage recorded
    alone. A retry that decided on the document alone paid for a repair the intent already held, or
    recorded a stop at the intent's seq, where the log refused it and the stop was lost. One query,
    empty on the usual path."""
    tail = deps.store.list_events(task.tenant_id, task.run_id, recorded.last_seq)
    return fold(tail, recorded) if tail else recorded


def _reread(deps: Deps, task: StepTask, recorded: RunState) -> RunState:
    """The document again, when its log showed an outcome past it: another delivery recorded the step
    between our two reads (the document moves only with such an outcome). Named from the document
    read first, the follow-up would be this very task again, a name already taken: were the writer to
    die before enqueuing the next step, nothing would, until the sweeper."""
    run = deps.store.get_run(task.tenant_id, task.run_id)
    return run.state if run is not None else recorded


def _defer(deps: Deps, task: StepTask, state: RunState, retry_at: datetime) -> StepOutcome:
    """A delivery before the step may run again (a duplicate, a resume, a sweep): the step is put
    back for the rest of the wait, and nothing else happens (no tool, no model call, no write). The
    task has the name the delayed retry got, unless the log moved since, so while that retry waits
    the queue refuses it; if that retry was never created (a crash after the error was recorded),
    this one takes its place."""
    wait = (retry_at - deps.clock()).total_seconds()
    followups.enqueue_step(deps, task.tenant_id, task.run_id, state, delay_s=wait)
    return StepOutcome(False, state.status, state.cursor, f"retry in {wait:.0f} s")


def _act(deps: Deps, task: StepTask, state: RunState) -> StepOutcome:
    recorder = Recorder(deps, task.tenant_id, state)
    step = Step(deps, task.tenant_id, task.run_id, state, recorder)
    try:
        base, events = perform(step)
    except Stale:
        keep_paid(deps, task.tenant_id, task.run_id, _paid(deps, recorder)[0])
        return StepOutcome(False, state.status, state.cursor, "another delivery moved the run on")
    except (NeedsApproval, OverBudget) as exc:
        return _record_paid(deps, task, recorder, _asking(deps, task, exc))
    except ModelFixableError as exc:
        reason = exc.reason
        return _record_paid(
            deps, task, recorder, lambda held: _error(deps, held, ErrorKind.MODEL_FIXABLE, reason)
        )
    except TransientError as exc:
        return _transient(deps, task, recorder, exc)
    except ConfigError as exc:
        _record_paid_only(deps, task, recorder, exc.reason)
        raise  # the deployment is wrong: fail the request loudly, keep the run for a retry
    except AgentError as exc:
        reason = exc.reason
        return _record_paid(deps, task, recorder, lambda held: _failure(deps, held, reason))
    except Exception as exc:  # a bug, or an error nobody converted: 500, and the queue retries
        _record_paid_only(deps, task, recorder, f"the attempt stopped on an unexpected {type(exc).__name__}")
        raise
    return _record(deps, task, base, events, acted=True)


def _asking(
    deps: Deps, task: StepTask, stop: NeedsApproval | OverBudget
) -> Callable[[RunState], list[RunEvent]]:
    """The request that holds the step: the owner's approval of its effect, or of a spent budget."""
    if isinstance(stop, NeedsApproval):
        return lambda held: [stop.request(held, deps.clock())]
    alerts.log_budget_stop(task.run_id, stop.reason)
    return lambda held: [_ask(deps, held, stop.reason, budget=True)]


def _paid(deps: Deps, recorder: Recorder) -> tuple[list[RunEvent], RunState]:
    """The attempt's ``model_used`` events (after the intent, if one was recorded) and the state
    they lead to, which the outcome's events follow."""
    used = recorder.events(recorder.state.last_seq + 1, deps)
    return used, fold(used, recorder.state)


def _record_paid(
    deps: Deps, task: StepTask, recorder: Recorder, outcome: Callable[[RunState], list[RunEvent]]
) -> StepOutcome:
    """Record a step that did not act: its paid model calls, then ``outcome`` (last: a retry reads
    the log's last event to tell a refusal from a lost reply, see ``stepping``)."""
    used, held = _paid(deps, recorder)
    return _record(deps, task, recorder.state, [*used, *outcome(held)], acted=False)


def _record_paid_only(deps: Deps, task: StepTask, recorder: Recorder, reason: str) -> None:
    """An attempt that records no outcome and is retried (the run stays as it was): keep its paid
    calls, and release its intent with a transient error (``reason``), so that neither the retry
    nor a pause or cancel (which append after the document) waits out the lease of a holder that
    has given up. The retry takes the intent's arguments and looks for its effect first."""
    used, held = _paid(deps, recorder)
    if held.pending is not None and not held.pending.released:
        used += _error(deps, held, ErrorKind.TRANSIENT, reason)
    if used and append_past_usage(deps, task.tenant_id, task.run_id, recorder.state, used) is None:
        keep_paid(deps, task.tenant_id, task.run_id, used)


def _record(deps: Deps, task: StepTask, state: RunState, events: list[RunEvent], acted: bool) -> StepOutcome:
    new = append_past_usage(deps, task.tenant_id, task.run_id, state, events)
    if new is None:
        keep_paid(deps, task.tenant_id, task.run_id, events)  # the log is the winner's, the money ours
        if not _outcome_past(deps, task, state):  # only an attempt begun meanwhile: nothing recorded
            raise TransientError(f"step {task.step}: another attempt began meanwhile; retried after it")
        log.info("step %d was recorded by another delivery", task.step)
        return StepOutcome(False, state.status, state.cursor, "recorded by another delivery")
    alerts.log_transition(task.run_id, state.status, new)
    followups.enqueue_followup(deps, task.tenant_id, task.run_id, new)
    return StepOutcome(acted, new.status, new.cursor)


def _transient(deps: Deps, task: StepTask, recorder: Recorder, exc: TransientError) -> StepOutcome:
    """Short waits: the queue's backoff (re-raise → 503). Long ones: a task scheduled for later."""
    wait = exc.retry_after_s or 0.0
    state = recorder.state
    used, held = _paid(deps, recorder)
    if "in progress elsewhere" in exc.reason:
        keep_paid(deps, task.tenant_id, task.run_id, used)  # a repair paid for before the collision
        raise exc  # the next seq is the holder's intent: this log is not ours to extend
    if wait <= deps.settings.step_retry_inline_s:
        _record_paid_only(deps, task, recorder, exc.reason)
        raise exc
    retry_at = deps.clock() + timedelta(seconds=wait)
    events = [*used, *_error(deps, held, ErrorKind.TRANSIENT, exc.reason, retry_at=retry_at)]
    new = append_past_usage(deps, task.tenant_id, task.run_id, state, events)
    if new is not None:
        followups.enqueue_step(deps, task.tenant_id, task.run_id, new, delay_s=wait)
    else:
        keep_paid(deps, task.tenant_id, task.run_id, used)
    return StepOutcome(False, state.status, state.cursor, f"retry in {wait:.0f} s")


def append_past_usage(
    deps: Deps, tenant_id: str, run_id: str, state: RunState, events: list[RunEvent]
) -> RunState | None:
    """``store.append``, and again after any usage recorded alone since ``state`` (:func:`keep_paid`:
    it changes nothing but the cost, so ``events`` still follow, renumbered). None when the log moved
    on otherwise: another delivery recorded first."""
    for _ in range(_ATTEMPTS):
        new = deps.store.append(tenant_id, run_id, state, events)
        if new is not None:
            return new
        tail = deps.store.list_events(tenant_id, run_id, state.last_seq)
        if tail[: len(events)] == events:  # ours: a commit retried after it went through
            return fold(events, state)
        if not tail or not all(isinstance(e, ModelUsed) for e in tail):
            return None
        state = fold(tail, state)
        events = renumbered(events, state.last_seq + 1)
    return None


def keep_paid(deps: Deps, tenant_id: str, run_id: str, events: Sequence[RunEvent]) -> None:
    """Record the ``model_used`` events among ``events``, and nothing else, after whatever the log
    holds now: the paid calls of an attempt whose outcome is not recorded (another delivery recorded
    first or holds the step), or of a planning stopped by an error. Each write creates the next
    seqs, so it never overwrites or reorders the log. The run document moves with them, unless the
    log ends past it, in another delivery's intent (a live intent must stay out of the document, see
    ``stepping``): then they are created after it, without the document, and the holder's outcome
    (:func:`append_past_usage`) or the delivery that takes the intent over (``stepping._claim``)
    goes after them."""
    used = [e for e in events if isinstance(e, ModelUsed)]
    for _ in range(_ATTEMPTS):
        if not used:
            return
        run = deps.store.get_run(tenant_id, run_id)
        if run is None:
            break
        tail = deps.store.list_events(tenant_id, run_id, run.state.last_seq)
        if tail and _moved(deps, tenant_id, run_id, run.state.last_seq):
            continue  # an append landed between the two reads: its events are in the tail, committed
        batch = renumbered(used, (tail[-1].seq if tail else run.state.last_seq) + 1)
        if not tail:
            if append_past_usage(deps, tenant_id, run_id, run.state, batch) is not None:
                return
            continue
        for event in batch:
            created = deps.store.add_event(tenant_id, run_id, event)
            if not (created or deps.store.get_event(tenant_id, run_id, event.seq) == event):
                break  # another write took that seq: read again
            used = used[1:]
    if used:
        cost = sum(e.cost_usd for e in used)
        log.warning("run %s: %d paid model call(s), $%.6f, could not be recorded", run_id, len(used), cost)


def _outcome_past(deps: Deps, task: StepTask, state: RunState) -> bool:
    """Whether the log past ``state`` holds an outcome or a decision (another delivery's result or
    error, a person's), not only what is written without the document: an intent and usage."""
    tail = deps.store.list_events(task.tenant_id, task.run_id, state.last_seq)
    return any(not isinstance(e, ToolIntent | ModelUsed) for e in tail)


def _moved(deps: Deps, tenant_id: str, run_id: str, last_seq: int) -> bool:
    """Whether the run document moved past ``last_seq`` (read again). An append writes its events and
    the document together, so a tail listed while the document stayed at ``last_seq`` holds only
    events created without it: an intent, and usage recorded alone."""
    run = deps.store.get_run(tenant_id, run_id)
    return run is None or run.state.last_seq != last_seq


def renumbered(events: Sequence[RunEvent], first_seq: int) -> list[RunEvent]:
    """``events`` from ``first_seq`` on, in order."""
    return [e.model_copy(update={"seq": first_seq + i}) for i, e in enumerate(events)]


def _error(
    deps: Deps, state: RunState, kind: ErrorKind, reason: str, *, retry_at: datetime | None = None
) -> list[RunEvent]:
    return [
        ErrorRecorded(
            seq=state.last_seq + 1,
            at=deps.clock(),
            step=state.cursor,
            error=kind,
            message=reason[:500],
            retry_at=retry_at,
        )
    ]


def _failure(deps: Deps, state: RunState, reason: str) -> list[RunEvent]:
    error = _error(deps, state, ErrorKind.PERMANENT, reason)
    return [
        *error,
        RunFinished(seq=state.last_seq + 2, at=deps.clock(), status=RunStatus.FAILED, summary=reason[:2000]),
    ]


def _ask(deps: Deps, state: RunState, reason: str, *, budget: bool = False) -> HumanRequested:
    """A limit stop for a person: errors in a row or a loop, or (``budget``) a budget, whose
    approval grants the run one more run budget."""
    request_id = f"limit-{state.cursor}-{state.last_seq + 1}"
    prompt = f"The run stopped at step {state.cursor}: {reason}. Approve to continue, reject to end it."
    return HumanRequested(
        seq=state.last_seq + 1,
        at=deps.clock(),
        request_id=request_id,
        step=state.cursor,
        purpose="limit",
        prompt=prompt[:2000],
        budget=budget,
    )
