"""Notion's adapters: one notion-client per instance, its API and OAuth, and a tenant's Notion with its current token."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.bootstrap.base import Built
from shared.bootstrap.team import TeamParts

if TYPE_CHECKING:
    from shared.notion.ports import NotionClient, NotionOAuth, TenantNotion
    from shared.notion.services.notion_access import NotionAccess


class NotionParts(TeamParts):
    """Notion's adapters. Built once per instance."""

    notion: Built[NotionClient] = Built()
    notion_oauth: Built[NotionOAuth] = Built()

    @property
    def notion_access(self) -> NotionAccess:
        """Notion calls with a tenant's current token (refresh on 401): see shared.notion.services.notion_access."""
        from shared.notion.services.notion_access import NotionAccess

        return NotionAccess(self.tenants, self.secrets, self.notion_oauth, self.queue)

    def data_source_schemas(self, tenant_id: str) -> Callable[[str], dict[str, Any]]:
        """data source id → its ``properties`` as Notion returns them, read with ``tenant_id``'s token
        (the token is read at the first call only): settings check trigger rules against it."""
        notion = self.notion_access.for_tenant(self.notion, tenant_id)
        return lambda source: dict(notion.retrieve_data_source(source).get("properties") or {})

    def tenant_notion(self, tenant_id: str) -> TenantNotion:
        """Notion with ``tenant_id``'s current token (refreshed once on a 401), for the api's routes
        that read or change the workspace (the agent's home)."""
        return self.notion_access.for_tenant(self.notion, tenant_id)

    def _notion_client(self) -> Any:
        """One notion-client Client (and its connection pool) per instance; tokens go per call."""

        def build() -> Any:
            from shared.notion.adapters.notion import build_client

            return build_client(self.settings.notion_api_base_url, self.settings.notion_timeout_s)

        return self._once("notion_client", build)

    def _build_notion(self) -> NotionClient:
        from shared.notion.adapters.notion import NotionApi

        s = self.settings
        return NotionApi(
            self._notion_client(), s.notion_max_inline_wait_s, s.notion_rate_per_s, s.notion_burst
        )

    def _build_notion_oauth(self) -> NotionOAuth:
        from shared.notion.adapters.notion import NotionOAuthClient

        return NotionOAuthClient(self._notion_client())
