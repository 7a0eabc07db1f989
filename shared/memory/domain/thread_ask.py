"""The body of an Ask asked in a thread of a way in (a Slack thread, a mail thread): who asked what,
the thread the answer goes to, and the key of what asked, which names the answer's notification. Each
way in names its own route (``ROUTE``) and reads its own threads. Pure."""

from typing import Annotated

from pydantic import Field

from shared.platform.domain.tasks import TaskBody, TaskId

QUESTION_CHARS = 2_000  # Ask's own bound (shared.memory.services.ask.QUESTION_CHARS) holds it too


class ThreadAsk(TaskBody):
    """Answer ``question`` as Ask within ``member_id``'s reach, in ``thread`` (as its way in names
    it), once per ``event_key``."""

    tenant_id: TaskId
    member_id: TaskId
    event_key: TaskId
    thread: Annotated[str, Field(max_length=120)]
    question: Annotated[str, Field(min_length=1, max_length=QUESTION_CHARS)]
