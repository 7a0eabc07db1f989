"""The body of an Ask asked in a Slack thread (``POST /slack-ask`` on plan): a thread's Ask
(shared.memory.domain.thread_ask) whose thread is ``slack:<team>:<channel>:<ts>``. Pure."""

from typing import ClassVar

from shared.memory.domain.thread_ask import QUESTION_CHARS, ThreadAsk

__all__ = ["QUESTION_CHARS", "SlackAskTask"]


class SlackAskTask(ThreadAsk):
    """Answer ``question`` as Ask within ``member_id``'s reach, in the Slack thread ``thread``
    (``slack:<team>:<channel>:<ts>``), once per ``event_key`` (the Slack event's)."""

    ROUTE: ClassVar[str] = "/slack-ask"
