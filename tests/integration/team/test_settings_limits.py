"""Settings changes against the real Firestore emulator: input Firestore would refuse (a lone surrogate,
an entity over 1 MiB) is a ValidationError (400) before any write, and a document stored before the
checks still loads, changes and reads back as JSON."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from shared.team.services.tenant_settings import change_settings, read_settings
from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore
from shared.workspace.domain.settings import MAX_BUDGET_USD
from shared.workspace.domain.tenants import Tenant

pytestmark = pytest.mark.integration
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def saved(firestore_db: Any) -> FirestoreTenantStore:
    store = FirestoreTenantStore(firestore_db)
    store.save(
        Tenant(
            tenant_id="t1", workspace_id="w1", token_secret="notion-token-t1", created_at=NOW, updated_at=NOW
        )
    )
    return store


@pytest.mark.parametrize(
    "changes",
    [
        {"timezone": "\ud800"},  # was a 500: UnicodeEncodeError
        {"data_source_ids": ["x" * 100_000] * 12},  # was a 500: InvalidArgument, maximum entity size
        {"max_cost_per_run_usd": float("inf")},  # was stored: no budget at all, and GET not JSON
    ],
    ids=["surrogate", "oversized", "infinite"],
)
def test_input_firestore_cannot_keep_or_the_budget_cannot_use_is_refused_before_writing(
    firestore_db: Any, changes: dict[str, Any]
) -> None:
    store = saved(firestore_db)
    before = store.get("t1")
    with pytest.raises(ValidationError) as refused:
        change_settings("t1", changes, store)
    assert {error["loc"][0] for error in refused.value.errors()} == set(changes)
    assert store.get("t1") == before


def test_a_document_stored_before_the_checks_loads_changes_and_reads_as_json(firestore_db: Any) -> None:
    store = saved(firestore_db)
    firestore_db.collection("tenants").document("t1").update(
        {
            "settings.timezone": "Mars/Olympus_Mons",
            "settings.quiet_hours": [-5, 99],
            "settings.data_source_ids": ["ds-1"],
            "settings.max_cost_per_run_usd": float("inf"),
        }
    )
    change_settings("t1", {"planning_hour": 6}, store)
    tenant = store.get("t1")
    assert tenant is not None and tenant.settings.planning_hour == 6
    assert tenant.settings.data_source_ids == ["ds-1"] and tenant.settings.quiet_hours == (-5, 99)
    assert tenant.settings.max_cost_per_run_usd == MAX_BUDGET_USD["max_cost_per_run_usd"]
    json.dumps(read_settings("t1", store), allow_nan=False)
