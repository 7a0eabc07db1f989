"""Shared by several test modules: helpers first written for ``tests/integration/engine/test_webhook_intake.py``."""

from typing import Any

from pydantic import TypeAdapter

from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.triggers import Rule, resolve
from tests.integration.notion_stack import Stack

# Trigger rules that start work on a page's creation and on any change of its Status.
STATUS_EDITS: list[dict[str, Any]] = [
    {"kind": "page_created"},
    {"kind": "property_changed", "property": "Status"},
]


def schema(stack: Stack, workspace: str, data_source_id: str) -> dict[str, Any]:
    """A data source's properties as Notion returns them (read as a person: not in the request log)."""
    path = f"/v1/data_sources/{data_source_id}"
    answer = stack.admin.post(f"/workspaces/{workspace}/act", {"method": "GET", "path": path})
    assert answer["status"] == 200, answer
    return dict(answer["response"]["properties"])


def connected(
    stack: Stack, key: str = "demo", rules: list[dict[str, Any]] | None = None
) -> tuple[str, dict[str, Any]]:
    """Connect workspace ``key`` and choose its Tasks and Ideas data sources, with ``rules`` (resolved
    against each one's schema) or the default trigger rules; subscribe the webhook."""
    if key != "demo":
        stack.admin.post("/workspaces", {"key": key})
    tenant_id = stack.connect(key)["tenant_id"]
    ws = next(w for w in stack.admin.get("/workspaces") if w["key"] == key)
    tenant = stack.container.workspace.tenants.get(tenant_id)
    assert tenant is not None
    sources = [ws["ids"]["tasks_data_source"], ws["ids"]["ideas_data_source"]]
    triggers: dict[str, list[Rule]] = {}
    for source in sources if rules is not None else []:
        raw = TypeAdapter(list[Rule]).validate_python(rules)
        triggers[source] = resolve(raw, schema(stack, key, source), source, "triggers")
    chosen = TenantSettings(data_source_ids=sources, triggers=triggers)
    stack.container.workspace.tenants.save(tenant.model_copy(update={"settings": chosen}))
    subscription = stack.admin.get("/webhook")["subscription"]
    if subscription is None or subscription["url"] != stack.webhook_url:
        assert stack.subscribe()["verified"]
    return tenant_id, ws


def flush(stack: Stack) -> list[dict[str, Any]]:
    return stack.deliveries()
