"""Input at the edges: absurd times, implausible tokens and codes, unencodable secrets. Each is a clear
4xx (or a project error) and stores, loses or repeats nothing."""

import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from google.api_core import exceptions as gexc
from google.cloud import secretmanager
from pydantic import ValidationError

from shared.agents.domain.schedule_task import ScheduleTask
from shared.agents.services.daily_schedule import plan_due_tenants
from shared.notion.services.connect import begin_connect, complete_connect
from shared.platform.adapters.secret_manager import SecretManagerSecrets
from shared.platform.config import WEBHOOK_EVENT_MAX_AGE_S, PlatformSecret, Settings
from shared.platform.domain.schema import problems
from shared.platform.errors import ConfigError, InvalidInput
from shared.runs.domain.notion_events import CLOCK_SKEW, NotionEvent, plan_task
from shared.runs.domain.plan_task import EARLIEST_EVENT, LATEST_EVENT, Trigger
from shared.runs.services.notion_intake import Intake, ingest_webhook
from shared.workspace.domain.daily import EARLIEST_TICK, LATEST_TICK, tick_of
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant
from tests.support.agents.daily_planning import deps_with, queued
from tests.support.notion.connection_services import deps as connect_deps
from tests.support.platform.fake_container import FakeContainer, client, fakes
from tests.support.platform.platform_fakes import FakeQueue, FakeSecrets
from tests.support.workspace.tenants import a_tenant
from tests.support.workspace.workspace_fakes import FakeTenantStore, FakeWebhookEvents

__all__ = ["fakes"]  # the fixture of fakes the entry points answer from

TOKEN = "secret_verification"
PAGE = "3b4c5d6e-0000-4000-8000-000000000002"
NOW = datetime(2026, 1, 5, 9, 0, 30, tzinfo=UTC)

# --- (a) a signed event whose timestamp is absurd -------------------------------------------------


def intake() -> Intake:
    tenants = FakeTenantStore()
    tenants.save(
        a_tenant("t1", "ws1", NOW, token_secret="notion-token-t1", settings=TenantSettings(page_ids=[PAGE]))
    )
    secrets = FakeSecrets({PlatformSecret.NOTION_WEBHOOK_TOKEN: TOKEN})
    return Intake(tenants, FakeWebhookEvents(), FakeQueue(), secrets, 3600.0, 60.0)


def signed(timestamp: str, event_id: str = "evt-1") -> tuple[bytes, str]:
    event = {
        "id": event_id,
        "type": "page.content_updated",
        "timestamp": timestamp,
        "workspace_id": "ws1",
        "authors": [{"id": "person-1", "type": "person"}],
        "entity": {"id": PAGE, "type": "page"},
        "data": {},
    }
    body = json.dumps(event).encode()
    return body, "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()


def untouched(i: Intake) -> bool:
    assert isinstance(i.events, FakeWebhookEvents) and isinstance(i.queue, FakeQueue)
    return not i.events.records and not i.queue.tasks


@pytest.mark.parametrize(
    "when",
    [
        "9999-12-31T23:59:59Z",  # the reviewer's: the window's end overflowed (500)
        "9999-12-31T23:59:59-12:00",  # past year 9999 in UTC
        "2026-01-06T09:00:31Z",  # just over CLOCK_SKEW ahead
    ],
)
def test_an_event_from_the_future_is_a_400_on_timestamp_and_stores_nothing(when: str) -> None:
    i = intake()
    with pytest.raises(InvalidInput, match="ahead of our clock") as refused:
        ingest_webhook(*signed(when), i, now=NOW)
    assert refused.value.fields == ["timestamp"] and untouched(i)


@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "2019-12-31T23:59:59Z"]
)
def test_an_event_from_before_notions_api_is_a_400_on_timestamp_and_stores_nothing(when: str) -> None:
    """Not an overflow but a lost change: ``changed_before`` in 1970 would tell every run that
    claimed the page since then that it had read this change (``Trigger.seen_by``)."""
    i = intake()
    with pytest.raises(ValidationError) as refused:
        ingest_webhook(*signed(when), i, now=NOW)
    assert problems(refused.value)[0][0] == "timestamp" and untouched(i)


def test_plausible_timestamps_still_coalesce_and_a_zoneless_one_is_utc() -> None:
    i = intake()
    ahead = (NOW + CLOCK_SKEW).isoformat()
    assert ingest_webhook(*signed(ahead, "evt-ahead"), i, now=NOW).result == "enqueued"
    assert ingest_webhook(*signed("2026-01-05T09:00:00Z"), i, now=NOW).result == "enqueued"
    assert ingest_webhook(*signed("2026-01-05T09:00:10", "evt-2"), i, now=NOW).result == "coalesced"
    oldest = NotionEvent.model_validate(json.loads(signed(EARLIEST_EVENT.isoformat())[0]))
    assert plan_task(oldest, "t1", 60).not_before == EARLIEST_EVENT + timedelta(seconds=60)


