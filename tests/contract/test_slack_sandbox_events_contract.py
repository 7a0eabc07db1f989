"""The sandbox's Slack sends events and slash commands as Slack does: signed in Slack's scheme, as
slack_sdk's ``SignatureVerifier`` (the one Slack's SDKs and Bolt use) checks it, with the envelope and
form the product parses; a message the app does not hear is sent nowhere."""

import json
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from local.code_sandbox.slack_events import sign
from local.code_sandbox.slack_oauth import SIGNING_SECRET
from local.code_sandbox.testing import Admin, running_code_sandbox
from shared.slack.domain.events import EventCallback, parse, parse_command
from tests.support.slack.receiver import Received, receiving


@pytest.fixture
def slack() -> Iterator[tuple[Admin, Received]]:
    with running_code_sandbox() as sandbox, receiving() as (url, got):
        sandbox.admin.slack_app(url + "/slack/events", url + "/slack/commands")
        yield sandbox.admin, got


def test_a_person_says_it_on_the_screen_and_sees_the_delivery(slack: tuple[Admin, Received]) -> None:
    admin, got = slack
    screen = str(admin.http.base_url).rstrip("/") + "/slack/screen"
    assert "<form" in httpx.get(screen).text
    form = {
        "user": "dana",
        "email": "dana@acme.example",
        "channel": "C0SANDBOX01",
        "text": "<@U0SANDBOX01> hi",
    }
    page = httpx.post(screen, data=form).text
    assert "Delivered to the app: HTTP 200" in page and "&lt;@U0SANDBOX01&gt; hi" in page
    assert "Delivered to the app" in httpx.post(screen, data=form | {"as_command": "1", "text": "go"}).text
    assert [p for p, _, _ in got.requests] == [
        "slack/events",
        "slack/events",
        "slack/commands",
    ]  # a mention's two
    refused = httpx.post(screen, data={"user": "nobody-known", "text": "hi"}).text
    assert "give their email to add them" in refused and len(got.requests) == 3


def test_what_the_sandbox_sends_verifies_with_slack_sdk(slack: tuple[Admin, Received]) -> None:
    admin, got = slack
    bot = "U0SANDBOX01"  # the seeded app's bot, notion-agent
    mention = admin.slack_say("alice", f"<@{bot}> draft the note")  # message.channels, then app_mention
    direct = admin.slack_say("alice", "summarise Tasks", channel="dm")
    unheard = admin.slack_say("alice", "lunch?", channel="C0OUTSIDE01")  # #general: the app is not in it
    typed = admin.slack_command("alice", "ask who owns the launch?")
    assert unheard["event"] is None and unheard["delivered"] is None and unheard["events"] == []
    assert [m["delivered"]["status"] for m in (mention, direct, typed)] == [200, 200, 200]
    assert [d["status"] for d in mention["deliveries"]] == [200, 200]
    assert [p for p, _, _ in got.requests] == ["slack/events"] * 3 + ["slack/commands"]
    verifier, other = SignatureVerifier(SIGNING_SECRET), SignatureVerifier("another-apps-secret")
    for _, body, headers in got.requests:
        assert verifier.is_valid_request(body, headers)
        assert not other.is_valid_request(body, headers)
        assert not verifier.is_valid_request(body + b" ", headers)
    [(_, heard, _), (_, first, _), (_, second, _), (_, form, headers)] = got.requests
    message, said, dm = parse(heard), parse(first), parse(second)
    assert (
        isinstance(said, EventCallback)
        and isinstance(dm, EventCallback)
        and isinstance(message, EventCallback)
    )
    assert (said.event.type, said.event.ts, said.team_id) == ("app_mention", mention["ts"], "T0SANDBOX01")
    assert (message.event.type, message.event.channel_type, message.event.ts) == (
        "message",
        "channel",
        mention["ts"],
    )
    assert message.event_id != said.event_id  # the same message, two events: only its channel and ts tie them
    assert (dm.event.type, dm.event.channel_type) == ("message", "im") and dm.event_id != said.event_id
    assert json.loads(first)["event"]["text"] == f"<@{bot}> draft the note"
    command = parse_command(form)
    assert (command.text, command.command) == ("ask who owns the launch?", "/agent")
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(form.decode())["user_id"] == [json.loads(first)["event"]["user"]]


def test_a_reply_in_a_thread_is_sent_as_a_message_with_its_thread(slack: tuple[Admin, Received]) -> None:
    admin, got = slack
    root = admin.slack_say("alice", "<@U0SANDBOX01> draft the note")["ts"]
    reply = admin.slack_say("alice", "make it shorter", thread_ts=root)
    [(_, body, _)] = got.requests[2:]
    said = parse(body)
    assert isinstance(said, EventCallback) and [e["event"]["type"] for e in reply["events"]] == ["message"]
    assert (said.event.type, said.event.thread_ts, said.event.ts) == ("message", root, reply["ts"])
    assert said.event.channel_type == "channel" and reply["delivered"]["status"] == 200


def test_the_signature_is_slacks_documented_example() -> None:
    """Slack's "Verifying requests from Slack" example: its secret, timestamp and body, its signature."""
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    headers = sign(body, at=1531420618, secret="8f742231b10e8888abcd99yyyzzz85a5")
    assert (
        headers["X-Slack-Signature"] == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )
