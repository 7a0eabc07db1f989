"""Which pages are rows of the agent's Runs database: ``tenants/{t}/run_rows/{page}``, noted when a
row task finds its run's row, so notion-webhook knows a comment is on a row for one Firestore read,
never a Notion one (docs/decisions/0029-a-comment-on-a-runs-row-is-known-by-an-index.md)."""

from typing import Any

from shared.domain.notion_events import plain_id
from shared.domain.tasks.rows import RowTask
from shared.services.deps import Deps


def note_row(deps: Deps, task: RowTask, row: dict[str, Any] | None) -> None:
    """Remember ``row`` as the run's row when a task that may create it (start, wait, end) finds it.
    A row one of them created is found by the next: the wait's finds the start's, or the other way."""
    page = plain_id(str(row.get("id", ""))) if row is not None and task.create else ""
    if page:
        deps.need_tenants().note_run_row(task.tenant_id, page, task.run_id)
