"""The audit log's answers (``functions.routes.audit``)."""

from datetime import datetime

from pydantic import Field

from shared.platform.domain.schema import Schema
from shared.team.domain.audit import Surface


class ListedEntry(Schema):
    entry_id: str
    at: datetime
    actor: str = Field(description="The member id of who acted")
    email: str
    role: str
    surface: Surface
    action: str
    target: dict[str, str]
    status: int


class AuditPage(Schema):
    entries: list[ListedEntry]
    next_cursor: datetime | None = Field(description="Pass as cursor for the next page; null on the last")
