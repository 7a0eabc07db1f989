"""``execute-step``: load the run, decide, act once, record the result with the cursor, enqueue next.

A step is decided on the run document; an intent past it is found when a write collides with it,
then the step backs off while another delivery holds it, or takes it over (decision 0061). Errors
are classified here. An attempt's paid model calls are recorded with its outcome, or alone when it
records none (``RunLog.keep_usage``). The protocol: docs/engine.md, "The step protocol" and "Errors".
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from shared.engine.services import followups
from shared.engine.services.model_recorder import Recorder
from shared.engine.services.run_log import Collided, Logged, RunLog, Seqs, StepHeld
from shared.engine.services.step_outcomes import NeedsApproval, OverBudget, Stale
from shared.engine.services.step_state import Step
from shared.engine.services.stepping import held_elsewhere, perform
from shared.platform import task_pacing
from shared.platform.errors import (
    AgentError,
    ConfigError,
    ModelFixableError,
    NotFound,
    NothingSent,
    TransientError,
)
from shared.platform.topology import Queue
from shared.runs.domain.events import (
    ErrorKind,
    ErrorRecorded,
    HumanRequested,
    RunCancelled,
    RunEvent,
    RunFinished,
    RunStatus,
)
from shared.runs.domain.run_limits import StepVerdict, step_verdict
from shared.runs.domain.state import RunState, fold
from shared.runs.domain.step_task import PACED_MAX, StepTask
from shared.runs.services import alerts
from shared.runs.services.deps import Deps

log = logging.getLogger(__name__)
# Steps a task may wake before their retry_at: fan_in by its last child's end, await_checks by a
# GitHub delivery of its checks (shared.engine.services.check_wakeups).
WAKEABLE = frozenset({"fan_in", "await_checks", "await_review", "settle"})
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
    """The step of ``task``, decided on the run document alone. It is decided on the whole log when
    it retries after errors (a repair is a paid call, so the intent it would repeat is read first).
    It is decided again so when a write collides with what lies past the document (decision 0061)."""
    runlog = RunLog(deps, task.tenant_id, task.run_id)
    logged = runlog.read_document()
    if logged is None:
        raise RunNotFound(f"run {task.run_id} does not exist")
    if logged.state.consecutive_errors:
        return _decide(runlog, task, runlog.read_past(logged.run), whole=True)
    try:
        return _decide(runlog, task, logged, whole=False)
    except Collided:
        logged = runlog.read()
        if logged is None:
            raise RunNotFound(f"run {task.run_id} does not exist") from None
        return _decide(runlog, task, logged, whole=True)


def _decide(runlog: RunLog, task: StepTask, logged: Logged, *, whole: bool) -> StepOutcome:
    deps = runlog.deps
    run, recorded, state, now = logged.run, logged.run.state, logged.state, deps.clock()
    verdict = step_verdict(state, task.step, deps.limits(), now)
    # Follow-ups are named from the document, as its writer named them: a repeat is refused.
    if verdict.action == "ack":
        if (state.cursor, state.status) != (recorded.cursor, recorded.status):
            # Another delivery recorded the step between our two reads (the document moves only with
            # an outcome). Named from the document read first, the follow-up would be this very task
            # again, a name already taken. Were the writer to die before enqueuing the next step,
            # nothing would until the sweeper. So the document is read again, named as its writer did.
            recorded = runlog.document() or recorded
        runlog.resend(recorded)
        return StepOutcome(False, state.status, state.cursor, verdict.reason)
    early = state.retry_at is not None and (state.retry_at - now).total_seconds() > _EARLY_S
    woken = task.woken and state.current_step().tool in WAKEABLE
    if early and state.retry_at is not None and not woken:
        return _defer(runlog, recorded, state.retry_at)
    held = held_elsewhere(state, now)
    if held is not None:  # nothing is decided or recorded past a live intent: its holder does that
        raise StepHeld(state.cursor, held)
    stop = _stop(runlog, state, run.created_at, verdict)
    if stop:
        return _record(runlog, task, state, stop, acted=False)
    if followups.step_queue(state) != (Queue.DEPLOY if deps.code is not None else Queue.EXECUTE_STEP):
        # A step that runs elsewhere (a GitHub/Vercel step here on execute-step, or the reverse):
        # handed to its function by the same named task a follow-up would have been.
        runlog.step_task(recorded)
        return StepOutcome(
            False, state.status, state.cursor, f"handed to {followups.step_queue(state).value}"
        )
    return _act(runlog, task, state, whole)


def _stop(runlog: RunLog, state: RunState, created_at: datetime, verdict: StepVerdict) -> list[RunEvent]:
    """What ends or holds the run instead of its step ([] for none): the workspace no longer runs it
    (cancelled), or ``step_verdict`` fails it or asks a person."""
    deps = runlog.deps
    gone = deps.tenant_stops(runlog.tenant_id, state.started_at or created_at)
    if gone:
        return [RunLog.after(state).event(RunCancelled, at=deps.clock(), reason=gone)]
    if verdict.action == "fail":
        return _failure(deps, state, verdict.reason)
    if verdict.action == "escalate":
        return [_ask(deps, state, verdict.reason)]
    return []


def _defer(runlog: RunLog, state: RunState, retry_at: datetime) -> StepOutcome:
    """A delivery before the step may run again (a duplicate, a resume, a sweep): the step is put
    back for the rest of the wait, and nothing else happens (no tool, no model call, no write). The
    task has the name the delayed retry got, unless the log moved since, so while that retry waits
    the queue refuses it. If that retry was never created (a crash after the error was recorded),
    this one takes its place."""
    wait = (retry_at - runlog.deps.clock()).total_seconds()
    runlog.step_task(state, delay_s=wait)
    return StepOutcome(False, state.status, state.cursor, f"retry in {wait:.0f} s")


def _act(runlog: RunLog, task: StepTask, state: RunState, whole: bool) -> StepOutcome:
    recorder = Recorder(runlog.deps, runlog.tenant_id, state, run=runlog)
    step = Step(runlog, state, recorder, whole)
    try:
        with task_pacing.one_task():
            base, events = perform(step)
    except Stale:
        runlog.keep_usage(_usage(runlog, recorder)[0])
        _resend_for_the_winner(runlog)
        return StepOutcome(False, state.status, state.cursor, "another delivery moved the run on")
    except (StepHeld, Collided):  # the next seq is another's intent: this log is not ours to extend
        runlog.keep_usage(_usage(runlog, recorder)[0])
        raise  # a repair paid for before the collision is kept; the queue retries after the lease
    except (NeedsApproval, OverBudget) as exc:
        return _record_with_usage(runlog, task, recorder, _asking(runlog, exc))
    except ModelFixableError as exc:
        reason = exc.reason
        return _record_with_usage(
            runlog, task, recorder, lambda held: [_error(runlog.deps, held, ErrorKind.MODEL_FIXABLE, reason)]
        )
    except TransientError as exc:
        return _transient(runlog, task, recorder, exc)
    except ConfigError as exc:
        _record_usage_and_release(runlog, recorder, exc.reason)
        raise  # the deployment is wrong: fail the request loudly, keep the run for a retry
    except AgentError as exc:
        reason = exc.reason
        return _record_with_usage(runlog, task, recorder, lambda held: _failure(runlog.deps, held, reason))
    except Exception as exc:  # a bug, or an error nobody converted: 500, and the queue retries
        _record_usage_and_release(
            runlog, recorder, f"the attempt stopped on an unexpected {type(exc).__name__}"
        )
        raise
    return _record(runlog, task, base, events, acted=True)


def _asking(runlog: RunLog, stop: NeedsApproval | OverBudget) -> Callable[[RunState], list[RunEvent]]:
    """The request that holds the step: the owner's approval of its effect, or of a spent budget."""
    deps = runlog.deps
    if isinstance(stop, NeedsApproval):
        return lambda held: [stop.request(held, deps.clock())]
    alerts.log_budget_stop(runlog.run_id, stop.reason)
    return lambda held: [_ask(deps, held, stop.reason, budget=True)]