def test_the_far_future_event_is_refused_through_the_entry_point(fakes: FakeContainer) -> None:
    i = intake()
    fakes.tenants, fakes.secrets = i.tenants, i.secrets
    body, signature = signed("9999-12-31T23:59:59Z")
    answer = client("notion_webhook", fakes).post("/", data=body, headers={"X-Notion-Signature": signature})
    assert answer.status_code == 400 and answer.json is not None
    assert answer.json["fields"] == [{"field": "timestamp"}] and "ahead of our clock" in answer.json["reason"]
    assert not fakes.webhook_events.records and not fakes.queue.tasks


def signed_event(event: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event).encode()  # ensure_ascii: a lone surrogate travels as its \\ud800 escape
    return body, {
        "X-Notion-Signature": "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
    }


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("entity.id", lambda e: e["entity"].update(id="\ud800")),
        ("entity.id", lambda e: e["entity"].update(id=PAGE + "\udfff")),
        ("authors.0.id", lambda e: e["authors"][0].update(id="person-\ud800")),
        ("data.page_id", lambda e: e["data"].update(page_id="\udbff")),
        (
            "data.parent.data_source_id",
            lambda e: e["data"].update(parent={"type": "data_source", "data_source_id": "\ud800"}),
        ),
        ("data.updated_properties.1", lambda e: e["data"].update(updated_properties=["title", "\ud800"])),
        ("entity.id", lambda e: e["entity"].update(id=PAGE + "\n")),
    ],
)
def test_a_signed_event_holding_a_lone_surrogate_is_a_400_naming_its_field_and_stores_nothing(
    fakes: FakeContainer, field: str, change: Any
) -> None:
    i = intake()
    fakes.tenants, fakes.secrets = i.tenants, i.secrets
    tenant = i.tenants.get("t1")
    assert tenant is not None  # every page is chosen: a plausible event here is taken (below)
    fine = json.loads(signed(datetime.now(UTC).isoformat())[0])
    fine["entity"]["type"] = "page"
    event = json.loads(json.dumps(fine))
    change(event)
    body, headers = signed_event(event)
    answer = client("notion_webhook", fakes).post("/", data=body, headers=headers)
    assert answer.status_code == 400 and answer.json is not None, answer.get_data(as_text=True)
    assert (
        answer.json["fields"][0]["field"] == field and "lone surrogate" in answer.json["fields"][0]["problem"]
    )
    assert not fakes.webhook_events.records and not fakes.queue.tasks
    body, headers = signed_event(fine)
    assert client("notion_webhook", fakes).post("/", data=body, headers=headers).status_code == 200
    assert fakes.queue.tasks  # the same event without it is taken


def test_a_400_names_every_problem_of_a_body(fakes: FakeContainer) -> None:
    """Not only the first: the sender fixes them all at once."""
    i = intake()
    fakes.tenants, fakes.secrets = i.tenants, i.secrets
    event = json.loads(signed(datetime.now(UTC).isoformat())[0])
    event["entity"]["id"] = "\ud800"
    event["attempt_number"] = 0
    body, headers = signed_event(event)
    answer = client("notion_webhook", fakes).post("/", data=body, headers=headers)
    assert answer.status_code == 400 and answer.json is not None
    assert [f["field"] for f in answer.json["fields"]] == ["entity.id", "attempt_number"]
    assert answer.json["reason"] == "invalid field(s): entity.id, attempt_number"
    assert not fakes.webhook_events.records and not fakes.queue.tasks


# --- (a') a signed event older than the age events may have: a replay, or past Notion's retries ---

MAX_AGE = timedelta(seconds=WEBHOOK_EVENT_MAX_AGE_S)


@pytest.mark.parametrize(
    "when",
    [
        "2024-06-01T12:00:00Z",  # the red team's: a validly signed event from 2024 was accepted
        (NOW - MAX_AGE - timedelta(seconds=1)).isoformat(),  # just past the age accepted
        (NOW - timedelta(days=6, hours=23)).isoformat(),  # still in the 7-day ledger, older than allowed
    ],
)
def test_an_event_older_than_the_age_accepted_is_acknowledged_dropped_logged_and_stores_nothing(
    when: str, caplog: pytest.LogCaptureFixture
) -> None:
    i = intake()
    outcome = ingest_webhook(*signed(when), i, now=NOW)
    assert outcome.result == "dropped" and "older than 72 hours" in outcome.detail
    assert untouched(i)
    assert (
        "webhook: event evt-1 (page.content_updated) dropped: the event is older than 72 hours" in caplog.text
    )


