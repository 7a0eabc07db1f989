"""A workspace's daily digest: built when its day's digest task runs (enqueued by daily planning),
sent by notify at most once per day. Bounded: one query of the last week's runs, at most
``MAX_LISTED`` runs read of those waiting, and the spend."""

import logging
from datetime import timedelta

from shared.agents.domain.daily_digest import MAX_LISTED, digest_id, digest_subject, digest_text
from shared.agents.domain.digest_task import DigestTask
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.topology import Queue
from shared.runs.domain.run_search import RunFilter
from shared.runs.services import usage as spend_usage
from shared.runs.services.deps import Deps
from shared.workspace.domain.tenants import TenantStatus

log = logging.getLogger(__name__)
RECENT_RUNS = 200  # runs of the last week read for those that ended in the last day


def send_digest(task: DigestTask, deps: Deps) -> bool:
    """Enqueue the digest of ``task.day`` for its tenant, named by its day (a repeat enqueues nothing
    new); False when the tenant is gone, not active, or no longer wants a digest."""
    tenant = deps.need_tenants().get(task.tenant_id, fresh=True)
    if tenant is None or tenant.status != TenantStatus.ACTIVE or not tenant.settings.digest:
        log.info(
            "no digest: the workspace is gone, not active, or wants none",
            extra={"fields": {"tenant": task.tenant_id}},
        )
        return False
    now = deps.clock()
    runs = deps.store.list_runs(task.tenant_id, RECENT_RUNS, RunFilter(since=now - timedelta(days=7)))
    ended = [r for r in runs if r.state.status.terminal and r.updated_at >= now - timedelta(days=1)]
    held = deps.store.held(task.tenant_id)
    waiting = [r for r in (deps.store.get_run(task.tenant_id, i) for i in held[:MAX_LISTED]) if r is not None]
    note = NotifyTask(
        notification_id=digest_id(task.day),
        tenant_id=task.tenant_id,
        subject=digest_subject(task.day, len(ended), len(held)),
        text=digest_text(ended, waiting, len(held), spend_usage.usage(deps, task.tenant_id)),
        data={"kind": "digest"},
    )
    deps.queue.enqueue(Queue.NOTIFY, note, f"notify:{task.tenant_id}:{note.notification_id}")
    return True
