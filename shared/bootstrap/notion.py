"""Notion's part of the composition root: one notion-client per instance, its API and OAuth, and a
tenant's Notion with its current token."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.bootstrap.declare import Built

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.bootstrap.platform import Platform
    from shared.bootstrap.workspace import Workspace
    from shared.notion.ports import NotionClient, NotionOAuth, TenantNotion
    from shared.notion.services.notion_access import NotionAccess
    from shared.workspace.ports import TenantStore

_NOTION = "shared.notion.adapters.notion"
_LIBRARIES = ("notion_client", "httpx")  # notion-client is built on httpx


def _notion(part: Notion) -> NotionClient:
    from shared.notion.adapters.notion import NotionApi

    s = part.instance.settings
    return NotionApi(part.client(), s.notion_max_inline_wait_s, s.notion_rate_per_s, s.notion_burst)


def _notion_oauth(part: Notion) -> NotionOAuth:
    from shared.notion.adapters.notion import NotionOAuthClient

    return NotionOAuthClient(part.client())


class Notion:
    """Notion's ports, and Notion as a tenant's token reaches it."""

    notion: Built[NotionClient] = Built(_NOTION, _LIBRARIES, _notion)
    notion_oauth: Built[NotionOAuth] = Built(_NOTION, _LIBRARIES, _notion_oauth)

    def __init__(self, instance: Instance, platform: Platform, workspace: Workspace) -> None:
        self.instance, self.platform, self.workspace = instance, platform, workspace

    def access(self, tenants: TenantStore | None = None) -> NotionAccess:
        """Notion calls with a tenant's current token (refresh on 401): see
        shared.notion.services.notion_access; ``tenants`` read through (default: the tenant store)."""
        from shared.notion.services.notion_access import NotionAccess

        held = self.workspace.tenants if tenants is None else tenants
        return NotionAccess(held, self.platform.secrets, self.notion_oauth, self.platform.queue)

    def data_source_schemas(self, tenant_id: str) -> Callable[[str], dict[str, Any]]:
        """data source id → its ``properties`` as Notion returns them, read with ``tenant_id``'s token
        (the token is read at the first call only): settings check trigger rules against it."""
        notion = self.tenant_notion(tenant_id)
        return lambda source: dict(notion.retrieve_data_source(source).get("properties") or {})

    def tenant_notion(self, tenant_id: str) -> TenantNotion:
        """Notion with ``tenant_id``'s current token (refreshed once on a 401), for the api's routes
        that read or change the workspace (the agent's home)."""
        return self.access().for_tenant(self.notion, tenant_id)

    def client(self) -> Any:
        """One notion-client Client (and its connection pool) per instance; tokens go per call."""

        def build() -> Any:
            from shared.notion.adapters.notion import build_client

            s = self.instance.settings
            return build_client(s.notion_api_base_url, s.notion_timeout_s)

        return self.instance.once("notion_client", build)
