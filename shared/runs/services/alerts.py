"""The log lines that alerts and the dashboard count (terraform/monitoring.tf): a run's change of status,
a run that failed, a budget that stopped one. Each is written once, where the transition is recorded, with ``fields.event`` as the metric key."""

import logging

from shared.runs.domain.state import RunState, RunStatus

log = logging.getLogger(__name__)


def log_transition(run_id: str, before: RunStatus | None, after: RunState) -> None:
    """Called after a write that moved a run from ``before`` (None: created) to ``after``. Every change
    of status is one ``run_status`` line (the dashboard's runs started, completed, failed, waiting)."""
    if after.status != before:
        log.info(
            "run %s: %s",
            run_id,
            after.status.value,
            extra={
                "fields": {
                    "event": "run_status",
                    "run": run_id,
                    "status": after.status.value,
                    "from": before.value if before is not None else "new",
                }
            },
        )
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
