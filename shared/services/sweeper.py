"""The sweeper (Cloud Scheduler → ``POST /sweep`` on execute-step): re-enqueue runs whose next task
was lost. A running run whose document has not changed for ``sweep_stall_s`` gets its follow-up
again under a fresh name per sweep window (the original name may still be taken); if the original
task was merely slow, the two deliveries collide and exactly one acts, as for any duplicate.
"""

import logging
from datetime import timedelta

from shared.domain.events import RunStatus
from shared.services import followups
from shared.services.deps import Deps

log = logging.getLogger(__name__)


def sweep(deps: Deps, limit: int = 200) -> int:
    now = deps.clock()
    before = now - timedelta(seconds=deps.settings.sweep_stall_s)
    tag = f":sweep{int(now.timestamp() // max(deps.settings.sweep_stall_s, 1.0))}"
    count = 0
    for tenant_id, run_id in deps.store.stalled(RunStatus.RUNNING, before, limit):
        run = deps.store.get_run(tenant_id, run_id)
        if run is None or run.state.status != RunStatus.RUNNING:
            continue
        followups.enqueue_followup(deps, tenant_id, run_id, run.state, tag=tag)
        count += 1
    log.info("sweeper re-enqueued %d stalled runs", count)
    return count
