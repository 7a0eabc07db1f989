"""Which pages are rows of the agent's Runs database: ``tenants/{t}/row_pages/{page}``, noted when a
row task first finds or creates its run's row, so notion-webhook knows a comment is on a row for one
Firestore read, never a Notion one (docs/decisions/0029-a-comment-on-a-runs-row-is-known-by-an-index.md)."""

from typing import Any

from shared.domain.notion_events import plain_id
from shared.services.deps import Deps


def note_row(deps: Deps, tenant_id: str, run_id: str, row: dict[str, Any]) -> None:
    """Remember ``row`` as run ``run_id``'s row (the row task calls it when it keeps the row's id)."""
    page = plain_id(str(row.get("id", "")))
    if page:
        deps.need_tenants().note_run_row(tenant_id, page, run_id)
