"""The sweeper (Cloud Scheduler → ``POST /sweep`` on execute-step): re-enqueue runs whose next task
was lost. A running run whose document has not changed for ``sweep_stall_s`` gets its follow-up
again under a fresh name per sweep window (the original name may still be taken); if the original
task was merely slow, the two deliveries collide and exactly one acts, as for any duplicate.

A run whose step waits for a long Retry-After (its last error records ``retry_at``, and its retry is
a task scheduled for then) is not stalled: it is left alone until ``sweep_stall_s`` past its
``retry_at`` (:attr:`Run.idle_since`), as a run is after its last write. Re-enqueued earlier, the step
would call into the active rate limit again, perhaps after paid model work, every window until the
limit lifted. The store leaves such runs out of the batch (``RunStore.stalled``), so a batch full of
them does not hide the stalled runs behind; the check here is for a run delayed since the query.

A run that has not moved for ``GIVE_UP_AFTER`` (counted from its ``retry_at``, if later) is not
re-enqueued again but failed, saying so: its steps keep failing in a way that records nothing (a
deployment's ConfigError for a day, a bug), and re-enqueuing it every window for ever would cost a
task, an invocation and reads each time, while the owner hears nothing. Failing it notifies the
owner and releases its page, like any failed run. It also takes it out of the oldest-first batch
(``limit``), which runs stuck for good would otherwise fill, leaving newer stalled runs unswept.

A step that records an error at every attempt (one that fails after its intent releases it: a
transient error, a ConfigError, a bug) never looks idle here: the engine stops it for a person after
the same day of failing (``run_limits.RETRY_FOR``), at the first delivery past it, which this sweep
keeps sending.
"""

import logging
from datetime import datetime, timedelta

from shared.domain.events import RunFinished, RunStatus
from shared.domain.run_limits import RETRY_FOR
from shared.domain.runs import Run
from shared.services import followups, run_log
from shared.services.deps import Deps

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
        followups.enqueue_followup(deps, tenant_id, run_id, run.state, tag=tag)
        count += 1
    log.info("sweeper re-enqueued %d stalled runs and failed %d stuck for a day", count, failed)
    return count


def _fail_stuck(deps: Deps, run: Run, now: datetime) -> bool:
    """End ``run``, failed, after whatever its log holds past its document (an intent, say), with
    what follows every failure (the alert line, the owner's notice: ``run_log.record``). False
    when any write came first: it moved meanwhile, so it is not stuck after all."""
    state = run_log.read_past(deps, run).state
    hours = int(GIVE_UP_AFTER.total_seconds() // 3600)
    why = f"; the last error: {state.last_error}" if state.last_error else ""
    summary = f"the run made no progress for {hours} hours at step {state.cursor}, so it was stopped{why}"
    end = RunFinished(seq=run_log.next_seq(state), at=now, status=RunStatus.FAILED, summary=summary[:2000])
    return run_log.record(deps, run.tenant_id, run.run_id, state, [end], after_usage=False) is not None
