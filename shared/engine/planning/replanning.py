"""Replanning from what was read: a run whose steps asked for a new plan is planned again, with the
same checks and limits as its first plan.
"""

from __future__ import annotations

import logging

from shared.engine.planning.model import Attempts, plan_events, planning_error
from shared.engine.planning.request import Planning
from shared.engine.services.run_log import RunLog, with_next_seqs
from shared.notion.services.notion_access import ReconnectRequired
from shared.platform.errors import AgentError, ConfigError, TransientError
from shared.runs.domain.events import RunCancelled, RunEvent, RunFinished, RunStatus
from shared.runs.domain.state import RunState

log = logging.getLogger(__name__)


def replan_if_needed(p: Planning, state: RunState) -> bool:
    deps = p.deps
    runlog = p.log
    if state.status == RunStatus.RUNNING and not state.steps:  # approved after a budget stop
        attempts = Attempts(prior_cost_usd=state.cost_usd, grants=state.budget_grants)
        try:
            events = replan_events(p, state, attempts)
        except AgentError as exc:  # its paid calls, with the error, are kept: the retry plans after them
            if attempts.paid:
                seqs = RunLog.after(state)
                paid = with_next_seqs(attempts.events, seqs)
                runlog.append(state, [*paid, planning_error(deps, seqs, exc)])
            raise
        if runlog.record(state, events) is not None:
            return False
        # Another delivery wrote first: the log is its, the money ours (kept). The follow-up is
        # named from the run as it is now: named from the state read before, it would be this
        # task's own name (taken), and nothing would plan the run.
        state = runlog.document() or state
    runlog.followup(state)
    return False


def replan_events(p: Planning, state: RunState, attempts: Attempts) -> list[RunEvent]:
    """The plan of a run approved after a budget stop. It records the run's own trigger, not the
    follow-up's ``manual``: a page's change run still releases its page when it ends, and plans the
    change remembered meanwhile. A run that can no longer be planned fails saying why, as a new run's
    plan does, with the usual end notice and page release (not left running with no steps). The model
    calls paid for before the error are recorded before its end. Transient errors and a deployment's
    ConfigError propagate, as in execute-step: the queue or the sweeper plans the run again (the caller
    records the calls paid for before them). A run its workspace no longer runs (``Deps.tenant_stops``:
    disconnected, or the earlier owner's) is cancelled instead, before any Notion read or model call."""
    task, deps = p
    gone = deps.tenant_stops(task.tenant_id, state.started_at)
    if gone:
        return [RunLog.after(state).event(RunCancelled, at=deps.clock(), reason=gone)]
    try:
        seqs = RunLog.after(state)
        return plan_events(p, seqs, trigger=state.trigger, member=state.member, attempts=attempts)
    except (TransientError, ConfigError):
        raise
    except ReconnectRequired as exc:
        reason = f"the run could not be planned: {exc.reason}. Connect the workspace again and start it anew"
    except AgentError as exc:  # the tenant is gone, the model refused for good, ...
        reason = f"the run could not be planned: {exc.reason}"
    seqs = RunLog.after(state)
    paid = with_next_seqs(attempts.events, seqs)
    end = seqs.event(RunFinished, at=deps.clock(), status=RunStatus.FAILED, summary=reason[:2000])
    return [*paid, end]
