"""The body that turns a trigger into a run (``PlanTask``, on plan), and the rules of run starts it
carries: which changes start work, when a read has seen them, how starts are paced."""

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, field_validator

from shared.platform.domain.tasks import TaskBody, TaskId
from shared.workspace.domain.triggers import PropertyCheck

# Notion's changes to a page itself (not its comments). One page's changes within a window start one
# run (shared.runs.domain.notion_events.plan_task), and a page has one such run active at a time
# (shared.engine.planning.start.start_run).
PAGE_CHANGES = frozenset({"page.created", "page.properties_updated", "page.content_updated"})
# How long after a change a read of the page is taken to show it: clock skew between Notion's event
# timestamps and ours, and Notion's own read lag, with room to spare (see Trigger.seen_by).
READ_LAG = timedelta(seconds=60)
# Change times a task may carry: none from before Notion's public API existed (it could mark a change
# as read), none so far ahead that adding READ_LAG overflows. The webhook holds events to tighter
# bounds (shared.runs.domain.notion_events); these keep a task body from another sender harmless.
EARLIEST_EVENT = datetime(2020, 1, 1, tzinfo=UTC)
LATEST_EVENT = datetime(3000, 1, 1, tzinfo=UTC)


def page_key(page_id: str) -> str:
    """A Notion page id as run and document ids carry it: without hyphens (Notion writes ids both
    ways), or hashed if it is not a plain id."""
    plain = page_id.replace("-", "").lower()
    return (
        plain if re.fullmatch(r"[0-9a-z]{1,64}", plain) else hashlib.sha256(plain.encode()).hexdigest()[:32]
    )


def next_start(
    due: datetime | None, now: datetime, interval: timedelta, burst: int
) -> tuple[datetime, datetime]:
    """When a run asking at ``now`` may start under a limit of one start per ``interval`` with
    ``burst`` at once, and the limit's next ``due`` time (None: idle). The generic cell rate
    algorithm, as the Notion pacer (``shared.platform.adapters.pacing``), here on times stored per tenant:
    after a burst, the starts follow one another ``interval`` apart, in the order they asked."""
    due = now if due is None else due
    start = max(now, due - (burst - 1) * interval)
    return start, max(due, start) + interval


_Id = Annotated[str, Field(max_length=100)]  # an id or type of Notion's a trigger names


class TrackerItem(TaskBody):
    """The Linear or GitLab issue or comment whose event started a run (decision 0121): the tracker's
    words, untrusted, given to the model as data in the trigger."""

    tool: Annotated[str, Field(max_length=20)]
    target: Annotated[str, Field(max_length=200)]  # the team or project
    item: Annotated[str, Field(max_length=200)]  # the issue, as a person reads it
    title: Annotated[str, Field(max_length=200)] = ""
    text: Annotated[str, Field(max_length=4000)] = ""


class MailItem(TaskBody):
    """The mail that started a run (docs/mail.md): the agent's address it came to, its subject, and
    its attachments as untrusted data (each read one fenced, each other named), given to the model as
    data in the trigger. Its words are the run's goal; who sent it is in ``people``."""

    to: Annotated[str, Field(max_length=320)]  # the agent's address
    subject: Annotated[str, Field(max_length=300)] = ""
    attachments: Annotated[str, Field(max_length=4000)] = ""