def _usage(runlog: RunLog, recorder: Recorder) -> tuple[list[RunEvent], RunState]:
    """The attempt's ``model_used`` events (after the intent, if one was recorded) and the state
    they lead to, which the outcome's events follow."""
    used = recorder.events(RunLog.after(recorder.state), runlog.deps)
    return used, fold(used, recorder.state)


def _record_with_usage(
    runlog: RunLog, task: StepTask, recorder: Recorder, outcome: Callable[[RunState], list[RunEvent]]
) -> StepOutcome:
    """Record a step that did not act: its paid model calls, then ``outcome`` (last: a retry reads
    the log's last event to tell a refusal from a lost reply, see ``stepping``)."""
    used, held = _usage(runlog, recorder)
    return _record(runlog, task, recorder.state, [*used, *outcome(held)], acted=False)


def _record_usage_and_release(runlog: RunLog, recorder: Recorder, reason: str) -> None:
    """An attempt that records no outcome and is retried (the run stays as it was): keep its paid
    calls, and release its intent with a transient error (``reason``). Then neither the retry nor a
    pause or cancel (which append after the document) waits out the lease of a holder that has given
    up. The retry takes the intent's arguments and looks for its effect first."""
    used, held = _usage(runlog, recorder)
    if held.pending is not None and not held.pending.released:
        used.append(_error(runlog.deps, held, ErrorKind.TRANSIENT, reason))
    if used:
        runlog.append(recorder.state, used)


