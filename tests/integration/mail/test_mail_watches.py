"""Gmail's watches renewed before their seven days end, on the Firestore emulator and the Gmail sandbox:
a watch ending within two days is made again onto its topic and its new end recorded, the history id
left where it was (the mail after it is still read, once); a watch far from its end is left; a
renewal that fails is told to the workspace's owner, once a day; ``POST /mail-watches`` on plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.mail.services.intake import receive
from shared.mail.services.watches import renew_watches
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask
from tests.support.mail.mail_world import EDITOR, TOPIC, bearer, mail_world
from tests.support.mail.mails import AGENT, mail, push
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.platform.platform_fakes import FakeQueue

__all__ = ["mail_world"]
pytestmark = pytest.mark.integration


def _renew(world: dict[str, Any], queue: FakeQueue, now: datetime | None = None) -> dict[str, Any]:
    intake = world["intake"]
    return renew_watches(intake.mailboxes, intake.gmail, intake.secrets, queue, now)


def _ending_in(world: dict[str, Any], left: timedelta) -> None:
    mailboxes = world["intake"].mailboxes
    mailbox = mailboxes.get(AGENT)
    mailboxes.put(mailbox.model_copy(update={"watch_expires": datetime.now(UTC) + left}))


def test_a_watch_ending_within_two_days_is_renewed_and_the_history_id_stays(
    mail_world: dict[str, Any],
) -> None:
    sandbox, mailboxes = mail_world["sandbox"], mail_world["intake"].mailboxes
    connected = mailboxes.get(AGENT)
    assert connected.topic == TOPIC and connected.watch_expires is not None  # recorded at connect
    assert _renew(mail_world, FakeQueue()) == {"mailboxes": 1, "renewed": 0, "failed": 0}  # days left
    assert sandbox.calls.count("POST watch") == 1  # the connect's alone
    record = sandbox.deliver(AGENT, mail(EDITOR, "Release note", "draft it"))  # not pushed yet
    _ending_in(mail_world, timedelta(hours=30))
    assert _renew(mail_world, FakeQueue()) == {"mailboxes": 1, "renewed": 1, "failed": 0}
    renewed = mailboxes.get(AGENT)
    assert sandbox.calls.count("POST watch") == 2 and sandbox.boxes[AGENT].watch["topicName"] == TOPIC
    assert renewed.watch_expires is not None
    assert renewed.watch_expires - datetime.now(UTC) > timedelta(days=6)
    assert renewed.history_id == connected.history_id  # the mail that came meanwhile is still to read
    answer = receive(push(AGENT, int(record["historyId"])), bearer(mail_world), mail_world["intake"])
    assert answer["outcomes"] == ["started"]
    assert [t.goal for _, t, _, _ in mail_world["queue"].tasks if isinstance(t, PlanTask)] == [
        "Release note\n\ndraft it"
    ]


def test_a_renewal_that_fails_is_told_to_the_owner_once_a_day(mail_world: dict[str, Any]) -> None:
    intake = mail_world["intake"]
    mailbox = intake.mailboxes.get(AGENT)
    intake.secrets.put(mailbox.token_secret, "1//revoked-by-the-mailbox-owner")
    _ending_in(mail_world, timedelta(hours=10))
    ending = intake.mailboxes.get(AGENT).watch_expires
    queue = FakeQueue()
    assert [_renew(mail_world, queue)["failed"] for _ in range(2)] == [1, 1]  # two hourly calls
    [(where, note, _, _)] = queue.tasks  # one notice that day
    assert isinstance(note, NotifyTask) and where == Queue.NOTIFY and note.tenant_id == mailbox.tenant_id
    assert note.priority == "urgent" and AGENT in note.subject
    assert "could not be renewed" in note.text and "consent" in note.text and "revoked-by" not in note.text
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert _renew(mail_world, queue, tomorrow)["failed"] == 1 and len(queue.tasks) == 2  # told again
    assert intake.mailboxes.get(AGENT).watch_expires == ending  # left as it was


def test_post_mail_watches_on_plan_renews_nothing_without_a_google_client() -> None:
    fakes = FakeContainer()
    answer = client("plan", fakes).post("/mail-watches", json={})
    assert answer.status_code == 200 and json_body(answer) == {"mailboxes": 0, "renewed": 0, "failed": 0}
    assert not fakes.queue.tasks
