"""The sandbox's Slack Web API as Slack documents it, for what answering in a thread relies on,
through the official ``slack_sdk`` WebClient: ``chat.postMessage`` with ``thread_ts`` and Block Kit
``blocks``; ``conversations.history`` shows a channel's messages but none of a thread's replies;
``conversations.replies`` shows the thread's first message then its replies, oldest first, within
``oldest``/``latest``, by pages, with the scope each kind of conversation needs; ``chat.postEphemeral``
shows a message to one member of the channel, in no history (a refused press is answered so)."""

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from local.code_sandbox.testing import Admin, RunningSandbox
from shared.slack.adapters.slack_web import SlackWebApi
from tests.support.slack.slack_events import CHANNEL

pytestmark = pytest.mark.integration
BOT_TOKEN = "xoxb-sandbox-acme"
BUTTON = {"type": "button", "action_id": "approve", "text": {"type": "plain_text", "text": "Approve"}}


@pytest.fixture
def client(sandbox: RunningSandbox) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=sandbox.slack_url.rstrip("/") + "/")


def _error(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


def test_a_reply_in_a_thread_is_in_its_replies_and_not_in_the_history(
    client: WebClient, admin: Admin
) -> None:
    [root] = admin.slack_post(CHANNEL, "a question", user="alice")
    blocks = [{"type": "actions", "elements": [BUTTON]}]
    posted = client.chat_postMessage(channel=CHANNEL, thread_ts=root, text="fallback", blocks=blocks)
    assert posted["message"]["thread_ts"] == root and posted["message"]["blocks"] == blocks
    later = client.chat_postMessage(channel=CHANNEL, text="top level")["ts"]
    history = [
        m["ts"]
        for m in client.conversations_history(channel=CHANNEL, oldest=root, inclusive=True)["messages"]
    ]
    assert history == [later, root]  # newest first; the reply is not there
    thread = client.conversations_replies(channel=CHANNEL, ts=root)["messages"]
    assert [m["ts"] for m in thread] == [root, posted["ts"]]  # the first message, then its replies
    by_reply = client.conversations_replies(channel=CHANNEL, ts=posted["ts"])["messages"]
    assert [m["ts"] for m in by_reply] == [root, posted["ts"]]  # a reply's ts names its thread too


def test_replies_are_read_by_window_and_pages_oldest_first(client: WebClient, admin: Admin) -> None:
    [root] = admin.slack_post(CHANNEL, "a thread", user="alice")
    replies = [client.chat_postMessage(channel=CHANNEL, thread_ts=root, text=f"r{n}")["ts"] for n in range(5)]
    window = client.conversations_replies(channel=CHANNEL, ts=root, oldest=replies[1], latest=replies[3])
    assert [m["ts"] for m in window["messages"]] == [replies[2]]  # both ends excluded
    seen, cursor = [], None
    while True:
        page = client.conversations_replies(
            channel=CHANNEL, ts=root, oldest=replies[0], inclusive=True, limit=2, cursor=cursor
        )
        seen += [m["ts"] for m in page["messages"]]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    assert seen == replies and page["has_more"] is False


def test_a_thread_slack_does_not_know_and_bad_blocks_are_refused(client: WebClient, admin: Admin) -> None:
    assert _error(lambda: client.conversations_replies(channel=CHANNEL, ts="1.000001")) == "thread_not_found"
    assert _error(
        lambda: client.chat_postMessage(channel=CHANNEL, text="x", blocks=[{"text": "no type"}])
    ) == ("invalid_blocks")
    [root] = admin.slack_post(CHANNEL, "a thread", user="alice")
    with pytest.warns(UserWarning, match="text"):  # slack_sdk advises a text; Slack takes blocks alone
        assert client.chat_postMessage(channel=CHANNEL, thread_ts=root, blocks=[{"type": "divider"}])["ok"]


def test_reading_a_thread_needs_the_conversations_history_scope(
    client: WebClient, admin: Admin, sandbox: RunningSandbox
) -> None:
    [root] = admin.slack_post(CHANNEL, "a thread", user="alice")
    admin.slack_token("xoxb-no-history", scopes=["chat:write", "im:history"])
    other = WebClient(token="xoxb-no-history", base_url=sandbox.slack_url.rstrip("/") + "/")
    with pytest.raises(SlackApiError) as caught:
        other.conversations_replies(channel=CHANNEL, ts=root)
    assert (
        caught.value.response["error"] == "missing_scope"
        and caught.value.response["needed"] == "channels:history"
    )


def test_an_ephemeral_message_is_for_one_member_of_the_channel_and_in_no_history(
    client: WebClient, admin: Admin, sandbox: RunningSandbox
) -> None:
    bo = admin.slack_user("bo-ephemeral", "bo@acme.example", (CHANNEL,))
    shown = client.chat_postEphemeral(channel=CHANNEL, user=bo, text="Nothing was decided: …")
    assert shown["ok"] and shown["message_ts"]
    assert admin.slack_ephemerals()[-1] == {
        "channel": CHANNEL,
        "user": bo,
        "text": "Nothing was decided: …",
        "ts": shown["message_ts"],
    }
    history = client.conversations_history(channel=CHANNEL, oldest=shown["message_ts"], inclusive=True)
    assert history["messages"] == []
    SlackWebApi(sandbox.slack_url.rstrip("/") + "/").whisper(
        BOT_TOKEN, CHANNEL, bo, "refused"
    )  # a press's answer
    assert admin.slack_ephemerals()[-1]["text"] == "refused"
    outsider = admin.slack_user("eve-ephemeral", "eve@elsewhere.example")
    assert _error(lambda: client.chat_postEphemeral(channel=CHANNEL, user=outsider, text="x")) == (
        "user_not_in_channel"
    )
    assert _error(lambda: client.chat_postEphemeral(channel=CHANNEL, user="U0NOBODY01", text="x")) == (
        "user_not_found"
    )
