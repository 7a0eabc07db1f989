"""``plan``: turn a trigger into a run. Read the current Notion context with the tenant's token (a
webhook is only a signal) and ask the model for a structured plan. Validate it against the tool
registry (re-asking with the error, at most ``plan_max_reasks`` times), write the run and its first
events in one batch, and enqueue step 1. The run id comes from the trigger, so a repeated plan task
only re-enqueues its follow-up. One active run per page (:func:`start_run`); every paid model call is
recorded, on an error too, and a retry plans into the same run. Why: docs/engine.md, "Planning";
docs/decisions/0001-planning-failures-end-as-runs.md, 0014-webhook-runs-coalesced-and-paced.md.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from shared.engine.planning.gate import answered_as_ask, starts_nothing
from shared.engine.planning.model import Attempts, plan_events, planned_events, planning_error
from shared.engine.planning.replanning import replan_if_needed
from shared.engine.planning.request import Planning
from shared.engine.services import run_hooks
from shared.engine.services.run_log import RunLog, Seqs
from shared.notion.services.notion_access import ReconnectRequired
from shared.platform.errors import AgentError
from shared.platform.topology import Queue
from shared.runs.domain.events import RunFinished, RunStatus
from shared.runs.domain.plan_task import PlanTask, page_key
from shared.runs.domain.state import fold
from shared.runs.services.deps import Deps

log = logging.getLogger(__name__)
# How long a page stays held by a run that claimed it but is not written yet (being planned, or its
# plan task died and waits for its retry): twice plan's timeout of 300 s (terraform/functions.tf).
PAGE_HOLD = timedelta(minutes=10)


def start_run(task: PlanTask, deps: Deps, *, last_attempt: bool = False) -> bool:
    """Create and plan the run. False if the run existed (its follow-up is re-enqueued, harmless) or
    is a Notion event's run whose turn has not come (a later task plans it). False, and the trigger
    dropped, if it is a comment's that does not mention the agent or the tenant's connection is gone
    (revoked or to be reconnected). The same if it is a page's change and another run of that page is
    still active or read the page after it.

    An error propagates (the queue retries the task), except on the queue's ``last_attempt``: then the
    run ends, failed, saying why (:func:`_fail_unplanned_run`), since the queue deletes the task next."""
    try:
        return _start_run(Planning(task, deps))
    except Exception as exc:  # every error: after the last attempt nothing would ever plan it
        if not last_attempt:
            raise
        reason = exc.reason if isinstance(exc, AgentError) else "an unexpected error"
        log.exception(
            "the plan task's last attempt failed: %s", reason, extra={"fields": {"run": task.run_id}}
        )
        return _fail_unplanned_run(Planning(task, deps), reason)


def _start_run(p: Planning) -> bool:
    task = p.task
    state = p.log.document()
    if state is not None:
        # A delivery whose first attempt created the run and stopped before its events went out:
        # they go now (each named by the run and its change, so one already out is not sent again).
        run_hooks.emit_run_events(p.log, None, state)
        return replan_if_needed(p, state)
    if starts_nothing(p) or answered_as_ask(p) or _waits_its_turn(p):
        return False
    holder = _page_held_by(p)
    if holder is not None:
        log.info(
            "no run now: run %s is active for this page (a change it has not seen is planned when it "
            "ends) or has read the page after this change",
            holder,
            extra={"fields": {"run": task.run_id}},
        )
        return False
    attempts = Attempts()
    try:
        events = plan_events(p, Seqs(), attempts=attempts)
    except ReconnectRequired as exc:
        log.info("trigger dropped, no run: %s", exc.reason, extra={"fields": {"run": task.run_id}})
        _release_page(p)
        return False
    except AgentError as exc:
        _keep_attempts(p, attempts, exc)
        raise  # the queue retries the task: it plans into the run
    # Another delivery of this task may have created it: the log is its, the money ours (kept).
    runlog = p.log
    created = runlog.create(events)
    if created:
        runlog.emit_transition(None, fold(events))
    else:
        state = runlog.document()
        if state is not None:  # its creator may have failed after the create: what follows, again
            run_hooks.emit_run_events(runlog, None, state)  # each event once: named, and kept once
            runlog.followup(state)
    log.info("run %s", "created" if created else "already existed", extra={"fields": {"run": task.run_id}})
    return created


def _keep_attempts(p: Planning, attempts: Attempts, exc: AgentError) -> None:
    """A new run's planning stopped on an error (any: transient, a ConfigError, a permanent refusal):
    the run is created with the model calls paid for, no steps and the error, running (as after a
    budget approval). From then on the trigger is durable in the store, not only in the plan task.
    The task's retry plans into the run (:func:`replan_if_needed`), the sweeper re-enqueues it if the
    task is gone, and a last attempt that still fails ends it, failed (:func:`_fail_unplanned_run`)."""
    task, deps = p
    goal = attempts.goal or task.goal or _unread_goal(task)
    head = planned_events(task, attempts.head, deps.clock(), goal=goal, tenant=p.tenant())
    error = planning_error(deps, attempts.seqs, exc)
    if p.log.create([head, *attempts.events, error]):
        log.info("planning failed: run created without steps", extra={"fields": {"run": task.run_id}})


def _unread_goal(task: PlanTask) -> str:
    """The goal of a run whose trigger could not be read yet: what started it."""
    trigger = task.trigger
    if trigger.comment_id:
        return "Answer a comment"
    if trigger.page_id:
        return f"Help with a page ({trigger.event_type or trigger.kind})"
    return "Plan the day from the workspace's open tasks" if trigger.kind == "schedule" else "A run"


def _fail_unplanned_run(p: Planning, reason: str) -> bool:
    """The plan task's last attempt failed: the run ends, failed, saying why, with the usual end
    notice and page release; a run created here if planning never got that far. A run already
    planned, waiting or ended is left as it is (its follow-up re-enqueued)."""
    task, deps = p
    attempts = deps.settings.plan_max_attempts
    summary = f"the trigger could not be planned after {attempts} attempts: {reason}"[:2000]
    runlog = p.log
    state = runlog.document()
    if state is None:
        seqs = Seqs()
        head = planned_events(
            task, seqs, deps.clock(), goal=task.goal or _unread_goal(task), tenant=p.tenant()
        )
        end = seqs.event(RunFinished, at=head.at, status=RunStatus.FAILED, summary=summary)
        if runlog.create([head, end]):
            runlog.emit_transition(None, fold([head, end]))
            return True
        state = runlog.document()
        if state is None:
            return False
    if state.status == RunStatus.RUNNING and not state.steps:
        end = RunLog.after(state).event(
            RunFinished, at=deps.clock(), status=RunStatus.FAILED, summary=summary
        )
        if runlog.record(state, [end]) is not None:
            return False
    runlog.followup(state)
    return False


def _waits_its_turn(p: Planning) -> bool:
    """A run of a Notion event starts when its turn comes: a workspace's events start at most
    ``webhook_run_burst`` runs at once and then ``webhook_run_rate_per_min`` a minute, in the order
    they came. A later one is planned by a task scheduled for its start (named from the run: a repeat
    of this task gets the same start and enqueues nothing new), before anything is read, claimed or
    paid for."""
    task, deps = p
    rate = deps.settings.webhook_run_rate_per_min
    if task.trigger.kind != "webhook" or task.admitted or rate <= 0:
        return False
    now = deps.clock()
    interval = timedelta(minutes=1) / rate
    burst = deps.settings.webhook_run_burst
    start = deps.store.reserve_start(task.tenant_id, task.run_id, now, interval, burst)
    wait_s = (start - now).total_seconds()
    if wait_s < 1:
        return False
    later = task.model_copy(update={"admitted": True})
    deps.queue.enqueue(Queue.PLAN, later, f"plan:{task.tenant_id}:{task.run_id}:admitted", wait_s)
    log.info(
        "run waits its turn: this workspace's events have started their runs' burst; planned in %.0f s",
        wait_s,
        extra={"fields": {"run": task.run_id}},
    )
    return True


def _page_held_by(p: Planning) -> str | None:
    """For a page's change (with coalescing on: ``webhook_coalesce_s`` > 0), claim the page for this
    run before anything is paid for; the run that holds it instead, if one does. Changes that straddle
    a coalescing window, or come while the page's run waits for a person, then make no second plan,
    model call and approval request while it is active. The latest such change that the run may not
    have read is remembered on the claim and planned once the run ends (``followups``). Other
    triggers (API, schedule, comments, a replan) never wait."""
    task, deps = p
    page = task.trigger.changed_page
    if page is None or deps.settings.webhook_coalesce_s <= 0:
        return None
    now = deps.clock()
    return deps.store.claim_page(task.tenant_id, page_key(page), task.run_id, now, PAGE_HOLD, change=task)


def _release_page(p: Planning) -> None:
    """A run that will never exist lets go of its page's claim (:func:`_page_held_by`) at once: held
    until the hold ran out, the owner's first change after reconnecting would be remembered on a claim
    that no run ends, and never planned. A change remembered meanwhile is planned now (by name, as
    ``followups`` does when a run ends; it is dropped in turn if the connection is still gone)."""
    task, deps = p
    page = task.trigger.changed_page
    if page is None or deps.settings.webhook_coalesce_s <= 0:
        return
    change = deps.store.release_page(task.tenant_id, page_key(page), task.run_id)
    if change is not None:
        deps.queue.enqueue(Queue.PLAN, change, f"plan:{task.tenant_id}:{change.run_id}:after:{task.run_id}")
