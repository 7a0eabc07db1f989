"""Bodies of the tasks functions send each other through Cloud Tasks. Small, validated, versionless."""

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

from pydantic import AwareDatetime, ConfigDict, Field, ValidationInfo, field_validator

from shared.domain.schema import Schema

_ID = r"^[A-Za-z0-9_-]{1,128}$"
# Notion's changes to a page itself (not its comments). One page's changes within a window start one
# run (shared.domain.notion_events.plan_task), and a page has one such run active at a time
# (shared.services.planning.start_run).
PAGE_CHANGES = frozenset({"page.created", "page.properties_updated", "page.content_updated"})
# How long after a change a read of the page is taken to show it: clock skew between Notion's event
# timestamps and ours, and Notion's own read lag, with room to spare (see Trigger.seen_by).
READ_LAG = timedelta(seconds=60)
# Change times a task may carry: none from before Notion's public API existed (it could mark a change
# as read), none so far ahead that adding READ_LAG overflows. The webhook holds events to tighter
# bounds (shared.domain.notion_events); these keep a task body from another sender harmless.
EARLIEST_EVENT = datetime(2020, 1, 1, tzinfo=UTC)
LATEST_EVENT = datetime(3000, 1, 1, tzinfo=UTC)
# How far back daily planning catches up ticks it missed (an outage at the top of an hour): a day
# planned up to this late is still worth a plan, and each tick past it costs every tenant a check.
CATCH_UP = timedelta(hours=6)


def is_run_id(value: str) -> bool:
    """Whether ``value`` can name a run: what task bodies accept, and none of the document names
    Firestore reserves (``__...__``)."""
    reserved = value.startswith("__") and value.endswith("__")
    return re.fullmatch(_ID, value) is not None and not reserved


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
    algorithm, as the Notion pacer (``shared.adapters.pacing``), here on times stored per tenant:
    after a burst, the starts follow one another ``interval`` apart, in the order they asked."""
    due = now if due is None else due
    start = max(now, due - (burst - 1) * interval)
    return start, max(due, start) + interval


class TaskBody(Schema):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ROUTE: ClassVar[str] = ""  # the path on the target function that receives this body


class Trigger(TaskBody):
    """What started a run: a Notion event (a signal: the page is fetched fresh), an API call, the
    daily schedule, or a person by hand."""

    kind: Literal["webhook", "api", "schedule", "manual"]
    event_id: str | None = Field(default=None, max_length=100)
    event_type: str | None = Field(default=None, max_length=100)
    page_id: str | None = Field(default=None, max_length=100)
    data_source_id: str | None = Field(default=None, max_length=100)
    comment_id: str | None = Field(default=None, max_length=100)
    # A page's change: every change the trigger stands for (one event, or a window's) happened
    # before this time, by Notion's clock.
    changed_before: AwareDatetime | None = Field(default=None, ge=EARLIEST_EVENT, lt=LATEST_EVENT)

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


class PlanTask(TaskBody):
    """Turn a trigger into a run. ``run_id`` is derived from the trigger's identity (e.g. the event
    id) so a repeated trigger names the same run."""

    tenant_id: str = Field(pattern=_ID)
    run_id: str = Field(pattern=_ID)
    goal: str = Field(default="", max_length=2000)
    trigger: Trigger
    # The run's start was scheduled already (``shared.services.planning.start_run``): plan it now.
    admitted: bool = False


class ScheduleTask(TaskBody):
    """Daily planning fan-out, one page of active tenants per call (``POST /schedule`` on plan).
    Cloud Scheduler sends ``{}``: the tick is the current hour and the page the first. A
    continuation carries both, so however late it runs it plans the tenants due at that tick."""

    ROUTE: ClassVar[str] = "/schedule"

    tick: AwareDatetime | None = None
    after: str | None = Field(default=None, pattern=_ID)
    # The first of the ticks this fan-out plans for: earlier than ``tick`` when ticks before it were
    # missed (shared.services.daily_planning), at most CATCH_UP earlier. None: ``tick`` alone.
    since: AwareDatetime | None = None

    @field_validator("since")
    @classmethod
    def _within_catch_up(cls, since: datetime | None, info: ValidationInfo) -> datetime | None:
        tick = info.data.get("tick")
        if since is not None and (tick is None or not tick - CATCH_UP <= since <= tick):
            hours = CATCH_UP // timedelta(hours=1)
            raise ValueError(f"since needs a tick, and must be at most {hours} hours before it")
        return since


class StepTask(TaskBody):
    """Carry out step ``step`` of one run: on execute-step, or on deploy for a GitHub/Vercel step."""

    tenant_id: str = Field(pattern=_ID)
    run_id: str = Field(pattern=_ID)
    step: int = Field(ge=1, le=10_000)


class NotifyTask(TaskBody):
    """Deliver one notification, at most once per ``notification_id``."""

    notification_id: str = Field(pattern=_ID)
    tenant_id: str = Field(pattern=_ID)
    run_id: str | None = Field(default=None, pattern=_ID)
    channel: str = Field(default="outbox", pattern=r"^(outbox|email|slack|notion_comment)$")
    subject: str = Field(min_length=1, max_length=300)
    text: str = Field(max_length=20_000)
    # urgent: sent even in the tenant's quiet hours (a run waiting for a person); normal: deferred.
    priority: Literal["normal", "urgent"] = "normal"
    # page_id: the page it is about (the run's trigger page), where a Notion comment goes;
    # approve_url/reject_url: a decision's links.
    data: dict[str, Any] = Field(default_factory=dict)
    # When the run it is about started: not delivered once the workspace has another owner than the
    # one whose run it is (``Tenant.owns``). None: about no run, or sent before this field.
    run_started_at: datetime | None = None
