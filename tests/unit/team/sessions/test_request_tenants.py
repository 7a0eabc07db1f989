"""An api request reads its tenant once (``ReadOnce``): authentication and the runs' ownership share
the read, each request reads afresh, and a write in the request is read back (fakes)."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from shared.team.services.sessions import start_session
from shared.workspace.adapters.cached_tenants import ReadOnce
from shared.workspace.domain.tenants import Tenant
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.runs.api_runs import auth, fake_container, waiting_run
from tests.support.workspace.workspace_fakes import FakeTenantStore


class CountingTenants(FakeTenantStore):
    """A FakeTenantStore counting its reads, and whether each was asked to be fresh."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[tuple[str, bool]] = []

    def get(self, tenant_id: str, fresh: bool = False) -> Tenant | None:
        self.reads.append((tenant_id, fresh))
        return super().get(tenant_id, fresh)


def _tenant(tenant_id: str) -> Tenant:
    now = datetime.now(UTC)
    return Tenant(
        tenant_id=tenant_id, workspace_id=f"w-{tenant_id}", token_secret="s", created_at=now, updated_at=now
    )


def test_a_tenant_is_read_once_and_past_any_cache_however_often_it_is_asked_for() -> None:
    inner = CountingTenants()
    inner.save(_tenant("t1"))
    inner.save(_tenant("t2"))
    tenants = ReadOnce(inner)
    assert tenants.get("t1") is tenants.get("t1", fresh=True)
    assert tenants.get("t2") is not None and tenants.get("missing") is None
    assert tenants.get("missing") is None
    assert inner.reads == [("t1", True), ("t2", True), ("missing", True)]


@pytest.mark.parametrize(
    "write",
    [
        lambda store: store.save(_tenant("t1").model_copy(update={"bot_id": "changed"})),
        lambda store: store.update("t1", lambda t: t.model_copy(update={"bot_id": "changed"})),
    ],
    ids=["save", "update"],
)
def test_a_write_in_the_request_is_read_back(write: Callable[[ReadOnce], object]) -> None:
    inner = CountingTenants()
    inner.save(_tenant("t1"))
    tenants = ReadOnce(inner)
    assert tenants.get("t1") is not None
    write(tenants)
    read = tenants.get("t1")
    assert read is not None and read.bot_id == "changed"
    assert len(inner.reads) == 2


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> tuple[FakeContainer, CountingTenants]:
    fakes = fake_container(monkeypatch)
    counting = CountingTenants()
    for tenant in fakes.tenants.tenants.values():
        counting.save(tenant)
    fakes.tenants = counting  # before the first request
    return fakes, counting


def test_listing_and_following_a_run_read_the_tenant_once_per_request(
    counted: tuple[FakeContainer, CountingTenants],
) -> None:
    fakes, counting = counted
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    run_id, _ = waiting_run(fakes, api, token)
    for path in ("/runs", f"/runs/{run_id}", "/runs"):
        counting.reads.clear()
        answer = api.get(path, headers=auth(token))
        assert answer.status_code == 200, answer.json
        assert counting.reads == [("t1", True)], path  # the session's read serves the ownership too
