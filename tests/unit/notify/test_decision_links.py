"""Decision and confirmation links stay out of task bodies, records and logs: notify mints them as
it sends (the queued body names the request only), the token rides in the URL's fragment, and no
log line of api or notify holds it. Through api and notify (functions-framework) with fakes."""

import json
import logging

import pytest

from shared.notify.domain.notify_task import NotifyTask
from shared.platform.config import PlatformSecret
from shared.platform.logs import CloudLoggingFormatter
from shared.platform.topology import Queue
from tests.link_tokens import fragment
from tests.support.notify.email_confirmation import OPS, MailContainer, choose, connected
from tests.support.notify.link_pages import BROWSER, waiting
from tests.support.platform.fake_container import client


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> MailContainer:
    container = MailContainer()
    container.tenants.save(connected(owner_email="ada@acme.example", notification_channels=["email"]))
    return container


def queued_notify_bodies(fakes: MailContainer) -> list[str]:
    """Every notify task body as the queue would carry it (JSON)."""
    return [b.model_dump_json() for q, b, _, _ in fakes.queue.tasks if q is Queue.NOTIFY]


def mailed_links(fakes: MailContainer, notification_id: str) -> list[str]:
    [mail] = [m for m in fakes.mailer.sent if m.message_id.startswith(f"<{notification_id}.")]
    return [word for word in mail.text.split() if "://" in word]


def asked(fakes: MailContainer) -> tuple[str, str, list[NotifyTask]]:
    """A run waiting for approval, and a notification_email to confirm: the run's id, the session,
    and the notify bodies queued for both (the decision's as the engine enqueued it)."""
    run_id, session, note = waiting(fakes)
    assert choose(fakes, {"Authorization": f"Bearer {session}"}, OPS).status_code == 200
    return run_id, session, [note, *(t for t, _ in fakes.notify_tasks())]


def test_no_queued_body_or_record_holds_a_link_and_the_mail_s_links_work(fakes: MailContainer) -> None:
    _, _, notes = asked(fakes)
    bodies = [n.model_dump_json() for n in notes]
    assert len(bodies) == 2 and all("http" not in b and "/links" not in b and "#" not in b for b in bodies)
    for note in notes:
        assert fakes.deliver(note)["delivered"] is True
    approve, reject = mailed_links(fakes, notes[0].notification_id)
    [confirm] = mailed_links(fakes, notes[1].notification_id)
    assert approve.startswith(f"{fakes.settings.api_url}/links#")
    assert confirm.startswith(f"{fakes.settings.api_url}/email-confirmations#")
    tokens = [fragment(url) for url in (approve, reject, confirm)]
    stored = repr(fakes.notifications.records) + repr(fakes.tenants.tenants) + repr(fakes.queue.tasks)
    assert all(token not in stored for token in tokens)

    decided = client("api", fakes).post("/links/decide", json={"token": tokens[0]})
    assert decided.status_code == 200 and decided.json is not None and decided.json["status"] == "running"
    confirmed = client("api", fakes).post("/email-confirmations/confirm", json={"token": tokens[2]})
    assert confirmed.status_code == 200 and fakes.tenant().confirmed_email == OPS


def test_without_the_signing_key_notify_answers_503_and_its_retry_mails_the_links(
    fakes: MailContainer, caplog: pytest.LogCaptureFixture
) -> None:
    _, _, notes = asked(fakes)
    key = fakes.secrets.values.pop(PlatformSecret.SESSION_SIGNING_KEY)
    with caplog.at_level(logging.ERROR):
        failed = client("notify", fakes).post("/", json=notes[0].model_dump(mode="json"))
    assert failed.status_code == 503 and fakes.mailer.sent == []
    assert any(PlatformSecret.SESSION_SIGNING_KEY in r.getMessage() for r in caplog.records)
    fakes.secrets.values[PlatformSecret.SESSION_SIGNING_KEY] = key
    assert fakes.deliver(notes[0])["delivered"] is True
    assert len(mailed_links(fakes, notes[0].notification_id)) == 2


def test_no_log_line_of_api_or_notify_holds_a_link_s_token(
    fakes: MailContainer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, _, notes = asked(fakes)
    for note in notes:
        fakes.deliver(note)
    approve, reject = (fragment(u) for u in mailed_links(fakes, notes[0].notification_id))
    [confirm] = (fragment(u) for u in mailed_links(fakes, notes[1].notification_id))
    api = client("api", fakes)
    for path in ("/links", "/email-confirmations", f"/links/{reject}", f"/email-confirmations/{confirm}"):
        assert api.get(path, headers=BROWSER).status_code in (200, 303)
    for token in (approve, reject, approve[:-3] + "xyz"):
        for action in ("preview", "decide", "decide"):
            api.post(f"/links/{action}", json={"token": token})
    for token in (confirm, confirm[:-3] + "xyz"):
        for action in ("preview", "confirm"):
            api.post(f"/email-confirmations/{action}", json={"token": token})
    api.post("/links/decide", data="{not json", content_type="application/json")
    formatter = CloudLoggingFormatter("p")
    lines = "\n".join(
        formatter.format(r) + repr(r.args) + json.dumps(getattr(r, "fields", None)) for r in caplog.records
    )
    assert caplog.records  # the requests were logged about (deliveries, refusals): none with a token
    for token in (approve, reject, confirm):
        assert token not in lines and token[:40] not in lines