def _record(
    runlog: RunLog, task: StepTask, state: RunState, events: list[RunEvent], acted: bool
) -> StepOutcome:
    new = runlog.record(state, events)
    if new is None:  # the log is the winner's, the money ours (kept by run_log)
        if not runlog.outcome_past(state):
            # only an attempt begun meanwhile, nothing recorded: decided again on the whole log (run_step)
            raise Collided(task.step)
        log.info("step %d was recorded by another delivery", task.step)
        _resend_for_the_winner(runlog)
        return StepOutcome(False, state.status, state.cursor, "recorded by another delivery")
    return StepOutcome(acted, new.status, new.cursor)


def _resend_for_the_winner(runlog: RunLog) -> None:
    """Another delivery recorded this step: what it sends after, sent again (``RunLog.resend``), since
    this task is acknowledged and that delivery may have died before sending them. Otherwise a run
    asking a person would wait for a message never sent (found by the sessions storm)."""
    recorded = runlog.document()
    if recorded is not None:
        runlog.resend(recorded)


def _transient(runlog: RunLog, task: StepTask, recorder: Recorder, exc: TransientError) -> StepOutcome:
    """Short waits: the queue's backoff (re-raise → 503), except a request not sent for the
    connection's pace (``NothingSent`` with its wait): the step is put back for its turn, so the
    workspace's Notion rate is not left unused. Long ones: a task scheduled for later."""
    deps, wait = runlog.deps, exc.retry_after_s or 0.0
    if wait <= deps.settings.step_retry_inline_s:
        _record_usage_and_release(runlog, recorder, exc.reason)
        if isinstance(exc, NothingSent) and wait > 0:
            return _paced(runlog, task, wait)
        raise exc
    used, held = _usage(runlog, recorder)
    retry_at = deps.clock() + timedelta(seconds=wait)
    events = [*used, _error(deps, held, ErrorKind.TRANSIENT, exc.reason, retry_at=retry_at)]
    runlog.record(recorder.state, events, delay_s=wait)
    return StepOutcome(False, recorder.state.status, recorder.state.cursor, f"retry in {wait:.0f} s")


def _paced(runlog: RunLog, task: StepTask, wait: float) -> StepOutcome:
    """The step again at its turn, ``wait`` seconds away, named by how often it was put back (a
    duplicate delivery adds nothing), unless another delivery moved the run on meanwhile. Only a
    step's first request is put back so (``shared.platform.task_pacing``): nothing it sent is sent again."""
    logged = runlog.read()
    if logged is None or logged.state.status != RunStatus.RUNNING or logged.state.cursor != task.step:
        return StepOutcome(False, RunStatus.RUNNING, task.step, "another delivery moved the run on")
    paced = min(task.paced + 1, PACED_MAX)
    tag = f":paced:{paced}"  # a duplicate delivery adds nothing; the next putting back is new
    if paced == PACED_MAX:  # counted no further: the turn, in ms, names it
        tag += f":{int((runlog.deps.clock().timestamp() + wait) * 1000)}"
    runlog.step_task(logged.state, delay_s=wait, tag=tag, paced=paced)
    return StepOutcome(False, logged.state.status, logged.state.cursor, f"paced: again in {wait:.1f} s")


def _error(
    deps: Deps,
    state: RunState,
    kind: ErrorKind,
    reason: str,
    *,
    seqs: Seqs | None = None,
    retry_at: datetime | None = None,
) -> ErrorRecorded:
    """The error of the current step, at the next seq of ``seqs`` (by default: the one after ``state``)."""
    return (seqs or RunLog.after(state)).event(
        ErrorRecorded, at=deps.clock(), step=state.cursor, error=kind, message=reason[:500], retry_at=retry_at
    )


def _failure(deps: Deps, state: RunState, reason: str) -> list[RunEvent]:
    """The run fails at its current step: the error, then its end."""
    seqs = RunLog.after(state)
    error = _error(deps, state, ErrorKind.PERMANENT, reason, seqs=seqs)
    end = seqs.event(RunFinished, at=deps.clock(), status=RunStatus.FAILED, summary=reason[:2000])
    return [error, end]


def _ask(deps: Deps, state: RunState, reason: str, *, budget: bool = False) -> HumanRequested:
    """A limit stop for a person: errors in a row or a loop, or (``budget``) a budget, whose
    approval grants the run one more run budget."""
    seqs = RunLog.after(state)
    said = reason.rstrip(" .")  # a service's message may end its own sentence (friction M7)
    prompt = f"The run stopped at step {state.cursor}: {said}. Approve to continue, reject to end it."
    return seqs.event(
        HumanRequested,
        request_id=f"limit-{state.cursor}-{seqs.upcoming}",
        at=deps.clock(),
        step=state.cursor,
        purpose="limit",
        prompt=prompt[:2000],
        budget=budget,
    )
