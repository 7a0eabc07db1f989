"""The budgets before a model call: a call goes ahead on those an instance read within
``spend_cache_ttl_s`` (one tenant read a minute, not one a call), and a stop is made only on those
stored now, so an owner who raised one is not stopped again by an instance's older copy."""

from typing import Any

from shared.runs.services import spend
from shared.workspace.domain.tenants import Tenant
from shared.workspace.ports import TenantStore
from tests.support.engine.engine_fakes import make_deps, raise_budget


class CountingTenants:
    def __init__(self, tenants: TenantStore | None) -> None:
        assert tenants is not None, "make_deps gives Deps a tenant store"
        self.tenants, self.reads = tenants, 0

    def get(self, tenant_id: str, fresh: bool = False) -> Tenant | None:
        self.reads += 1
        return self.tenants.get(tenant_id, fresh)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.tenants, name)


def test_calls_within_the_budgets_read_the_tenant_once_a_ttl() -> None:
    deps = make_deps(spend_cache_ttl_s=600.0)
    counting = CountingTenants(deps.tenants)
    deps = deps._replace(tenants=counting)
    for _ in range(20):
        assert spend.budget_problem(deps, "t1", 0.0, 0) is None
    assert counting.reads == 1


def test_a_stop_reads_the_budgets_again_so_a_raised_one_counts_at_once() -> None:
    deps = make_deps(spend_cache_ttl_s=600.0)
    counting = CountingTenants(deps.tenants)
    deps = deps._replace(tenants=counting)
    run_budget = deps.budget("t1").run_usd
    counting.reads = 0
    assert spend.budget_problem(deps, "t1", 0.0, 0) is None  # read now, cached
    over = run_budget + 1.0
    stopped = spend.budget_problem(deps, "t1", over, 0)
    assert stopped is not None and "budget" in stopped and counting.reads == 2  # read again to stop
    raise_budget(deps, max_cost_per_run_usd=run_budget + 10.0)  # the owner, told to, raises it
    assert spend.budget_problem(deps, "t1", over, 0) is None  # not stopped by the copy read before
