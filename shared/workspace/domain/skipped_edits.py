"""Edits the trigger rules skipped: a page of a chosen data source changed, and no rule started a run.

Webhook intake keeps one record per page and rule (the latest edit), in one of ``SLOTS`` slots per
tenant, so a flood of edits cannot grow the store; each is removed by TTL ``KEEP`` after it was made.
"""

from datetime import datetime, timedelta

from pydantic import Field

from shared.platform.domain.schema import Record

KEEP = timedelta(days=7)  # terraform/firestore.tf's skipped_edits TTL removes a record then
SLOTS = 256  # records per tenant at most: a new page and rule takes the slot its hash names
MAX_AUTHORS = 5


class SkippedEdit(Record):
    """One edit no rule started a run for: the page, who made it, and the rule's reason."""

    slot: str
    page_id: str
    data_source_id: str
    event_type: str
    rule: str = Field(max_length=300)
    people: list[str] = Field(default_factory=list)  # the edit's authors (Notion user ids)
    at: datetime
    expires_at: datetime
