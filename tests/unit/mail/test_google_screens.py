"""The Google sandboxes' screens on the stack's one origin (local/gmail_sandbox/screen.py,
local/calendar_sandbox/screen.py): a mail written on the Gmail screen arrives in the agent's inbox as
Gmail receives it (authenticated for shared.mail when the sender's domain signs, not otherwise),
published to the watch's topic, and its thread shows the agent's reply; an event added on the Calendar
screen is kept in that calendar and notified to its channel; a refused form stores nothing."""

from __future__ import annotations

import base64
import json
from email.message import EmailMessage

from werkzeug.test import Client

from local.calendar_sandbox.app import Channel
from local.google_stack import GoogleApis, GoogleParts
from shared.mail.domain.messages import authenticated, parse

AGENT, ADA = "scribe@acme.example", "ada@acme.example"
GMAIL, CALENDAR = "/_sandbox/gmail/screen", "/_sandbox/calendar/screen"
TOPIC = "projects/na-local/topics/gmail"


def _google() -> tuple[GoogleParts, Client, list[tuple[str, bytes]]]:
    google = GoogleParts("na-local", "http://127.0.0.1:9")  # nothing served: only its parts read
    published: list[tuple[str, bytes]] = []
    google.gmail.publish = lambda topic, data: published.append((topic, data))
    return google, Client(GoogleApis(google.gmail, google.calendar)), published


def _mail(signed: bool) -> dict[str, str]:
    form = {"from": ADA, "to": AGENT, "subject": "Write a note", "text": "About the launch, please."}
    return form | ({"signed": "1"} if signed else {})


def test_a_mail_written_on_the_screen_arrives_published_and_shows_the_agents_reply() -> None:
    google, client, published = _google()
    google.gmail.mailbox(AGENT, "token").watch = {"topicName": TOPIC, "labelIds": ["INBOX"]}
    answer = client.post(GMAIL, data=_mail(signed=True))
    assert answer.status_code == 200 and "its watch published it" in answer.text
    [record] = google.gmail.boxes[AGENT].messages.values()
    assert record["labelIds"] == ["INBOX", "UNREAD"]
    arrived = parse(record["raw"])
    assert authenticated(arrived) and arrived.sender == ADA and arrived.message_id
    assert [(t, json.loads(d)["historyId"]) for t, d in published] == [(TOPIC, int(record["historyId"]))]
    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = AGENT, ADA, "Re: Write a note"
    reply["In-Reply-To"] = reply["References"] = arrived.message_id
    reply.set_content("Here is the note.")
    raw = base64.urlsafe_b64encode(reply.as_bytes()).decode()
    sent = client.post(
        "/gmail/v1/users/me/messages/send",
        json={"raw": raw, "threadId": record["threadId"]},
        headers={"Authorization": "Bearer token"},
    ).get_json()
    assert sent["threadId"] == record["threadId"]
    shown = client.get(GMAIL).text
    assert 'aria-label="Thread: Write a note"' in shown and "Here is the note." in shown
    assert shown.index("About the launch") < shown.index("Here is the note.")


def test_an_unsigned_mail_is_not_authenticated_and_an_unknown_mailbox_is_refused() -> None:
    google, client, _ = _google()
    google.gmail.mailbox(AGENT, "token")
    assert client.post(GMAIL, data=_mail(signed=False)).status_code == 200
    [record] = google.gmail.boxes[AGENT].messages.values()
    assert not authenticated(parse(record["raw"]))
    refused = client.post(GMAIL, data=_mail(signed=True) | {"to": "nobody@acme.example"})
    assert refused.status_code == 400 and "no mailbox nobody@acme.example" in refused.text
    assert len(google.gmail.boxes[AGENT].messages) == 1


def test_an_event_added_on_the_screen_is_kept_and_notified_to_its_channel() -> None:
    google, client, _ = _google()
    google.calendar.connect(ADA, "1//calendar")
    calendar = google.calendar.calendars[ADA]
    channel = Channel(calendar, "ch1", "", "https://api.acme.example/calendar/push", 0)
    google.calendar.channels["ch1"] = channel  # as events.watch keeps it
    form = {
        "calendar": ADA,
        "summary": "Launch review",
        "starts_in": "10",
        "lasts": "30",
        "attendees": "bo@acme.example, ada@acme.example",
    }
    answer = client.post(CALENDAR, data=form)
    assert answer.status_code == 200 and "1 notification sent" in answer.text, answer.text
    [event] = calendar.events.values()
    assert event["summary"] == "Launch review" and [a["email"] for a in event["attendees"]] == [
        "bo@acme.example",
        ADA,
    ]
    assert google.calendar.pushes[-1][1]["X-Goog-Resource-State"] == "exists" and channel.number == 1
    assert 'aria-label="Events of ada@acme.example"' in client.get(CALENDAR).text
    for bad in (
        {"starts_in": "soon"},
        {"lasts": "0"},
        {"calendar": "bo@acme.example"},
        {"attendees": "not an address"},
    ):
        assert client.post(CALENDAR, data=form | bad).status_code == 400
    assert len(calendar.events) == 1
