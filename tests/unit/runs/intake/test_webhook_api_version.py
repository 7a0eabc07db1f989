"""notion-webhook and the events' API version: an event of 2025-09-03 or 2026-03-11 (the agent's,
decision 0090) is read; one of an older version (a subscription made with it, whose events name
databases, not data sources) is acknowledged, not read, with a warning naming the fix. Fakes."""

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.notion.adapters.notion import NOTION_VERSION
from shared.platform.config import PlatformSecret
from shared.runs.domain.notion_events import EVENT_API_VERSIONS
from shared.runs.services.notion_intake import Intake, ingest_webhook
from shared.workspace.domain.tenants import Tenant
from tests.fakes import FakeQueue, FakeSecrets, FakeTenantStore, FakeWebhookEvents
from tests.support.platform.log_events import fields_logged

TOKEN = "secret_verification"
PAGE = "3b4c5d6e-0000-4000-8000-00000000000b"
OWNER = "owner-1"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _intake() -> tuple[Intake, FakeQueue]:
    tenants, queue = FakeTenantStore(), FakeQueue()
    tenants.save(
        Tenant(tenant_id="t1", workspace_id="ws1", token_secret="notion-token-t1", owner_user_id=OWNER,
               bot_id="bot-1", created_at=T0, updated_at=T0)
    )  # fmt: skip
    secrets = FakeSecrets({PlatformSecret.NOTION_WEBHOOK_TOKEN: TOKEN})
    return Intake(tenants, FakeWebhookEvents(), queue, secrets, 86400.0), queue


def _mention(event_id: str, api_version: str | None) -> tuple[bytes, str]:
    event: dict[str, Any] = {
        "id": event_id,
        "type": "comment.created",
        "timestamp": T0.isoformat(),
        "workspace_id": "ws1",
        "authors": [{"id": OWNER, "type": "person"}],
        "entity": {"id": "c0ffee00-0000-4000-8000-000000000001", "type": "comment"},
        "data": {"page_id": PAGE, "parent": {"id": PAGE, "type": "page"}},
    }
    if api_version is not None:
        event["api_version"] = api_version
    body = json.dumps(event).encode()
    return body, "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()


def test_events_of_the_agents_version_and_the_one_before_are_read() -> None:
    assert NOTION_VERSION in EVENT_API_VERSIONS
    intake, queue = _intake()
    for i, version in enumerate([NOTION_VERSION, "2025-09-03", None]):
        outcome = ingest_webhook(*_mention(f"e-{i}", version), intake, now=T0 + timedelta(seconds=5))
        assert outcome.result == "enqueued", (version, outcome)
    assert len(queue.tasks) == 3


def test_an_event_of_an_older_version_is_acknowledged_not_read(caplog: pytest.LogCaptureFixture) -> None:
    intake, queue = _intake()
    with caplog.at_level(logging.WARNING):
        outcome = ingest_webhook(*_mention("e-1", "2022-06-28"), intake, now=T0 + timedelta(seconds=5))
    assert (
        outcome.result == "ignored"
        and "make the webhook subscription again with 2026-03-11" in outcome.detail
    )
    assert queue.tasks == []
    assert fields_logged(caplog.records, "webhook_api_version") == [
        {"event": "webhook_api_version", "api_version": "2022-06-28"}
    ]
