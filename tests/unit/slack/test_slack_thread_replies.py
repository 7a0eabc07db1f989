"""Which Slack ``message`` events are a thread's reply the app may take (decision 0201): a person's
reply in a public or private channel's thread, not its first message, not a bot's, an edit or a
deletion, and not one that mentions the app (its ``app_mention`` is taken); and a message named by
its channel and ts, whichever event carries it."""

from shared.slack.domain.events import SlackEvent, replies, said_name

BOT = "U0BOT00001"
REPLY = {
    "type": "message",
    "channel_type": "channel",
    "user": "U0BO000001",
    "text": "formal, please",
    "channel": "C0SANDBOX01",
    "ts": "1767700001.000200",
    "thread_ts": "1767700000.000100",
}


def _is_reply(**changed: object) -> bool:
    return replies(SlackEvent.model_validate(REPLY | changed), BOT)


def test_a_persons_reply_in_a_channels_thread_is_one() -> None:
    assert _is_reply() and _is_reply(channel_type="group") and _is_reply(subtype="thread_broadcast")


def test_what_is_not_a_reply_the_app_may_take() -> None:
    assert not _is_reply(thread_ts=None)  # a channel's message
    assert not _is_reply(thread_ts=REPLY["ts"])  # the thread's first message
    assert not _is_reply(channel_type="im")  # a direct message: taken as one
    assert not _is_reply(type="app_mention")
    assert not _is_reply(user=BOT) and not _is_reply(bot_id="B0OTHER001")  # the app's own, another bot's
    assert not _is_reply(subtype="message_changed") and not _is_reply(subtype="message_deleted")
    assert not _is_reply(text=f"<@{BOT}> formal") and not _is_reply(text=f"<@{BOT}|Notion Agent> formal")
    assert _is_reply(text="<@U0OTHER001> what do you think?")  # another person's mention is still a reply


def test_a_message_is_named_by_where_it_was_said() -> None:
    assert said_name("C0SANDBOX01", REPLY["ts"]) == said_name("C0SANDBOX01", REPLY["ts"])
    assert said_name("C0SANDBOX01", REPLY["ts"]) != said_name("C0OTHER0001", REPLY["ts"])
    assert said_name("C0SANDBOX01", REPLY["ts"]).startswith("msg-")
