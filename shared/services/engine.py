"""``execute-step``: load the run, decide, act once, record the result with the cursor, enqueue next.

Errors are classified here: transient → the queue retries (HTTP 503) or, for a long Retry-After, the
step is re-enqueued with that delay; model-fixable → compacted into the log and retried (the model
repairs the arguments), a human after ``run_max_consecutive_errors`` in a row; permanent → the run
fails with the reason and the owner is notified. Budgets, loops and max steps stop a run for a human.
Whatever ends the attempt, the model calls it paid for are recorded first (``model_used``), in the
same append as its outcome, so the run, day and month budgets see them.
"""

import logging
from collections.abc import Callable
from typing import NamedTuple

from shared.config import Queue
from shared.domain.decide import decide
from shared.domain.events import ErrorKind, ErrorRecorded, HumanRequested, RunEvent, RunFinished, RunStatus
from shared.domain.runs import RunState, fold
from shared.domain.tasks import StepTask
from shared.errors import AgentError, ConfigError, ModelFixableError, NotFound, TransientError
from shared.services import followups, run_log
from shared.services.deps import Deps
from shared.services.stepping import OverBudget, Recorder, Stale, Step, perform

log = logging.getLogger(__name__)


class StepOutcome(NamedTuple):
    acted: bool
    status: RunStatus
    cursor: int
    reason: str = ""


def run_step(task: StepTask, deps: Deps) -> StepOutcome:
    run = deps.store.get_run(task.tenant_id, task.run_id)
    if run is None:
        raise NotFound(f"run {task.run_id} does not exist")
    state = run.state
    decision = decide(state, task.step, deps.limits())
    if decision.action == "ack":
        followups.enqueue_followup(deps, task.tenant_id, task.run_id, state)
        return StepOutcome(False, state.status, state.cursor, decision.reason)
    if decision.action == "fail":
        return _record(deps, task, state, _failure(deps, state, decision.reason), acted=False)
    if decision.action == "escalate":
        return _record(deps, task, state, [_ask(deps, state, decision.reason)], acted=False)
    if followups.step_queue(state) != (Queue.DEPLOY if deps.code is not None else Queue.EXECUTE_STEP):
        # A step that runs elsewhere (a GitHub/Vercel step here on execute-step, or the reverse):
        # handed to its function by the same named task a follow-up would have been.
        followups.enqueue_step(deps, task.tenant_id, task.run_id, state)
        return StepOutcome(
            False, state.status, state.cursor, f"handed to {followups.step_queue(state).value}"
        )
    return _act(deps, task, state)


def _act(deps: Deps, task: StepTask, state: RunState) -> StepOutcome:
    recorder = Recorder(deps, task.tenant_id, state)
    step = Step(deps, task.tenant_id, task.run_id, state, recorder)
    try:
        base, events = perform(step)
    except Stale:
        return StepOutcome(False, state.status, state.cursor, "another delivery moved the run on")
    except OverBudget as exc:
        reason = exc.reason
        run_log.log_budget_stop(task.run_id, reason)
        return _record_paid(deps, task, recorder, lambda held: [_ask(deps, held, reason, budget=True)])
    except ModelFixableError as exc:
        reason = exc.reason
        return _record_paid(
            deps, task, recorder, lambda held: _error(deps, held, ErrorKind.MODEL_FIXABLE, reason)
        )
    except TransientError as exc:
        return _transient(deps, task, recorder, exc)
    except ConfigError:
        _record_paid_only(deps, task, recorder)
        raise  # the deployment is wrong: fail the request loudly, keep the run for a retry
    except AgentError as exc:
        reason = exc.reason
        return _record_paid(deps, task, recorder, lambda held: _failure(deps, held, reason))
    return _record(deps, task, base, events, acted=True)


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


def _record_paid_only(deps: Deps, task: StepTask, recorder: Recorder) -> None:
    """Keep the paid calls of an attempt that records no outcome (the run stays as it was)."""
    used, _ = _paid(deps, recorder)
    if used:
        deps.store.append(task.tenant_id, task.run_id, recorder.state, used)


def _record(deps: Deps, task: StepTask, state: RunState, events: list[RunEvent], acted: bool) -> StepOutcome:
    new = deps.store.append(task.tenant_id, task.run_id, state, events)
    if new is None:
        log.info("step %d was recorded by another delivery", task.step)
        return StepOutcome(False, state.status, state.cursor, "recorded by another delivery")
    run_log.log_transition(task.run_id, state.status, new)
    followups.enqueue_followup(deps, task.tenant_id, task.run_id, new)
    return StepOutcome(acted, new.status, new.cursor)


def _transient(deps: Deps, task: StepTask, recorder: Recorder, exc: TransientError) -> StepOutcome:
    """Short waits: the queue's backoff (re-raise → 503). Long ones: a task scheduled for later."""
    wait = exc.retry_after_s or 0.0
    if "in progress elsewhere" in exc.reason:
        raise exc  # the next seq is the holder's intent: this log is not ours to extend
    state = recorder.state
    used, held = _paid(deps, recorder)
    if wait <= deps.settings.step_retry_inline_s:
        if held.pending is not None and not held.pending.released:  # release our intent's lease
            used += _error(deps, held, ErrorKind.TRANSIENT, exc.reason)
        if used:
            deps.store.append(task.tenant_id, task.run_id, state, used)
        raise exc
    new = deps.store.append(
        task.tenant_id, task.run_id, state, [*used, *_error(deps, held, ErrorKind.TRANSIENT, exc.reason)]
    )
    if new is not None:
        followups.enqueue_step(deps, task.tenant_id, task.run_id, new, delay_s=wait)
    return StepOutcome(False, state.status, state.cursor, f"retry in {wait:.0f} s")


def _error(deps: Deps, state: RunState, kind: ErrorKind, reason: str) -> list[RunEvent]:
    return [
        ErrorRecorded(
            seq=state.last_seq + 1, at=deps.clock(), step=state.cursor, error=kind, message=reason[:500]
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
