"""What the engine's services need, gathered once per request from the instance's adapters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.platform.config import Settings
from shared.runs.domain.run_limits import Budget, Limits

if TYPE_CHECKING:
    from shared.agents.ports import AgentStore
    from shared.code.services.code_access import CodeAccess
    from shared.memory.ports import Memory, Reranker
    from shared.notion.ports import TenantNotion
    from shared.platform.ports import Model, SecretStore, TaskQueue
    from shared.runs.ports import RunStore
    from shared.runs.services.spend_cache import SpendCache
    from shared.team.ports import AuditLog
    from shared.workspace.ports import TenantStore, WebhookEventLedger


def utcnow() -> datetime:
    return datetime.now(UTC)


class Deps(NamedTuple):
    store: RunStore
    queue: TaskQueue
    secrets: SecretStore
    settings: Settings
    spend: SpendCache  # this instance's cached spend and budgets (shared.runs.services.spend_cache)
    model: Model | None = None  # given as built (tests), or
    notion_for: Callable[[str], TenantNotion] | None = None  # tenant id → Notion with its token
    tenants: TenantStore | None = None
    clock: Callable[[], datetime] = utcnow
    code: CodeAccess | None = None  # GitHub and Vercel: set in the deploy function only
    model_source: Callable[[], Model] | None = None  # builds the model on first use (bootstrap)
    agents_source: Callable[[], AgentStore] | None = None  # the agents' store, built on first use
    # The workspace index and its embedder, built on first use (shared.memory.services.workspace_search).
    memory: Callable[[], Memory] | None = None
    # Search's reranker, built on first use (None: none; decision 0098).
    reranker: Callable[[], Reranker | None] | None = None
    audit_source: Callable[[], AuditLog] | None = None  # the audit log, built on first use (bootstrap)
    # The tenant's tracker writes (shared.sync.services.issue_writes.IssueWrites), built on first use.
    trackers: Callable[[], Any] | None = None
    # (tenant id, agent id) → that agent's MCP tools (shared.mcp.services.calls.McpCalls).
    mcp: Callable[[str, str], Any] | None = None
    # Where the edits the trigger rules skipped are kept (the console's "Edits the rules skipped"):
    # planning keeps a mention a database's rules leave out there too.
    skipped_edits: Callable[[], WebhookEventLedger] | None = None

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
        """The model: as given, else built on first use by ``model_source`` (a request that calls no
        model loads no model client)."""
        if self.model is not None:
            return self.model
        if self.model_source is None:
            raise RuntimeError("this function was built without a model")
        return self.model_source()

    def agents(self) -> AgentStore | None:
        """The agents' store; None in a bundle built without it (runs are then the default agent's)."""
        return self.agents_source() if self.agents_source is not None else None

    def need_tenants(self) -> TenantStore:
        if self.tenants is None:
            raise RuntimeError("this function was built without the tenant store")
        return self.tenants

    def need_notion(self, tenant_id: str) -> TenantNotion:
        if self.notion_for is None:
            raise RuntimeError("this function was built without Notion access")
        return self.notion_for(tenant_id)


class RunRef(NamedTuple):
    """One run (``tenants/{tenant_id}/runs/{run_id}``) bound to the instance's adapters: what travels
    instead of ``(deps, tenant_id, run_id)``. A service holds its ``run_log.RunLog``, which adds the
    log's reads and writes; ``followups`` and ``page_notes``, below the log, take it as this."""

    deps: Deps
    tenant_id: str
    run_id: str
