"""Which pages are rows of the agent's Runs database: ``tenants/{t}/row_pages/{page}``, noted when a
row task first finds or creates its run's row, so notion-webhook knows a comment is on a row for one
Firestore read, never a Notion one (docs/decisions/0029-a-comment-on-a-runs-row-is-known-by-an-index.md)."""

from typing import Any

from shared.runs.domain.notion_events import plain_id
from shared.runs.services.deps import RunRef


def note_row(run: RunRef, row: dict[str, Any]) -> None:
    """Remember ``row`` as ``run``'s row (the row task calls it when it keeps the row's id)."""
    page = plain_id(str(row.get("id", "")))
    if page:
        run.deps.need_tenants().note_run_row(run.tenant_id, page, run.run_id)