def test_an_event_of_exactly_the_age_accepted_is_still_taken() -> None:
    i = intake()
    assert ingest_webhook(*signed((NOW - MAX_AGE).isoformat()), i, now=NOW).result == "enqueued"


def test_an_event_from_2024_is_dropped_through_the_entry_point_with_the_default_age(
    fakes: FakeContainer,
) -> None:
    i = intake()
    fakes.tenants, fakes.secrets = i.tenants, i.secrets
    body, signature = signed("2024-06-01T12:00:00Z")
    answer = client("notion_webhook", fakes).post("/", data=body, headers={"X-Notion-Signature": signature})
    assert answer.status_code == 200 and answer.json is not None and answer.json["result"] == "dropped"
    assert not fakes.webhook_events.records and not fakes.queue.tasks and not fakes.store.runs
    recent = signed((datetime.now(UTC) - timedelta(hours=1)).isoformat(), "evt-2")
    answer = client("notion_webhook", fakes).post(
        "/", data=recent[0], headers={"X-Notion-Signature": recent[1]}
    )
    assert answer.json is not None and answer.json["result"] == "enqueued"  # the same event, recent


def test_the_ledger_remembers_events_for_longer_than_the_age_accepted_and_a_day() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings(webhook_event_ttl_s=WEBHOOK_EVENT_MAX_AGE_S + 24 * 3600 - 1)
    assert "NA_WEBHOOK_EVENT_TTL_S" in caught.value.reason and "a day" in caught.value.reason
    Settings(webhook_event_ttl_s=WEBHOOK_EVENT_MAX_AGE_S + 24 * 3600)


# --- (c) the handshake's token, and the Secret Manager adapter --------------------------------------


@pytest.mark.parametrize("token", ["\ud800abc", "", "secret with space", "sécret", "s" * 501, "tab\there"])
def test_an_implausible_verification_token_is_a_400_and_is_not_stored(token: str) -> None:
    i = intake()
    i.secrets.delete(PlatformSecret.NOTION_WEBHOOK_TOKEN)  # only then would a handshake store it
    body = json.dumps({"verification_token": token}).encode()
    with pytest.raises(InvalidInput, match="visible ASCII") as refused:
        ingest_webhook(body, None, i)
    assert refused.value.fields == ["verification_token"] and (not token or token not in refused.value.reason)
    assert isinstance(i.secrets, FakeSecrets) and not i.secrets.values


OPEN = (NOW + timedelta(days=365 * 100)).isoformat()  # verification open (NA_WEBHOOK_VERIFICATION_UNTIL)


def test_a_plausible_verification_token_is_still_stored(fakes: FakeContainer) -> None:
    fakes.settings = Settings(webhook_verification_until=OPEN)
    body = json.dumps({"verification_token": "secret_" + "A1b2" * 10}).encode()
    answer = client("notion_webhook", fakes).post("/", data=body, content_type="application/json")
    assert answer.status_code == 200 and answer.json == {"result": "verification_stored", "detail": ""}
    assert fakes.secrets.values[PlatformSecret.NOTION_WEBHOOK_TOKEN] == "secret_" + "A1b2" * 10
    surrogate = client("notion_webhook", fakes).post("/", data=b'{"verification_token": "\\ud800abc"}')
    assert surrogate.status_code == 400  # checked before the stored token is even read


@pytest.mark.parametrize("until", [None, NOW - timedelta(seconds=1)])
def test_a_verification_token_outside_the_window_the_operator_opened_is_ignored(
    until: datetime | None, caplog: pytest.LogCaptureFixture
) -> None:
    """Unsigned, a handshake is anyone's: stored while the secret is empty, an attacker's token would
    check (and so admit) the events they sign. Only inside NA_WEBHOOK_VERIFICATION_UNTIL is one taken."""
    i = intake()._replace(verification_until=until)
    i.secrets.delete(PlatformSecret.NOTION_WEBHOOK_TOKEN)
    body = json.dumps({"verification_token": "secret_attacker"}).encode()
    assert ingest_webhook(body, None, i, now=NOW) == ("ignored", "webhook verification is closed")
    assert isinstance(i.secrets, FakeSecrets) and not i.secrets.values
    assert "NA_WEBHOOK_VERIFICATION_UNTIL" in caplog.text and "secret_attacker" not in caplog.text
    opened = i._replace(verification_until=NOW + timedelta(minutes=30))
    assert ingest_webhook(body, None, opened, now=NOW).result == "verification_stored"


