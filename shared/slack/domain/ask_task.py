"""The body of an Ask asked in a Slack thread (``POST /slack-ask`` on plan): a thread's Ask
(shared.memory.domain.thread_ask) whose thread is ``slack:<team>:<channel>:<ts>``. Pure."""

from typing import ClassVar

from pydantic import Field

from shared.memory.domain.thread_ask import QUESTION_CHARS, ThreadAsk
from shared.platform.domain.tasks import TaskId

__all__ = ["QUESTION_CHARS", "SlackAskTask"]


class SlackAskTask(ThreadAsk):
    """Answer ``question`` as Ask within ``member_id``'s reach, in the Slack thread ``thread``
    (``slack:<team>:<channel>:<ts>``), once per ``event_key`` (the Slack event's). ``session_id``: the
    asker's session of the thread (decision 0195), its message of ``event_key`` settled with the
    answer, which follows the session's Ask conversation."""

    ROUTE: ClassVar[str] = "/slack-ask"
    session_id: TaskId | None = Field(None, exclude_if=lambda v: v is None)
