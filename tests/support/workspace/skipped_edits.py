"""A skipped edit as webhook intake keeps it (shared.workspace.domain.skipped_edits), for the stores' tests."""

from datetime import datetime

from shared.workspace.domain.skipped_edits import KEEP, SkippedEdit


def skipped(slot: str, rule: str, at: datetime) -> SkippedEdit:
    """An edit of page ``p`` of data source ``d`` by user ``u1``, kept in ``slot``."""
    fields = {"page_id": "p", "data_source_id": "d", "event_type": "page.created", "people": ["u1"]}
    return SkippedEdit(slot=slot, rule=rule, at=at, expires_at=at + KEEP, **fields)
