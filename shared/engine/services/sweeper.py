"""The sweeper (Cloud Scheduler → ``POST /sweep`` on execute-step): re-enqueue runs whose next task
was lost. A running run idle for ``sweep_stall_s`` (since its last write or its ``retry_at``,
:attr:`Run.idle_since`) gets its follow-up again under a fresh name per sweep window; a duplicate
collides as any does. A run idle for ``GIVE_UP_AFTER`` is failed instead, which tells its owner,
releases its page and keeps runs stuck for good from filling the oldest-first batch. Each sweep
also gives back the budget reservations of model calls that never settled (``release_stale_holds``).
Why: docs/engine.md, "Sweeper".
"""

import logging
from datetime import datetime, timedelta

from shared.engine.services.run_log import RunLog
from shared.runs.domain.events import RunFinished, RunStatus
from shared.runs.domain.run_limits import RETRY_FOR
from shared.runs.domain.state import Run
from shared.runs.services.deps import Deps
from shared.runs.services.spend import release_stale_holds

log = logging.getLogger(__name__)

GIVE_UP_AFTER = RETRY_FOR  # a day: ~144 sweeps of the default window, far past any step's lease


def sweep(deps: Deps, limit: int = 200) -> int:
    now = deps.clock()
    before = now - timedelta(seconds=deps.settings.sweep_stall_s)
    tag = f":sweep{int(now.timestamp() // max(deps.settings.sweep_stall_s, 1.0))}"
    count = failed = 0
    for tenant_id, run_id in deps.store.stalled(RunStatus.RUNNING, before, limit):
        run = deps.store.get_run(tenant_id, run_id)
        if run is None or run.state.status != RunStatus.RUNNING or run.idle_since >= before:
            continue
        if run.idle_since < now - GIVE_UP_AFTER:
            failed += _fail_stuck(deps, run, now)
            continue
        RunLog.of(deps, run).followup(run.state, tag=tag)
        count += 1
    log.info("sweeper re-enqueued %d stalled runs and failed %d stuck for a day", count, failed)
    release_stale_holds(deps, limit)
    return count


def _fail_stuck(deps: Deps, run: Run, now: datetime) -> bool:
    """End ``run``, failed, after whatever its log holds past its document (an intent, say), with
    what follows every failure (the alert line, the owner's notice: ``RunLog.record``). False
    when any write came first: it moved meanwhile, so it is not stuck after all."""
    runlog = RunLog.of(deps, run)
    state = runlog.read_past(run).state
    hours = int(GIVE_UP_AFTER.total_seconds() // 3600)
    why = f"; the last error: {state.last_error}" if state.last_error else ""
    summary = f"the run made no progress for {hours} hours at step {state.cursor}, so it was stopped{why}"
    end = RunLog.after(state).event(RunFinished, at=now, status=RunStatus.FAILED, summary=summary[:2000])
    return runlog.record(state, [end], after_usage=False) is not None
