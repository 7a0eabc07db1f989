"""A notification_email gets our mail only once its recipient confirmed it: PATCH /settings asks it by
one email with a signed link (its token in the fragment), POST /email-confirmations/preview describes,
POST /email-confirmations/confirm confirms (the page's script POSTs the token); until then
email goes to the owner's Notion email. Through api and notify (functions-framework) with fakes."""

import json
import logging
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from shared.notify.domain.notify_task import NotifyTask
from shared.notify.services.notifications import deliver_notification
from shared.platform.domain import signed_tokens
from shared.team.services.sessions import start_session
from shared.workspace.domain.tenants import TenantStatus
from tests.link_tokens import fragment
from tests.support.notify.email_confirmation import (
    OPS,
    OWNER,
    WORKSPACE,
    MailContainer,
    choose,
    connected,
    link_of,
)
from tests.support.platform.fake_container import client, json_body


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> MailContainer:
    container = MailContainer()
    container.tenants.save(connected())
    return container


@pytest.fixture
def auth(fakes: MailContainer) -> dict[str, str]:
    return {"Authorization": f"Bearer {start_session('t1', fakes.secrets)}"}


KEY = "k" * 32  # FakeContainer's session signing key
KIND = "email_confirmation"
SUBJECT = "Confirm this address for Notion Agent notifications"


def days() -> set[str]:
    """Today's UTC day as ids carry it (and the next, should the test cross midnight)."""
    now = datetime.now(UTC)
    return {f"{d:%Y%m%d}" for d in (now, now + timedelta(minutes=1))}


def preview(c: MailContainer, token: str) -> Any:
    """What the page's script POSTs first: what the link would do (public: no session)."""
    return client("api", c).post("/email-confirmations/preview", json={"token": token})


def use(c: MailContainer, token: str) -> Any:
    """What the page's button POSTs."""
    return client("api", c).post("/email-confirmations/confirm", json={"token": token})


def run_notice(notification_id: str = "r1-completed") -> NotifyTask:
    """What an ended run sends (its subject carries the goal, the owner's own words)."""
    return NotifyTask(
        notification_id=notification_id,
        tenant_id="t1",
        run_id="r1",
        subject="Run completed: claim your prize at https://phish.example",
        text="Model-drafted text.",
    )


# -- PATCH /settings asks the new address, once -------------------------------------------------------


def test_another_address_is_sent_one_confirmation_mail_of_our_own_with_a_link(
    fakes: MailContainer, auth: dict[str, str]
) -> None:
    answer = choose(fakes, auth, OPS, notification_channels=["email"])
    assert answer.status_code == 200 and answer.json["settings"]["notification_email"] == OPS
    assert answer.json["notification_email_confirmed"] is False
    assert (
        json_body(client("api", fakes).get("/settings", headers=auth))["notification_email_confirmed"]
        is False
    )
    [(task, name)] = fakes.notify_tasks()
    match = re.fullmatch(r"notify:t1:(email-confirm-[0-9a-f]{16}-(\d{8}))", name)
    assert match is not None and match[1] == task.notification_id and match[2] in days()
    assert OPS not in name  # the address is hashed into the name
    assert (task.channel, task.priority, task.run_id) == ("email", "urgent", None)
    assert task.data == {"kind": KIND, "to": OPS}  # no link: notify mints it as it sends
    assert task.subject == SUBJECT and "http" not in task.text
    assert OPS in task.text and "Acme Corporation" in task.text and WORKSPACE not in task.text  # cut short
    # the same change again, in another case, the same day: the same name, so nothing new is queued
    assert choose(fakes, auth, "OPS@Acme.Example").status_code == 200
    assert len(fakes.notify_tasks()) == 1
    # the confirmed address is not a setting: the owner cannot set it
    refused = client("api", fakes).patch("/settings", headers=auth, json={"confirmed_email": OPS})
    assert refused.status_code == 400 and "confirmed_email" in json_body(refused)["reason"]
    assert fakes.tenant().email_confirmed() is False and fakes.tenant().confirmed_email == ""


