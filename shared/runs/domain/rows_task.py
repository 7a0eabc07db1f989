"""Bodies of the Runs-row tasks on execute-step: keep a run's row current (``POST /row``), act on
a person's change of a row's Decision (``POST /decide``) and on a person's comment on a row
(``POST /answer``)."""

from typing import Annotated, ClassVar

from pydantic import Field

from shared.platform.domain.tasks import TaskBody, TaskId


class RowTask(TaskBody):
    """Write run ``run_id``'s row as its log has it now (create it if ``create`` and it is missing)."""

    ROUTE: ClassVar[str] = "/row"

    tenant_id: TaskId
    run_id: TaskId
    create: bool = False
    decision: bool = False  # write Decision and Request too: the run just began to wait
    note: bool = (
        False  # then the start note on the run's page, linking the row (shared.engine.services.page_notes)
    )


class DecideTask(TaskBody):
    """A person changed row ``page_id`` of the Runs database (Notion's signed event ``event_id``); the
    change decides only if its authors are the workspace's owner alone (``by_owner``)."""

    ROUTE: ClassVar[str] = "/decide"

    tenant_id: TaskId
    page_id: TaskId
    event_id: TaskId
    by_owner: bool
    authors: Annotated[list[str], Field(max_length=20)] = Field(default_factory=list)


class AnswerTask(TaskBody):
    """A person commented (comment ``comment_id``, Notion's signed event ``event_id``) on row
    ``page_id`` of the Runs database; it answers the row's question only if its author is the
    workspace's owner (``by_owner``)."""

    ROUTE: ClassVar[str] = "/answer"

    tenant_id: TaskId
    page_id: TaskId
    comment_id: TaskId
    event_id: TaskId
    by_owner: bool
