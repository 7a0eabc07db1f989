"""One request to the Notion sandbox over real HTTP, as the agent's version or another: what the
contract tests send (tests/contract)."""

from __future__ import annotations

from typing import Any

import httpx

from local.notion_sandbox import SandboxServer
from shared.notion.adapters.notion import NOTION_VERSION

TOKEN = "ntn_sandbox_demo"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Notion-Version": NOTION_VERSION}  # the agent's
HTTP = httpx.Client(verify=False, timeout=10)


def call(
    server: SandboxServer,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    version: str = NOTION_VERSION,
    **params: Any,
) -> Any:
    """``method path`` with ``body`` and query ``params``, as ``Notion-Version: version``: (status, JSON)."""
    headers = {**HEADERS, "Notion-Version": version}
    response = HTTP.request(method, server.url + path, headers=headers, json=body, params=params or None)
    return response.status_code, response.json()