def test_the_owners_own_email_needs_no_confirmation(fakes: MailContainer, auth: dict[str, str]) -> None:
    answer = choose(fakes, auth, "Ada@ACME.example")
    assert answer.status_code == 200 and answer.json["notification_email_confirmed"] is True
    assert fakes.notify_tasks() == []
    assert choose(fakes, auth, None).json["notification_email_confirmed"] is None  # none: the owner's email
    assert fakes.notify_tasks() == []


def test_a_workspace_asks_at_most_five_addresses_a_day_then_gets_a_429_that_changes_nothing(
    fakes: MailContainer, auth: dict[str, str]
) -> None:
    addresses = [f"ops{i}@acme.example" for i in range(6)]
    for address in addresses[:5]:
        assert choose(fakes, auth, address).status_code == 200
    refused = choose(fakes, auth, addresses[5], planning_hour=6)
    assert refused.status_code == 429 and refused.json["error"] == "too_many_confirmations"
    assert "5 different addresses" in refused.json["reason"] and "midnight UTC" in refused.json["reason"]
    tenant = fakes.tenant()
    assert tenant.settings.notification_email == addresses[4] and tenant.settings.planning_hour == 8
    assert len(fakes.notify_tasks()) == 5
    # nor does the refused address lose a place among the three workspaces it may be asked by today
    assert len(fakes.tenants.recipients) == 5
    # one asked already today, or the owner's own email, is still fine (and asks nothing new)
    assert (
        choose(fakes, auth, addresses[0]).status_code == 200 and choose(fakes, auth, OWNER).status_code == 200
    )
    assert len(fakes.notify_tasks()) == 5


def test_the_next_utc_day_asks_again_and_counts_afresh(fakes: MailContainer) -> None:
    from shared.team.services.tenant_settings import change_settings

    mailing = fakes.queue
    today = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
    for i in range(5):
        change_settings("t1", {"notification_email": f"ops{i}@acme.example"}, fakes.tenants, mailing, today)
    tomorrow = today + timedelta(minutes=2)
    change_settings("t1", {"notification_email": "ops0@acme.example"}, fakes.tenants, mailing, tomorrow)
    change_settings("t1", {"notification_email": "ops9@acme.example"}, fakes.tenants, mailing, tomorrow)
    ids = [t.notification_id for t, _ in fakes.notify_tasks()]
    assert len(ids) == 7 and ids[0][:-8] == ids[5][:-8]  # ops0 again: the same address, another day
    assert [i[-8:] for i in ids] == ["20260301"] * 5 + ["20260302"] * 2
    assert len(fakes.tenant().confirmations_asked) == 2  # only the current day's are kept


def test_an_address_is_asked_by_at_most_three_workspaces_a_day_whoever_connected_them(
    fakes: MailContainer,
) -> None:
    for n in range(2, 5):  # three more workspaces, perhaps all one person's
        fakes.tenants.save(connected().model_copy(update={"tenant_id": f"t{n}", "workspace_id": f"w{n}"}))
    sessions = {
        t: {"Authorization": f"Bearer {start_session(t, fakes.secrets)}"} for t in ("t1", "t2", "t3", "t4")
    }
    for tenant_id in ("t1", "t2", "t3"):
        assert choose(fakes, sessions[tenant_id], OPS).status_code == 200
    assert (
        choose(fakes, sessions["t1"], OPS).status_code == 200
    )  # the same workspace again takes no new place
    refused = choose(fakes, sessions["t4"], OPS, planning_hour=6)
    assert refused.status_code == 429 and refused.json["error"] == "too_many_confirmations"
    assert "3 workspaces asked this address" in refused.json["reason"]
    fourth = fakes.tenants.get("t4")
    assert fourth is not None and fourth.settings.notification_email is None
    assert fourth.settings.planning_hour == 8 and fourth.confirmations_asked == ()  # nothing stored
    assert sorted(t.tenant_id for t, _ in fakes.notify_tasks()) == ["t1", "t2", "t3"]  # three mails
    assert choose(fakes, sessions["t4"], "another@acme.example").status_code == 200  # another address is fine
    assert choose(fakes, sessions["t4"], OWNER).status_code == 200  # and so is the owner's own


