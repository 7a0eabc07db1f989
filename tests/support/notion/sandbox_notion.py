"""The tenant's Notion on the Notion sandbox over real HTTP (notion-client underneath), as the
integration tests reach it with the demo workspace's token."""

import httpx
from notion_client import Client
from notion_client.client import ClientOptions

from shared.notion.adapters.notion import NOTION_VERSION, NotionApi
from shared.notion.services.notion_access import NotionForTenant

TOKEN = "ntn_sandbox_demo"


def sandbox_notion(url: str, token: str = TOKEN) -> NotionForTenant:
    """The Notion of the sandbox at ``url``, unthrottled, its calls made with ``token``."""
    options = ClientOptions(base_url=url, timeout_ms=10_000, notion_version=NOTION_VERSION, retry=False)
    api = NotionApi(Client(options=options, client=httpx.Client()), rate_per_s=1000, burst=1000)
    return NotionForTenant(api, lambda operation: operation(token))
