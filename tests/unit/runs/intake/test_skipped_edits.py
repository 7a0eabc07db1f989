"""The edits the rules skipped: webhook intake keeps each edit of a chosen data
source's page that its rules did not start, one per page and rule, a week; GET /skipped-edits lists them."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.platform.config import PlatformSecret
from shared.runs.domain.notion_events import NotionEvent, skipped_edit
from shared.runs.services.notion_intake import Intake, ingest_webhook
from shared.team.services.sessions import start_session
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.skipped_edits import KEEP, SLOTS
from shared.workspace.domain.tenants import Tenant
from shared.workspace.domain.triggers import PropertyChanged
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.platform.platform_fakes import FakeQueue, FakeSecrets
from tests.support.runs.api_runs import auth, fake_container
from tests.support.workspace.firestore_tenants import tenant
from tests.support.workspace.workspace_fakes import FakeTenantStore, FakeWebhookEvents

TOKEN = "secret_verification"
DS = "2a3b4c5d-0000-4000-8000-000000000001"
PAGE = "3b4c5d6e-0000-4000-8000-000000000002"
PERSON = "4c5d6e7f-0000-4000-8000-000000000003"
BOT = "5d6e7f80-0000-4000-8000-000000000004"
T0 = datetime.now(UTC).replace(microsecond=0)
STATUS = PropertyChanged(property="Status", property_id="st", property_type="status")


def workspace() -> Tenant:
    settings = TenantSettings(data_source_ids=[DS], triggers={DS: [STATUS]})
    since = T0 - timedelta(days=30)
    return tenant("ws1", tenant_id="t1", bot_id=BOT, settings=settings, created_at=since, owner_since=since)


def intake() -> Intake:
    tenants = FakeTenantStore()
    tenants.save(workspace())
    secrets = FakeSecrets({PlatformSecret.NOTION_WEBHOOK_TOKEN: TOKEN})
    return Intake(tenants, FakeWebhookEvents(), FakeQueue(), secrets, 86400.0)


def signed(event_id: str, kind: str, updated: list[str] | None, author: str = PERSON) -> tuple[bytes, str]:
    data: dict[str, Any] = {"parent": {"id": DS, "type": "database", "data_source_id": DS}}
    if updated is not None:
        data["updated_properties"] = updated
    event = {
        "id": event_id,
        "type": kind,
        "timestamp": T0.isoformat(),
        "workspace_id": "ws1",
        "authors": [{"id": author, "type": "person" if author == PERSON else "bot"}],
        "entity": {"id": PAGE, "type": "page"},
        "data": data,
    }
    body = json.dumps(event).encode()
    return body, "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()


def test_intake_keeps_an_edit_the_rules_skip_with_the_rule_and_the_person() -> None:
    into = intake()
    ledger: Any = into.events
    assert ingest_webhook(*signed("e1", "page.properties_updated", ["title"]), into, T0).result == "ignored"
    [edit] = ledger.skipped("t1", T0 - KEEP)
    assert edit.page_id == PAGE.replace("-", "") and edit.data_source_id == DS.replace("-", "")
    assert edit.rule == "a page of a chosen data source: no rule names a changed property"
    assert edit.people == [PERSON.replace("-", "")] and edit.expires_at == T0 + KEEP
    # the same page skipped by the same rule again: one record, the latest
    later = T0 + timedelta(minutes=1)
    ingest_webhook(*signed("e2", "page.properties_updated", ["title"]), into, later)
    assert [e.at for e in ledger.skipped("t1", T0 - KEEP)] == [later]
    # another rule's reason is another record
    ingest_webhook(*signed("e3", "page.content_updated", None), into, later)
    assert len(ledger.skipped("t1", T0 - KEEP)) == 2


def test_what_starts_a_run_or_the_bot_made_is_not_kept() -> None:
    into = intake()
    ledger: Any = into.events
    assert ingest_webhook(*signed("e1", "page.properties_updated", ["st"]), into, T0).result == "enqueued"
    assert ingest_webhook(*signed("e2", "page.properties_updated", ["x"], BOT), into, T0).result == "ignored"
    assert ledger.skipped("t1", T0 - KEEP) == []


def test_a_flood_of_pages_keeps_at_most_the_slots() -> None:
    ledger = FakeWebhookEvents()
    for i in range(SLOTS * 3):
        page = f"3b4c5d6e-0000-4000-8000-{i:012d}"
        event = NotionEvent.model_validate(
            {
                "id": f"e{i}",
                "type": "page.created",
                "timestamp": T0.isoformat(),
                "workspace_id": "ws1",
                "entity": {"id": page, "type": "page"},
            }
        )
        ledger.skip("t1", skipped_edit(event, "no page_created rule", T0))
    assert 0 < len(ledger.skips) <= SLOTS


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    return fake_container(monkeypatch)


def test_the_route_lists_the_last_week_newest_first(fakes: FakeContainer) -> None:
    for n, days in enumerate((1, 3, 8)):  # the one 8 days old is past the week
        edit = skipped_edit(event_of(f"e{n}"), f"rule {n}", datetime.now(UTC) - timedelta(days=days))
        fakes.webhook_events.skip("t1", edit)
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    answer = api.get("/skipped-edits", headers=auth(token))
    body: Any = answer.json
    assert answer.status_code == 200, body
    assert [e["rule"] for e in body["edits"]] == ["rule 0", "rule 1"]
    assert set(body["edits"][0]) == {
        "page_id",
        "data_source_id",
        "event_type",
        "rule",
        "people",
        "at",
        "title",
    }
    assert body["edits"][0]["title"] == ""  # a page Notion does not give: no title, no failure
    assert api.get("/skipped-edits?limit=0", headers=auth(token)).status_code == 400
    assert api.get("/skipped-edits?since=x", headers=auth(token)).status_code == 400


def test_each_edit_names_its_page_by_its_title_read_once(fakes: FakeContainer) -> None:
    """The console names a skipped edit's page by its title, not its raw id."""
    for n in range(2):  # two edits of one page: its title read once
        fakes.webhook_events.skip("t1", skipped_edit(event_of(f"e{n}"), f"rule {n}", datetime.now(UTC)))
    title = {
        "Name": {"type": "title", "title": [{"plain_text": "Dashboard", "text": {"content": "Dashboard"}}]}
    }
    page = {"id": PAGE, "parent": {}, "properties": title, "url": "https://n/p"}
    fakes.fake_notion.pages[PAGE] = fakes.fake_notion.pages[PAGE.replace("-", "")] = (
        page  # either form of its id
    )
    fakes.secrets.put(
        "s", '{"access_token": "secret_t1"}'
    )  # t1's token secret (tests/support/runs/api_runs.py)
    reads: list[str] = []
    retrieve = fakes.fake_notion.retrieve_page

    def counted(token: str, page_id: str) -> dict[str, Any]:
        reads.append(page_id)
        return retrieve(token, page_id)

    fakes.fake_notion.retrieve_page = counted  # type: ignore[method-assign]  # counting the reads
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    body: Any = api.get("/skipped-edits", headers=auth(token)).json
    assert [e["title"] for e in body["edits"]] == ["Dashboard", "Dashboard"], body
    assert len(reads) == 1


def event_of(event_id: str) -> NotionEvent:
    body, _ = signed(event_id, "page.created", None)
    return NotionEvent.model_validate(json.loads(body))
