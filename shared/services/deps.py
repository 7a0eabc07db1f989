"""What the engine's services need, gathered once per request from the instance's adapters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from shared.config import Settings
from shared.domain.decide import Budget, Limits

if TYPE_CHECKING:
    from shared.ports import Model, Notion, RunStore, SecretStore, TaskQueue, TenantStore
    from shared.services.code_access import CodeAccess


def utcnow() -> datetime:
    return datetime.now(UTC)


class Deps(NamedTuple):
    store: RunStore
    queue: TaskQueue
    secrets: SecretStore
    settings: Settings
    model: Model | None = None
    notion_for: Callable[[str], Notion] | None = None  # tenant id → Notion bound to its token
    tenants: TenantStore | None = None
    clock: Callable[[], datetime] = utcnow
    code: CodeAccess | None = None  # GitHub and Vercel: set in the deploy function only

    def limits(self) -> Limits:
        s = self.settings
        return Limits(s.run_max_steps, s.run_loop_limit, s.run_max_consecutive_errors)

    def budget(self, tenant_id: str) -> Budget:
        """The tenant's budgets as stored now, not as cached: an owner who raised one (told to by a
        limit stop) approves at once, and the step it lets go on must not stop again at the old one."""
        s = self.settings
        tenant = self.tenants.get(tenant_id, fresh=True) if self.tenants is not None else None
        if tenant is None:
            return Budget(s.default_run_budget_usd, s.default_day_budget_usd, s.default_month_budget_usd)
        t = tenant.settings
        return Budget(t.max_cost_per_run_usd, t.max_cost_per_day_usd, t.max_cost_per_month_usd)

    def tenant_stops(self, tenant_id: str, started: datetime | None) -> str:
        """Why the workspace no longer runs a run started at ``started`` ("" while it does:
        ``Tenant.stops``), the tenant as the instance caches it (read again within a minute, and
        afresh at every model call's budget check). A step and a plan ask before they act."""
        if self.tenants is None:
            return ""
        tenant = self.tenants.get(tenant_id)
        return "the workspace is no longer connected" if tenant is None else tenant.stops(started)

    def need_model(self) -> Model:
        if self.model is None:
            raise RuntimeError("this function was built without a model")
        return self.model

    def need_tenants(self) -> TenantStore:
        if self.tenants is None:
            raise RuntimeError("this function was built without the tenant store")
        return self.tenants

    def need_notion(self, tenant_id: str) -> Notion:
        if self.notion_for is None:
            raise RuntimeError("this function was built without Notion access")
        return self.notion_for(tenant_id)


type Runner = Callable[[Callable[[str], Any]], Any]
_END = object()


class BoundNotion:
    """The Notion port bound to one tenant: every call runs through ``run`` (which supplies the token
    and, with NotionAccess, refreshes it once on a 401). The ``token`` argument callers pass is
    ignored. A paginated result is read as the caller takes it (:func:`_read_lazily`), each request
    inside ``run``: a plan that wants ten rows of a data source of 30,000 makes one request, not 300."""

    def __init__(self, notion: Notion, run: Runner) -> None:
        self._notion, self._run = notion, run

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._notion, name)

        def call(_token: str, *args: Any, **kwargs: Any) -> Any:
            def operation(token: str) -> Any:
                return method(token, *args, **kwargs)

            result = self._run(operation)  # a listing's first request waits for its first item
            return _read_lazily(operation, self._run) if isinstance(result, Iterator) else result

        return call


def _read_lazily(start: Callable[[str], Iterator[Any]], run: Runner) -> Iterator[Any]:
    """The items of ``start(token)``, each taken inside ``run``, so the request that fetches a page
    does too and a 401 there is refreshed. A listing that raised cannot go on, so after a refresh it
    starts again with the new token and skips the items already taken (a rare re-read)."""
    taken = 0
    listing: tuple[str, Iterator[Any]] | None = None

    def take(token: str) -> Any:
        nonlocal listing
        if listing is None or listing[0] != token:
            listing = (token, islice(start(token), taken, None))
        try:
            return next(listing[1], _END)
        except BaseException:
            listing = None
            raise

    while (item := run(take)) is not _END:
        taken += 1
        yield item


def bind_notion(notion: Notion, run: Callable[[Callable[[str], Any]], Any]) -> Notion:
    """``notion`` bound to one tenant through ``run``. A cast: the proxy satisfies the Protocol by
    delegating every method, which a type checker cannot see through ``__getattr__``."""
    return cast("Notion", BoundNotion(notion, run))


class _NoNotion:
    """What a tool without Notion access gets: any use is a programming error, said plainly."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"this tool has no Notion access (it called {name})")


NO_NOTION: Notion = cast("Notion", _NoNotion())
