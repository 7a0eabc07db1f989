"""Shared by several test modules: helpers first written for ``tests/unit/team/settings/test_settings_api.py``."""

from datetime import UTC, datetime

from shared.team.services.sessions import start_session
from shared.workspace.domain.tenants import TenantStatus
from tests.support.platform.fake_container import FakeContainer
from tests.support.workspace.tenants import a_tenant

NOW = datetime.now(UTC)


def connect(fakes: FakeContainer, status: TenantStatus = TenantStatus.ACTIVE) -> dict[str, str]:
    fakes.tenants.save(a_tenant("t1", "w1", NOW, token_secret="notion-token-t1", status=status))
    return {"Authorization": f"Bearer {start_session('t1', fakes.secrets)}"}
