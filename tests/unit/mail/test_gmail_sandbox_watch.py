"""The Gmail sandbox's watch publishes as Gmail's push notifications do: a change in a label the watch
names (``labelIds`` with ``labelFilterBehavior`` INCLUDE, as shared.mail watches the inbox) is
published to the watch's topic as ``{"emailAddress", "historyId"}``; an arrival in an EXCLUDE'd label
and one in a mailbox never watched publish nothing (decision 0190). Only arrivals are published: a mail
the agent sends is labelled SENT, which the inbox's watch does not name."""

from __future__ import annotations

import json
from typing import Any

from local.gmail_sandbox.app import GmailSandbox
from tests.support.mail.mails import AGENT, mail

TOPIC = "projects/na-local/topics/gmail"


def _sandbox(watch: dict[str, Any] | None) -> tuple[GmailSandbox, list[tuple[str, bytes]]]:
    published: list[tuple[str, bytes]] = []
    sandbox = GmailSandbox(publish=lambda topic, data: published.append((topic, data)))
    sandbox.mailbox(AGENT, "token").watch = watch
    return sandbox, published


def test_a_mail_to_the_watched_inbox_is_published_with_its_history_id() -> None:
    sandbox, published = _sandbox(
        {"topicName": TOPIC, "labelIds": ["INBOX"], "labelFilterBehavior": "INCLUDE"}
    )
    record = sandbox.deliver(AGENT, mail("bo@acme.example", "Release note", "draft it"))
    assert [(t, json.loads(d)) for t, d in published] == [
        (TOPIC, {"emailAddress": AGENT, "historyId": int(record["historyId"])})
    ]


def test_nothing_is_published_outside_the_watch() -> None:
    excluded, none_when_excluded = _sandbox(
        {"topicName": TOPIC, "labelIds": ["INBOX"], "labelFilterBehavior": "EXCLUDE"}
    )
    unwatched, none_when_unwatched = _sandbox(None)
    for sandbox in (excluded, unwatched):
        sandbox.deliver(AGENT, mail("bo@acme.example", "Release note", "draft it"))
    assert none_when_excluded == [] and none_when_unwatched == []