# -- until confirmed, email goes to the owner ------------------------------------------------------------


def test_an_unconfirmed_address_gets_no_run_notice_the_owner_does(
    fakes: MailContainer, auth: dict[str, str]
) -> None:
    """The reported abuse: a run's notice (the owner's goal in its subject) to an address nobody
    confirmed. It goes to the owner's Notion email instead."""
    assert choose(fakes, auth, "victim@example.com", notification_channels=["email"]).status_code == 200
    assert fakes.deliver(run_notice())["delivered"] is True
    assert [m.to for m in fakes.mailer.sent] == [OWNER]
    fakes.tenants.save(fakes.tenant().model_copy(update={"owner_email": ""}))  # Notion gave none
    assert fakes.deliver(run_notice("r2-completed"))["delivered"] is False
    record = fakes.notifications.records[("t1", "r2-completed")]
    assert (
        record.status == "undeliverable"
        and "confirm notification_email (a link was sent to it)" in record.reason
    )
    assert [m.to for m in fakes.mailer.sent] == [OWNER]


def test_only_the_confirmation_itself_goes_to_the_address_it_names(
    fakes: MailContainer, auth: dict[str, str]
) -> None:
    assert choose(fakes, auth, OPS, notification_channels=["email"]).status_code == 200
    # another task naming an address (not a confirmation) goes to the tenant's recipient, the owner
    redirect = run_notice().model_copy(update={"channel": "email", "data": {"to": OPS}})
    fakes.deliver(redirect)
    # a confirmation of an address that is not the tenant's notification_email sends nothing
    other = NotifyTask(
        notification_id="email-confirm-other",
        tenant_id="t1",
        channel="email",
        subject=SUBJECT,
        text="x",
        priority="urgent",
        data={"kind": KIND, "to": "someone@else.example"},
    )
    assert fakes.deliver(other)["delivered"] is False
    reason = fakes.notifications.records[("t1", "email-confirm-other")].reason
    assert reason == "email: its address is no longer notification_email (the setting changed)"
    assert [m.to for m in fakes.mailer.sent] == [OWNER]


# -- the mail, and its link ----------------------------------------------------------------------------


