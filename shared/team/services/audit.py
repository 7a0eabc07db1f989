"""Recording human actions in the audit log, and reading it back with filters (a page, or every
entry as JSON lines). A record that fails is logged and never fails the action, which already
happened; the log names the action, never the request's body."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.platform.errors import TransientError
from shared.team.domain.audit import RETENTION_DAYS, AuditEntry, Surface, new_entry

if TYPE_CHECKING:
    from shared.team.ports import AuditLog
    from shared.workspace.domain.members import Member
    from shared.workspace.domain.tenants import Tenant

log = logging.getLogger(__name__)
PAGE_MAX = 200  # entries per page of GET /audit
SCAN = 500  # entries read per Firestore query while filtering
EXPORT_MAX = 50_000  # entries one export holds at most (newest first)


def record(
    audit: AuditLog | None,
    tenant: Tenant | None,
    member: Member | None,
    surface: Surface,
    action: str,
    *,
    now: datetime,
    target: dict[str, str] | None = None,
    status: int = 200,
    actor: str = "",
) -> None:
    """Record ``member``'s ``action`` on the tenant, kept the tenant's retention; best effort. Without
    a member, ``actor`` names who acted (an agent: ``agent:<agent id>``)."""
    if audit is None or tenant is None:
        return
    entry = new_entry(
        now,
        member.member_id if member is not None else actor,
        surface,
        action,
        retention_days=tenant.audit_retention_days or RETENTION_DAYS,
        email=member.email if member is not None else "",
        role=member.role if member is not None else "",
        target={k: v[:200] for k, v in (target or {}).items()},
        status=status,
    )
    try:
        audit.record(tenant.tenant_id, entry)
    except TransientError as exc:
        log.error("audit: the record of %s could not be written: %s", action, exc.reason)


class Filters(NamedTuple):
    actor: str = ""  # a member id
    action: str = ""  # a part of the action's words
    surface: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def keeps(self, entry: AuditEntry) -> bool:
        return (
            (not self.actor or entry.actor == self.actor)
            and (not self.action or self.action in entry.action)
            and (not self.surface or entry.surface == self.surface)
        )


def matching(
    audit: AuditLog, tenant_id: str, filters: Filters, before: datetime | None
) -> Iterator[AuditEntry]:
    """The tenant's entries that ``filters`` keep, newest first, made before ``before`` (or
    ``filters.until``, the earlier), read ``SCAN`` at a time."""
    cursor = (
        before if filters.until is None or (before is not None and before < filters.until) else filters.until
    )
    while True:
        batch = audit.newest(tenant_id, before=cursor, since=filters.since, limit=SCAN)
        yield from (entry for entry in batch if filters.keeps(entry))
        if len(batch) < SCAN:
            return
        cursor = batch[-1].at


def page(
    audit: AuditLog, tenant_id: str, filters: Filters, limit: int, before: datetime | None
) -> dict[str, Any]:
    """Up to ``limit`` entries, newest first, and the cursor of the next page (None: the last)."""
    entries = []
    for entry in matching(audit, tenant_id, filters, before):
        entries.append(entry)
        if len(entries) > limit:
            break
    more = len(entries) > limit
    shown = entries[:limit]
    return {
        "entries": [e.model_dump(mode="json", exclude={"expires_at"}) for e in shown],
        "next_cursor": shown[-1].at.isoformat() if more and shown else None,
    }


def json_lines(audit: AuditLog, tenant_id: str, filters: Filters) -> Iterator[str]:
    """Every entry ``filters`` keep (at most ``EXPORT_MAX``), newest first, one JSON object a line."""
    for n, entry in enumerate(matching(audit, tenant_id, filters, None)):
        if n >= EXPORT_MAX:
            return
        yield json.dumps(entry.model_dump(mode="json", exclude={"expires_at"}), sort_keys=True) + "\n"
