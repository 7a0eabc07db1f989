"""Shared by several test modules: helpers first written for ``tests/integration/workspace/test_firestore_tenants.py``."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shared.workspace.domain.connecting.connection import token_secret_name
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant, tenant_id_for

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def tenant(workspace_id: str, **changes: Any) -> Tenant:
    tenant_id = tenant_id_for(workspace_id)
    fields: dict[str, Any] = {
        "tenant_id": tenant_id,
        "workspace_id": workspace_id,
        "workspace_name": "Acme",
        "bot_id": "bot-1",
        "token_secret": token_secret_name(tenant_id, "c1"),
        "settings": TenantSettings(data_source_ids=["ds-1"], quiet_hours=(22, 7)),
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Tenant.model_validate(fields | changes)


def at_once[T](call: Callable[[], T], n: int) -> list[T]:
    """``call`` made by ``n`` threads released together; their results, in the order they ended."""
    results: list[T] = []
    barrier = threading.Barrier(n)

    def one() -> None:
        barrier.wait()
        results.append(call())

    threads = [threading.Thread(target=one) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == n, "a call raised (see the thread's traceback above)"
    return results
