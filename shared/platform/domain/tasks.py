"""Bodies of the tasks functions send each other through Cloud Tasks. Small, validated, versionless.

One module per body, so a function loads the bodies it sends or receives and no other:
:mod:`~shared.runs.domain.plan_task` (a trigger becoming a run), :mod:`~shared.agents.domain.schedule_task`
(daily planning's fan-out), :mod:`~shared.runs.domain.step_task` (one step of a run) and
:mod:`~shared.notify.domain.notify_task` (one notification). Here: their base and the ids they carry.
"""

import re
from typing import Annotated, ClassVar

from pydantic import Field

from shared.platform.domain.ids import is_document_id
from shared.platform.domain.schema import Record

ID_PATTERN = r"^[A-Za-z0-9_-]{1,128}$"  # tenant, run and notification ids
# Such an id in a task body: the pattern, and a document id Firestore accepts. Within the pattern, the
# only id Firestore refuses is a reserved ``__x__`` (shared.platform.domain.ids), which the lookahead excludes.
TaskId = Annotated[
    str, Field(pattern=re.compile(r"^(?!__.*__$)[A-Za-z0-9_-]{1,128}$"))
]  # Python's re: a lookahead


def is_run_id(value: str) -> bool:
    """Whether ``value`` can name a run: what task bodies accept (:data:`TaskId`)."""
    return re.fullmatch(ID_PATTERN, value) is not None and is_document_id(value)


class TaskBody(Record):
    """A task's body: immutable, unknown fields refused (shared.platform.domain.schema.Record)."""

    ROUTE: ClassVar[str] = ""  # the path on the target function that receives this body