class Trigger(TaskBody):
    """What started a run: a Notion event (a signal: the page is fetched fresh), an API call, the
    daily schedule, or a person by hand."""

    kind: Literal["webhook", "api", "schedule", "manual"]
    event_id: _Id | None = None
    event_type: _Id | None = None
    page_id: _Id | None = None
    data_source_id: _Id | None = None
    comment_id: _Id | None = None
    # A page's change: every change the trigger stands for (one event, or a window's) happened
    # before this time, by Notion's clock.
    changed_before: AwareDatetime | None = None
    # Whether the workspace's owner authored it (every author of the event). None: a Notion event's
    # trigger counts as a member's, any other kind as the owner's (the API, the schedule).
    by_owner: bool | None = None
    # A page's property change that starts a run only if the page then has one of these values.
    checks: Annotated[list[PropertyCheck], Field(max_length=40)] = Field(default_factory=list)
    # Who and what started it, recorded in its plan (shared.runs.services.run_view.started_by): the Notion
    # user ids of the people (an event's authors but the bot, or the person who asked), the trigger
    # rule it met in words, and a routine's schedule slot. Left out when empty, as before them.
    people: Annotated[list[_Id], Field(max_length=10)] = Field(
        default_factory=list, exclude_if=lambda v: not v
    )
    rule: Annotated[str, Field(max_length=300)] = Field("", exclude_if=lambda v: not v)
    slot: Annotated[str, Field(max_length=100)] = Field("", exclude_if=lambda v: not v)
    # A tracker's event: the issue or comment (left out for every other trigger, as before it).
    tracker: TrackerItem | None = Field(None, exclude_if=lambda v: v is None)
    # A mail to an agent's address: its subject and attachments (left out for every other trigger).
    mail: MailItem | None = Field(None, exclude_if=lambda v: v is None)
    # A person named its page (Run again) and the api found it beyond their reach: planning waits for
    # an approval before reading it, as for an ``api`` trigger's (decision 0147). Left out when False.
    beyond: bool = Field(False, exclude_if=lambda v: not v)
    # Asked in a Slack thread (``slack:<team>:<channel>:<ts>``, shared.notify.domain.slack_threads) or a
    # mail thread (``mail:<mailbox>:<gmail id>``, mail_threads): its approvals and result are answered
    # there. Left out when empty.
    thread: Annotated[str, Field(max_length=120)] = Field("", exclude_if=lambda v: not v)
    # The message it was asked in, as Slack links to it (``chat.getPermalink``): the run view's link
    # back. Left out when empty.
    link: Annotated[str, Field(max_length=500, pattern=r"^https://\S+$")] | Literal[""] = Field(
        "", exclude_if=lambda v: not v
    )

    @field_validator("changed_before")
    @classmethod
    def _a_real_change_time(cls, changed_before: datetime | None) -> datetime | None:
        if changed_before is not None and not EARLIEST_EVENT <= changed_before < LATEST_EVENT:
            raise ValueError(f"must be from {EARLIEST_EVENT:%Y-%m-%d} to before {LATEST_EVENT:%Y-%m-%d}")
        return changed_before

    @property
    def member(self) -> bool:
        """Started by someone other than the owner: its run reads only within the trigger's reach
        (docs/security.md, "Runs a member starts")."""
        return self.by_owner is False or (self.kind == "webhook" and self.by_owner is None)

    @property
    def changed_page(self) -> str | None:
        """The page whose own change (see :data:`PAGE_CHANGES`) started the run, if one did."""
        return self.page_id if self.kind == "webhook" and self.event_type in PAGE_CHANGES else None

    def seen_by(self, claimed_at: datetime | None) -> bool:
        """Whether a run that claimed the page at ``claimed_at`` has read it after every change this
        trigger stands for (a run reads its page after claiming it). False when either time is
        unknown: the change is then taken as not seen, which costs at most a run, never a change."""
        if self.changed_before is None or claimed_at is None:
            return False
        return claimed_at >= self.changed_before + READ_LAG


def source_of(thread: str, event_type: str) -> str:
    """Where a run was asked, from its trigger's thread and event type: "slack" (a Slack thread),
    "mail" (a mail thread), "meeting" (a meeting rule's ``calendar.*`` event), else ""."""
    if thread.startswith(("slack:", "mail:")):
        return thread.split(":", 1)[0]
    return "meeting" if event_type.startswith("calendar.") else ""


class Bound(TaskBody):
    """One run's reach (plain Notion ids; empty: unbounded), bounding a run it handed work to."""

    read: Annotated[list[_Id], Field(max_length=50)] = Field(default_factory=list)
    change: Annotated[list[_Id], Field(max_length=50)] = Field(default_factory=list)


class PlanTask(TaskBody):
    """Turn a trigger into a run. ``run_id`` is derived from the trigger's identity (e.g. the event
    id) so a repeated trigger names the same run."""

    tenant_id: TaskId
    run_id: TaskId
    trigger: Trigger
    goal: Annotated[str, Field(max_length=2000)] = ""
    # The run's start was scheduled already (``shared.engine.planning.start.start_run``): plan it now.
    admitted: bool = False
    # The agent it runs (shared.agents.domain.agents); None: the one a comment names, else the default.
    agent_id: TaskId | None = Field(None, exclude_if=lambda v: v is None)
    # A hand-off's: the run that started it, the agents of the chain before it (root
    # first), and the reaches of those runs, each a bound on this one's (``Bound``).
    parent_run_id: TaskId | None = Field(None, exclude_if=lambda v: v is None)
    chain: Annotated[list[TaskId], Field(max_length=10)] = Field(
        default_factory=list, exclude_if=lambda v: not v
    )
    bounds: Annotated[list[Bound], Field(max_length=10)] = Field(
        default_factory=list, exclude_if=lambda v: not v
    )
    # A debate's or panel's child: the model family its calls go to first, and its
    # share of the parent's budget (a bound on its own run budget).
    family: Literal["gemini", "claude"] | None = Field(None, exclude_if=lambda v: v is None)
    budget_usd: Annotated[float, Field(ge=0)] | None = Field(None, exclude_if=lambda v: v is None)
