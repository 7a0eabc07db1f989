"""What a run says on the page that started it, as the owner chose (``trigger_page_notes``): a note
when it starts, linking its Runs row; with ``every_step`` one per finished step; its result at the
end. Each note has a fixed notification id, so notify posts it at most once. Pure."""

import re
from typing import NamedTuple

from shared.runs.domain.page_links import web_url
from shared.runs.domain.state import RunState, RunStatus
from shared.workspace.domain.settings import TenantSettings

SUBJECT_MAX = 300
ENDED = {
    RunStatus.COMPLETED: "Done",
    RunStatus.FAILED: "Failed",
    RunStatus.CANCELLED: "Cancelled",
    RunStatus.ROLLED_BACK: "Rolled back",
}


class Note(NamedTuple):
    """One note: its notification id, its first line and its text."""

    notification_id: str
    subject: str
    text: str


_MAP_CHILD = re.compile(r"-m\d+-\d+$")  # shared.runs.domain.children.fanout.child_id's


def map_child(run_id: str, state: RunState) -> bool:
    """Whether the run is a child of a parallel map. Its parent's summary carries its news, so it
    leaves no start or end note and sends no end message of its own. Before, a 2-row map wrote 6
    Started/Done comments, a 3-item map sent 7 mails."""
    return bool(state.parent_run_id) and _MAP_CHILD.search(run_id) is not None


def on_the_page(settings: TenantSettings | None, state: RunState) -> bool:
    """Whether the run leaves notes on its trigger page: it has one, the owner did not choose none, and
    the page is the run's (not one beyond its starter's reach that nobody let it start from yet)."""
    if not state.page_id or state.page_beyond:
        return False
    return settings is None or settings.trigger_page_notes != "none"


def every_step(settings: TenantSettings | None, state: RunState) -> bool:
    """Whether the run also notes each finished step on its page."""
    return (
        on_the_page(settings, state) and settings is not None and settings.trigger_page_notes == "every_step"
    )


def start(run_id: str, state: RunState, row_url: str) -> Note:
    """The note when work starts: the run's title, and the run's Runs row when it is known (``row_url``,
    its url as Notion gave it: on the local stack, the sandbox's screen, over http)."""
    where = f"Progress: {row_url}" if web_url(row_url) else "Progress: in Notion Agent's Runs."
    return Note(f"{run_id}-started", f"Started: {state.title or run_id}"[:SUBJECT_MAX], where)


def step(run_id: str, state: RunState, number: int) -> Note:
    """The note after step ``number`` (1-based) finished: its place in the plan and its tool."""
    steps = state.steps
    tool = steps[number - 1].tool if 0 < number <= len(steps) else "step"
    subject = f"Step {number} of {len(steps)} done: {tool}"
    return Note(f"{run_id}-step-{number}", subject[:SUBJECT_MAX], "")


def end(run_id: str, state: RunState) -> Note:
    """The result at the end: done, failed or cancelled, with the run's summary or failure reason.
    Its id is the one a run's end message always had, so a run that ended before still has one."""
    ended = ENDED.get(state.status, state.status.value)
    text = state.summary or state.last_error or ""
    return Note(f"{run_id}-{state.status.value}", f"{ended}: {state.title or run_id}"[:SUBJECT_MAX], text)
