"""The log lines that alerts count (terraform/monitoring.tf): a run that failed, a budget that stopped
one. Each is written once, where the transition is recorded, with ``fields.event`` as the metric key."""

import logging

from shared.domain.runs import RunState, RunStatus

log = logging.getLogger(__name__)


def log_transition(run_id: str, before: RunStatus | None, after: RunState) -> None:
    """Called after a write that moved a run from ``before`` to ``after``."""
    if after.status == RunStatus.FAILED and before != RunStatus.FAILED:
        log.error(
            "run %s failed: %s",
            run_id,
            after.summary[:300],
            extra={"fields": {"event": "run_failed", "run": run_id}},
        )


def log_budget_stop(run_id: str, reason: str) -> None:
    log.warning(
        "run %s stopped by a budget: %s",
        run_id,
        reason[:300],
        extra={"fields": {"event": "budget_exceeded", "run": run_id}},
    )
