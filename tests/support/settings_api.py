"""Shared by several test modules: helpers first written for ``tests/unit/team/test_settings_api.py``."""

from datetime import UTC, datetime

from shared.team.services.sessions import start_session
from shared.workspace.domain.tenants import Tenant, TenantStatus
from tests.api_fakes import FakeContainer

NOW = datetime.now(UTC)


def connect(fakes: FakeContainer, status: TenantStatus = TenantStatus.ACTIVE) -> dict[str, str]:
    fakes.tenants.save(
        Tenant(
            tenant_id="t1",
            workspace_id="w1",
            token_secret="notion-token-t1",
            status=status,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    return {"Authorization": f"Bearer {start_session('t1', fakes.secrets)}"}
