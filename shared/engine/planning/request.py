"""A plan task being planned (:class:`Planning`): the task, the engine's deps, and what is read once
for it (the tenant, its Notion, the run's log). Every step of planning takes it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, NamedTuple

from shared.engine.services.run_log import RunLog
from shared.runs.domain.plan_task import PlanTask
from shared.runs.services.deps import Deps

if TYPE_CHECKING:
    from shared.notion.ports import TenantNotion
    from shared.workspace.domain.tenants import Tenant


log = logging.getLogger(__name__)


class Planning(NamedTuple):
    """One plan task being carried out: the task and the instance's adapters. Its tenant, its Notion
    and its run's log are reached from here, not by handing the task's ids around."""

    task: PlanTask
    deps: Deps

    @property
    def log(self) -> RunLog:
        """The log of the run the task plans."""
        return RunLog(self.deps, self.task.tenant_id, self.task.run_id)

    def tenant(self) -> Tenant | None:
        """The task's tenant, as the instance caches it (None without a tenant store, or if gone)."""
        tenants = self.deps.tenants
        return tenants.get(self.task.tenant_id) if tenants is not None else None

    def notion(self) -> TenantNotion:
        """Notion, with the task's tenant's token."""
        return self.deps.need_notion(self.task.tenant_id)
