"""Edits the trigger rules skipped: a page of a chosen data source changed, and no rule started a run.

Webhook intake keeps one record per page and rule (the latest edit), in one of ``SLOTS`` slots per
tenant, so a flood of edits cannot grow the store; each is removed by TTL ``KEEP`` after it was made.
"""

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import Field

from shared.platform.domain.schema import Record

if TYPE_CHECKING:  # webhook intake's: the adapters that store these load no event models
    from shared.runs.domain.notion_events import NotionEvent

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


def skipped_edit(event: "NotionEvent", rule: str, now: datetime) -> SkippedEdit:
    """The record of ``event``, which ``rule`` (the verdict's reason) did not let start a run."""
    from shared.runs.domain.notion_events import plain_id

    parent = event.data.parent
    page = plain_id(event.entity.id)
    source = plain_id(parent.data_source_id) if parent and parent.data_source_id else ""
    digest = hashlib.sha256(f"{page}|{rule}".encode()).digest()
    return SkippedEdit(
        slot=f"s{int.from_bytes(digest[:4]) % SLOTS:03d}",
        page_id=page,
        data_source_id=source,
        event_type=event.type,
        rule=rule[:300],
        people=[p for a in event.authors if a.type == "person" and (p := plain_id(a.id))][:MAX_AUTHORS],
        at=now,
        expires_at=now + KEEP,
    )