def test_the_recipient_reads_the_link_confirms_it_and_then_gets_the_notices(
    fakes: MailContainer, auth: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert choose(fakes, auth, OPS, notification_channels=["email"]).status_code == 200
    [(task, _)] = fakes.notify_tasks()
    assert fakes.deliver(task)["delivered"] is True and fakes.deliver(task)["delivered"] is False  # once
    [mail] = fakes.mailer.sent
    [url] = re.findall(r"https?://\S+", mail.text)
    assert url.startswith(fakes.settings.api_url + "/email-confirmations#")
    token = fragment(url)
    assert (mail.to, mail.subject) == (OPS, SUBJECT) and mail.text.count(token) == 1
    # the owner's own notification list never shows the link (else they could confirm any address)
    listed = client("api", fakes).get("/notifications", headers=auth)
    assert listed.status_code == 200 and json_body(listed)["notifications"][0]["status"] == "sent"
    assert token not in json.dumps(listed.json)
    assert all(token not in str(r) for r in fakes.notifications.records.values())

    before = fakes.tenant()
    assert client("api", fakes).get(urlsplit(url).path).status_code == 200  # a mail scanner's GET: the page
    shown = preview(fakes, token)
    assert shown.status_code == 200
    assert shown.json["status"] == "waiting" and shown.json["email"] == OPS
    assert shown.json["page"]["button"] == f"Confirm {OPS}"
    assert fakes.tenant() == before  # neither the GET nor the preview changes anything

    used = use(fakes, token)
    assert used.status_code == 200 and used.json["status"] == "confirmed"
    assert fakes.tenant().confirmed_email == OPS
    assert (
        json_body(client("api", fakes).get("/settings", headers=auth))["notification_email_confirmed"] is True
    )
    assert use(fakes, token).status_code == 200  # again: the same answer
    assert preview(fakes, token).json["status"] == "confirmed"

    assert fakes.deliver(run_notice())["delivered"] is True
    assert [m.to for m in fakes.mailer.sent] == [OPS, OPS]
    assert all(token not in r.getMessage() for r in caplog.records)


def test_a_link_whose_address_is_no_longer_chosen_is_a_409_and_its_mail_is_not_sent(
    fakes: MailContainer, auth: dict[str, str]
) -> None:
    assert choose(fakes, auth, OPS).status_code == 200
    token = fragment(link_of(fakes))
    assert choose(fakes, auth, "support@acme.example").status_code == 200
    shown = preview(fakes, token)
    assert shown.status_code == 200 and shown.json["status"] == "changed"
    assert "support@" not in json.dumps(shown.json)  # the current address is not the link holder's
    refused = use(fakes, token)
    assert refused.status_code == 409 and "changed since this link was sent" in refused.json["reason"]
    assert fakes.tenant().confirmed_email == ""
    stale = next(t for t, _ in fakes.notify_tasks() if t.data["to"] == OPS)
    assert fakes.deliver(stale)["delivered"] is False and fakes.mailer.sent == []


def test_bad_expired_or_other_purpose_tokens_are_refused_without_repeating_them(
    fakes: MailContainer, auth: dict[str, str]
) -> None:
    assert choose(fakes, auth, OPS).status_code == 200
    claims = {"tenant_id": "t1", "email": OPS}
    expired = signed_tokens.sign(claims | {"purpose": KIND}, KEY, 60, now=time.time() - 3600)
    approval = signed_tokens.sign(
        claims | {"purpose": "run_decision", "run_id": "r1", "request_id": "q"}, KEY, 60
    )
    forged = signed_tokens.sign(claims | {"purpose": KIND}, "another-key" * 3, 3600)
    session = auth["Authorization"].removeprefix("Bearer ")
    cases = [
        ("not-a-token", "not genuine"),
        (expired, "expired"),
        (approval, "not for this use"),
        (session, "not for this use"),
        (forged, "not genuine"),
    ]
    for token, why in cases:
        for answer in (preview(fakes, token), use(fakes, token)):
            assert answer.status_code == 401, (token, answer.json)
            assert why in answer.json["reason"] and "confirmation link" in answer.json["reason"]
            assert token not in answer.get_data(as_text=True)
    assert fakes.tenant().confirmed_email == ""
    # nor is a confirmation link an approval link
    confirmation = fragment(link_of(fakes))
    for action in ("preview", "decide"):
        assert client("api", fakes).post(f"/links/{action}", json={"token": confirmation}).status_code == 401


def test_quiet_hours_do_not_hold_a_confirmation_mail(fakes: MailContainer, auth: dict[str, str]) -> None:
    assert choose(fakes, auth, OPS, quiet_hours=[22, 7], timezone="UTC").status_code == 200
    [(task, _)] = fakes.notify_tasks()
    night = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    outcome = deliver_notification(task, fakes.notifier, fakes.tenants, fakes.queue, night)
    assert outcome.delivered and outcome.deferred_until is None
    assert [m.to for m in fakes.mailer.sent] == [OPS]


def test_a_disconnected_workspace_asks_nothing(fakes: MailContainer, auth: dict[str, str]) -> None:
    fakes.tenants.save(fakes.tenant().model_copy(update={"status": TenantStatus.REVOKED}))
    assert choose(fakes, auth, OPS).status_code == 409
    assert fakes.notify_tasks() == [] and fakes.tenant().confirmations_asked == ()