def test_the_verification_window_must_be_a_time_with_its_offset() -> None:
    assert Settings(webhook_verification_until="2026-11-22T15:00:00Z").verification_open_until() == datetime(
        2026, 11, 22, 15, tzinfo=UTC
    )
    assert Settings().verification_open_until() is None
    for wrong in ("tomorrow", "2026-11-22T15:00:00"):
        with pytest.raises(ConfigError, match="NA_WEBHOOK_VERIFICATION_UNTIL: must be empty or a time"):
            Settings(webhook_verification_until=wrong)


class FakeSecretManagerClient(secretmanager.SecretManagerServiceClient):
    """The calls SecretManagerSecrets makes, recorded; ``data`` is what a read returns. The SDK's
    client, with no connection made (its ``__init__`` is not run) and these two calls faked.
    ``emptied``: the operator emptied the secret to replace the token, so no version is enabled."""

    def __init__(self, data: bytes = b"") -> None:
        self.data = data
        self.calls: list[str] = []
        self.emptied = False

    def add_secret_version(
        self,
        request: object = None,
        *,
        parent: str | None = None,
        payload: object = None,
        retry: object = None,
        timeout: object = None,
        metadata: Sequence[tuple[str, str | bytes]] = (),
    ) -> secretmanager.SecretVersion:
        self.calls.append("add")
        return secretmanager.SecretVersion(name=f"{parent}/versions/1")

    def access_secret_version(
        self,
        request: object = None,
        *,
        name: str | None = None,
        retry: object = None,
        timeout: object = None,
        metadata: Sequence[tuple[str, str | bytes]] = (),
    ) -> secretmanager.AccessSecretVersionResponse:
        self.calls.append("access")
        if self.emptied:
            raise gexc.NotFound("no enabled version")  # type: ignore[no-untyped-call]  # google-api-core: unannotated
        return secretmanager.AccessSecretVersionResponse(payload=secretmanager.SecretPayload(data=self.data))


def test_the_adapter_refuses_an_unencodable_value_without_echoing_it() -> None:
    fake = FakeSecretManagerClient()
    secrets = SecretManagerSecrets(fake, "proj", replicas=("europe-west1",))
    with pytest.raises(InvalidInput, match="not valid Unicode text") as refused:
        secrets.put("notion-webhook-token", "\ud800secret-value")
    assert "secret-value" not in str(refused.value) and refused.value.__cause__ is None
    assert refused.value.__suppress_context__ and fake.calls == []
    secrets.put("notion-webhook-token", "fine")
    assert fake.calls == ["add"] and secrets.get("notion-webhook-token") == "fine"  # from the cache


def test_the_adapter_names_a_secret_that_is_not_utf8_as_a_config_error() -> None:
    secrets = SecretManagerSecrets(
        FakeSecretManagerClient(b"\xffsecret-bytes"), "proj", replicas=("europe-west1",)
    )
    with pytest.raises(ConfigError, match="not UTF-8 text") as refused:
        secrets.get("notion-webhook-token")
    assert "secret-bytes" not in str(refused.value) and refused.value.__cause__ is None


def test_a_new_verification_token_is_stored_even_while_the_old_one_is_cached() -> None:
    """docs/deploy.md's replacement: empty the secret, then Notion sends a new token. An instance that
    read the old one within secret_cache_ttl_s must not ignore the new one."""
    client = FakeSecretManagerClient(b"secret_old-token")
    secrets = SecretManagerSecrets(client, "proj", ttl_s=3600, replicas=("europe-west1",))
    assert secrets.get(PlatformSecret.NOTION_WEBHOOK_TOKEN) == "secret_old-token"  # cached now
    client.emptied = True
    i = intake()._replace(secrets=secrets, verification_until=NOW + timedelta(hours=1))
    body = json.dumps({"verification_token": "secret_new-token"}).encode()
    assert ingest_webhook(body, None, i, now=NOW).result == "verification_stored"
    assert client.calls[-1] == "add"


# --- (d) the OAuth redirect's own checks come before its state is used up ---------------------------


def started() -> tuple[Any, str, str]:
    d = connect_deps()
    start = begin_connect(d)
    return d, parse_qs(urlsplit(start.authorize_url).query)["state"][0], start.nonce


