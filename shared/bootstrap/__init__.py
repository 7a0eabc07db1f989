"""The composition root: builds the adapters from settings, and the bundles of them the use cases take
(the engine's Deps, webhook intake, the connect flow, the notifier), lazily, once per instance, one
capability's part at a time (``shared/bootstrap/<capability>.py``). Entry points use :func:`root`;
tests build a :class:`Container` from their own adapters. :func:`preload`, called by an entry point
at import, imports the client libraries of the ports it uses (and our adapter modules, or only those
of ``adapters=``) without building anything: a cold start pays for what its function needs."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from shared.bootstrap.base import _MODULES, CLIENT_LIBRARIES, PORTS, Port, preload
from shared.bootstrap.memory import MemoryParts
from shared.platform import logs
from shared.platform.config import get_settings

if TYPE_CHECKING:
    from shared.engine.services.check_wakeups import CheckWakeups
    from shared.notion.services.connect import Connecting
    from shared.notion.services.erasure import Erasing
    from shared.notion.services.notion_access import NotionAccess
    from shared.runs.services.deps import Deps
    from shared.runs.services.notion_intake import Intake
    from shared.sync.services.issue_writes import IssueWrites

__all__ = ["CLIENT_LIBRARIES", "PORTS", "_MODULES", "Container", "Port", "preload", "root"]


class Container(MemoryParts):
    """The adapters of one instance (built by each capability's part) and the bundles built from
    them. ``adapters`` (by port name) replace the ones the settings would build: tests pass fakes or
    the local stack's."""

    # The bundles of adapters the use cases take (built here, never in entry points).

    def engine(self, with_model: bool = True) -> Deps:
        """The engine's dependencies (plan, execute-step, the api's run routes, the sweeper), built
        once: the tenant read through :class:`CachedTenants`, Notion bound per tenant to its current
        token on first use (a step that does not use Notion reads no token)."""
        return self._once(f"engine:{with_model}", lambda: self._build_engine(with_model))

    def deploy_engine(self) -> Deps:
        """The engine's dependencies for the deploy function: GitHub and Vercel, no Notion (its steps
        never touch a workspace, so it holds no Notion token)."""
        return self._once("deploy_engine", self._build_deploy_engine)

    def check_wakeups(self) -> CheckWakeups:
        """GitHub's webhook route's bundle (``RunsParts.check_wakeups``), with the engine's deps (no
        model) that check a revision's agent and budgets before it is queued (decision 0131)."""
        return super().check_wakeups()._replace(engine=lambda: self.engine(with_model=False))

    def intake(self) -> Intake:
        """What webhook intake uses, with the settings as they are now."""
        from shared.runs.services.notion_intake import Intake

        s = self.settings
        return Intake(
            self.tenants,
            self.webhook_events,
            self.queue,
            self.secrets,
            s.webhook_event_ttl_s,
            s.webhook_coalesce_s,
            s.verification_open_until(),
            index_pages=s.workspace_index,
        )

    def connecting(self) -> Connecting:
        """What the connect flow (connect, OAuth callback, disconnect) uses."""
        from shared.notion.services.connect import Connecting

        invites = self.invites if self.settings.signup_policy == "invite" else None
        return Connecting(
            self.settings,
            self.secrets,
            self.oauth_states,
            self.tenants,
            self.notion_oauth,
            invites,
            forget_index=lambda tenant_id: self.passages.delete_all(tenant_id),  # noqa: PLW0108 (built when used)
        )

    def erasing(self) -> Erasing:
        """What erasing a workspace uses (the owner's ``POST /workspace/erase``, ``make erase-tenant``):
        the erasures' records, the connect flow's parts, the held runs' cancelling, the tools' disconnects."""
        from shared.notion.services.erasure import Erasing

        return Erasing(self.erasures, self.connecting(), self.stop_held_runs(), self.forget_tools())

    def stop_held_runs(self) -> Callable[[str, str], int]:
        """``(tenant_id, reason)`` → how many held runs were cancelled (``humans.cancel_held``), as
        a disconnect needs it."""
        from shared.engine.services.humans import cancel_held

        engine = self.engine(with_model=False)
        return lambda tenant_id, reason: cancel_held(engine, tenant_id, reason)

    def _build_engine(self, with_model: bool) -> Deps:
        from shared.notion.services.notion_access import NotionAccess

        tenants = self._cached_tenants()

        def access() -> NotionAccess:
            return self._once(
                "engine_notion", lambda: NotionAccess(tenants, self.secrets, self.notion_oauth, self.queue)
            )

        return self._deps(
            tenants,
            model_source=(lambda: self.model) if with_model else None,
            notion_for=lambda tenant_id: access().for_tenant(self.notion, tenant_id),
            agents_source=lambda: self.agents,
            memory=lambda: (self.embedder, self.passages),
            reranker=lambda: self.reranker,
            audit_source=lambda: self.audit,
            trackers=self._issue_writes,
        )

    def _issue_writes(self) -> IssueWrites:
        """The runs' writes to connected trackers (decision 0116), built once."""
        from shared.sync.services.issue_writes import IssueWrites
        from shared.sync.services.task_writes import TaskWrites

        def built() -> IssueWrites:
            console = self.settings.frontend_url  # where a task's signature links (decision 0130)
            motion = TaskWrites(self.secrets, self.motion_store, self.motion, console)
            return IssueWrites(
                self.secrets,
                self.sync_store,
                self.linear,
                self.gitlab_store,
                self.gitlab,
                motion=motion,
                oauth=self.oauth_parts(),
            )

        return self._once("issue_writes", built)

    def _build_deploy_engine(self) -> Deps:
        from shared.code.services.code_access import CodeAccess

        tenants = self._cached_tenants()
        code = CodeAccess(
            self.code_host, self.deployer, self.secrets, tenants, gitlab=self.gitlab_code_hosts()
        )
        return self._deps(tenants, model_source=lambda: self.model, code=code)


@lru_cache(maxsize=1)
def root() -> Container:
    """This instance's container, built on first use from the environment's settings (and logging
    configured by them)."""
    settings = get_settings()
    logs.configure(settings.gcp_project, settings.log_level)
    return Container(settings)
