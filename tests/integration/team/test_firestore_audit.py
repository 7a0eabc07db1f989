"""The audit log against the real Firestore emulator: entries per tenant, newest first, bounded by
``before`` and ``since``, each with its TTL field; a page of ``GET /audit`` follows its cursor."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.team.adapters.firestore_audit import FirestoreAudit
from shared.team.domain.audit import new_entry
from shared.team.services import audit

pytestmark = pytest.mark.integration
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_entries_read_back_newest_first_within_their_bounds(firestore_db: Any) -> None:
    log = FirestoreAudit(firestore_db)
    made = [
        new_entry(
            NOW + timedelta(minutes=n), f"m_{n % 2}", "console", f"POST /x{n}", retention_days=30, status=200
        )
        for n in range(5)
    ]
    for entry in made:
        log.record("t-audit", entry)
    log.record("t-other", made[0])
    newest = log.newest("t-audit", before=None, since=None, limit=10)
    assert [e.action for e in newest] == ["POST /x4", "POST /x3", "POST /x2", "POST /x1", "POST /x0"]
    assert newest[-1] == made[0] and newest[0].expires_at == NOW + timedelta(minutes=4, days=30)
    bounded = log.newest("t-audit", before=made[3].at, since=made[1].at, limit=10)
    assert [e.action for e in bounded] == ["POST /x2", "POST /x1"]
    stored = (
        firestore_db.collection("tenants").document("t-audit").collection("audit").document(made[0].entry_id)
    )
    assert set(stored.get().to_dict()) >= {"at", "actor", "action", "surface", "status", "expires_at"}

    first = audit.page(log, "t-audit", audit.Filters(actor="m_0"), 2, None)
    assert [e["action"] for e in first["entries"]] == ["POST /x4", "POST /x2"]
    cursor = datetime.fromisoformat(first["next_cursor"])
    rest = audit.page(log, "t-audit", audit.Filters(actor="m_0"), 2, cursor)
    assert [e["action"] for e in rest["entries"]] == ["POST /x0"] and rest["next_cursor"] is None
