"""The body of an Ask asked in a Slack thread (``POST /slack-ask`` on plan): who asked what, where the
answer goes, and the event it came from, which names the answer's notification. Pure."""

from typing import Annotated, ClassVar

from pydantic import Field

from shared.platform.domain.tasks import TaskBody, TaskId

QUESTION_CHARS = 2_000  # Ask's own bound (shared.memory.services.ask.QUESTION_CHARS) holds it too


class SlackAskTask(TaskBody):
    """Answer ``question`` as Ask within ``member_id``'s reach, in the Slack thread ``thread``
    (``slack:<team>:<channel>:<ts>``), once per ``event_key``."""

    ROUTE: ClassVar[str] = "/slack-ask"

    tenant_id: TaskId
    member_id: TaskId
    event_key: TaskId
    thread: Annotated[str, Field(max_length=120)]
    question: Annotated[str, Field(min_length=1, max_length=QUESTION_CHARS)]
