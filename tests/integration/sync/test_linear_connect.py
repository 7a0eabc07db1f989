"""Connecting Linear by API key against the Linear sandbox and the Firestore emulator: the key and a
signing secret go to the secret store (never Firestore), a webhook of the team's issues is made at
Linear, the record names the team and the home's Tasks; bad input is a 400 that stores nothing;
disconnect deletes the webhook at Linear, our secrets and the record, and may be repeated."""

import json
from typing import Any

import pytest

from shared.platform.errors import InvalidInput, NotFound
from shared.sync.domain.connection import hook_secret, key_secret
from shared.sync.services.connect import connect_linear, disconnect_linear, linear_status
from tests.integration.sync.conftest import IDS, KEY, TEAM_ID, SyncStack, sync_tasks

pytestmark = pytest.mark.integration


def stored_documents(db: Any, tenant_id: str) -> str:
    tenant = db.collection("tenants").document(tenant_id)
    return json.dumps([d.to_dict() for c in tenant.collections() for d in c.stream()], default=str)


def test_connect_keeps_the_key_in_secrets_and_hooks_the_team(stack: SyncStack) -> None:
    answer = connect_linear(stack.tenant_id, {"api_key": KEY, "team_id": TEAM_ID}, stack.linking)
    assert answer["connected"] and answer["team"]["name"] == "Engineering"
    assert answer["data_source_id"] == IDS["tasks_data_source"].replace("-", "")
    assert KEY not in json.dumps(answer)
    assert stack.secrets.get(key_secret(stack.tenant_id)) == KEY
    signing = stack.secrets.get(hook_secret(stack.tenant_id))
    [hook] = stack.linear.webhooks.values()
    assert hook["secret"] == signing and hook["teamId"] == TEAM_ID and hook["resourceTypes"] == ["Issue"]
    assert hook["url"].endswith(f"/sync/linear/webhook/{stack.tenant_id}")
    kept = stored_documents(stack.db, stack.tenant_id)
    assert KEY not in kept and signing not in kept
    assert linear_status(stack.tenant_id, stack.store)["team"]["id"] == TEAM_ID
    assert [t.kind for t in sync_tasks(stack.queue)] == ["scan"]  # the first scan of the data source


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"api_key": "lin_api_revoked_key", "team_id": TEAM_ID}, "api_key"),
        ({"api_key": KEY, "team_id": "no-such-team"}, "team_id"),
        ({"api_key": "short", "team_id": TEAM_ID}, "api_key"),
        ({"api_key": KEY, "team_id": "a team"}, "team_id"),
        ({"api_key": KEY, "team_id": TEAM_ID, "data_source_id": "x"}, "data_source_id"),
        ({"api_key": KEY, "team_id": TEAM_ID, "token": "x"}, "token"),
    ],
)
def test_bad_input_is_a_400_that_stores_nothing(stack: SyncStack, body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        connect_linear(stack.tenant_id, body, stack.linking)
    assert refused.value.http_status == 400 and field in refused.value.reason
    with pytest.raises(NotFound):
        stack.secrets.get(key_secret(stack.tenant_id))
    assert stack.store.connection(stack.tenant_id) is None and stack.linear.webhooks == {}


def test_disconnect_deletes_the_webhook_our_secrets_and_the_record(stack: SyncStack) -> None:
    connect_linear(stack.tenant_id, {"api_key": KEY, "team_id": TEAM_ID}, stack.linking)
    gone = disconnect_linear(stack.tenant_id, stack.linking)
    assert gone == {"tool": "linear", "connected": False, "webhook_deleted": True}
    assert stack.linear.webhooks == {} and stack.store.connection(stack.tenant_id) is None
    for name in (key_secret(stack.tenant_id), hook_secret(stack.tenant_id)):
        with pytest.raises(NotFound):
            stack.secrets.get(name)
    assert disconnect_linear(stack.tenant_id, stack.linking)["connected"] is False  # repeatable


def test_connecting_again_replaces_the_webhook(stack: SyncStack) -> None:
    connect_linear(stack.tenant_id, {"api_key": KEY, "team_id": TEAM_ID}, stack.linking)
    first = set(stack.linear.webhooks)
    connect_linear(stack.tenant_id, {"api_key": KEY, "team_id": TEAM_ID}, stack.linking)
    assert len(stack.linear.webhooks) == 1 and set(stack.linear.webhooks) != first
