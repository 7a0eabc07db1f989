"""A Slack message whose post may have happened (its answer lost) is looked for, on the retry, in the
channel it was posted to, though the owner chose another channel meanwhile; only a message not found
there goes to the new channel, which the record names before the post, so a later retry looks there."""

from datetime import timedelta

import pytest

from shared.notify.domain.notifications import NotificationStatus
from shared.platform.errors import TransientError
from shared.workspace.domain.tenants import Tenant
from tests.support.notify.notification_retries import SLACK_CHANNEL, LostReplyChat, note, tenant, world

OTHER_CHANNEL = "C0SANDBOX02"


def moved(owner: Tenant) -> Tenant:
    """The owner's settings with another Slack channel chosen."""
    settings = owner.settings.model_copy(update={"slack_channel_id": OTHER_CHANNEL})
    return owner.model_copy(update={"settings": settings})


def test_a_message_posted_before_the_channel_changed_is_found_there_and_not_posted_again() -> None:
    chat = LostReplyChat()
    w = world(chat=chat)
    owner = tenant("slack", "email")
    with pytest.raises(TransientError):
        w.notifier.deliver(note(), owner)  # posted in the first channel; the answer lost
    assert w.record().where == SLACK_CHANNEL

    w.clock.now += timedelta(minutes=1)
    assert w.notifier.deliver(note(), moved(owner)) is False  # found where it went: not sent again

    assert len(chat.messages[SLACK_CHANNEL]) == 1 and OTHER_CHANNEL not in chat.messages
    record = w.record()
    assert (record.status, record.channel, record.message_ts) == (
        NotificationStatus.SENT,
        "slack",
        chat.messages[SLACK_CHANNEL][0][0],
    )


def test_a_message_never_posted_goes_to_the_new_channel_and_a_later_retry_looks_there() -> None:
    chat = LostReplyChat()
    chat.lose = False
    w = world(chat=chat)
    owner = tenant("slack", "email")
    chat.fail["post_message"] = [TransientError("Slack answered 503 (chat.postMessage)")]
    with pytest.raises(TransientError):
        w.notifier.deliver(note(), owner)  # nothing posted
    assert w.record().where == SLACK_CHANNEL

    chat.lose = True  # the next post happens, in the new channel, and its answer is lost
    w.clock.now += timedelta(minutes=1)
    with pytest.raises(TransientError):
        w.notifier.deliver(note(), moved(owner))
    assert SLACK_CHANNEL not in chat.messages and len(chat.messages[OTHER_CHANNEL]) == 1
    assert w.record().where == OTHER_CHANNEL  # named before the post

    w.clock.now += timedelta(minutes=1)
    assert w.notifier.deliver(note(), moved(owner)) is False  # found there: not posted twice
    assert len(chat.messages[OTHER_CHANNEL]) == 1
    assert w.record().status == NotificationStatus.SENT