@pytest.mark.parametrize(
    "args", [{}, {"code": ""}, {"code": "bad code"}, {"code": "c" * 501}, {"code": "cödé"}]
)
def test_a_redirect_without_a_plausible_code_is_a_400_that_leaves_the_state_usable(
    args: dict[str, str],
) -> None:
    d, state, nonce = started()
    with pytest.raises(InvalidInput) as refused:
        complete_connect(args | {"state": state}, nonce, d)
    assert refused.value.fields == ["code"] and not d.states.used and not d.tenants.tenants
    outcome = complete_connect({"code": "good-code", "state": state}, nonce, d)
    assert "connected=true" in outcome.location and len(d.tenants.tenants) == 1


def test_a_denial_uses_up_the_state() -> None:
    """The person declined: that attempt is over. A replay of the redirect, or a code for the same
    state, is "already used: start again", as for any other finished attempt."""
    d, state, nonce = started()
    outcome = complete_connect({"error": "access_denied", "state": state}, nonce, d)
    assert outcome.location == "https://app.test#connected=false&error=access_denied"
    assert len(d.states.used) == 1
    with pytest.raises(InvalidInput, match="already used"):
        complete_connect({"code": "good-code", "state": state}, nonce, d)
    assert not d.tenants.tenants


# --- (b) the scheduler's tick ----------------------------------------------------------------------


def tenant(tenant_id: str, zone: str, hour: int) -> Tenant:
    settings = TenantSettings(timezone=zone, planning_hour=hour, data_source_ids=[PAGE.replace("3b", "4c")])
    return Tenant(
        tenant_id=tenant_id,
        workspace_id=f"ws-{tenant_id}",
        token_secret=f"notion-token-{tenant_id}",
        settings=settings,
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize(
    "tick",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),  # + half an hour overflowed
        datetime(1, 1, 1, tzinfo=UTC),  # the hour before overflowed
        datetime.fromisoformat("9999-12-31T23:00:00-05:00"),  # past year 9999 in UTC
        LATEST_TICK,
        EARLIEST_TICK - timedelta(microseconds=1),
    ],
)
def test_an_absurd_tick_is_invalid_input_on_tick_and_enqueues_nothing(tick: datetime) -> None:
    with pytest.raises(InvalidInput) as refused:
        tick_of(tick)
    assert refused.value.fields == ["tick"] and "tick must be" in refused.value.reason
    deps = deps_with(tenant("t-utc", "UTC", 0), tenant("t-kiritimati", "Pacific/Kiritimati", 0))
    with pytest.raises(InvalidInput):
        plan_due_tenants(ScheduleTask(tick=tick), deps)
    assert not queued(deps).tasks


def test_ticks_at_the_bounds_still_plan_in_every_zone() -> None:
    assert tick_of(EARLIEST_TICK) == EARLIEST_TICK
    assert tick_of(LATEST_TICK - timedelta(minutes=31)) == LATEST_TICK - timedelta(hours=1)
    for tick in (EARLIEST_TICK, LATEST_TICK - timedelta(minutes=31)):
        deps = deps_with(tenant("t-niue", "Pacific/Niue", 0), tenant("t-kiritimati", "Pacific/Kiritimati", 0))
        plan_due_tenants(ScheduleTask(tick=tick), deps)  # no overflow converting to either zone


@pytest.mark.parametrize("tick", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_post_schedule_with_an_absurd_tick_is_a_400_naming_tick(fakes: FakeContainer, tick: str) -> None:
    fakes.tenants.save(tenant("t-utc", "UTC", 8))
    answer = client("plan", fakes).post("/schedule", json={"tick": tick})
    assert answer.status_code == 400 and answer.json is not None
    assert answer.json["fields"] == [{"field": "tick"}] and not fakes.queue.tasks


# --- (c) a plan task's change time -------------------------------------------------------------------


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59Z", "3000-01-01T00:00:00Z", "0001-01-01T00:00:00Z"])
def test_a_plan_task_with_an_absurd_change_time_is_a_dead_letter_naming_it(
    fakes: FakeContainer, when: str
) -> None:
    trigger = {"kind": "webhook", "event_type": "page.content_updated", "page_id": PAGE}
    body = {"tenant_id": "t1", "run_id": "r1", "trigger": trigger | {"changed_before": when}}
    answer = client("plan", fakes).post("/", json=body)
    assert answer.status_code == 200 and answer.json is not None  # a dead letter: never retried
    assert answer.json["reason"] == "invalid field(s): trigger.changed_before"
    assert not fakes.queue.tasks and not fakes.store.runs


def test_the_latest_change_time_a_task_may_carry_is_compared_without_overflow() -> None:
    latest = LATEST_EVENT - timedelta(microseconds=1)
    trigger = Trigger(kind="webhook", event_type="page.created", page_id=PAGE, changed_before=latest)
    assert not trigger.seen_by(NOW) and trigger.seen_by(datetime.max.replace(tzinfo=UTC))
