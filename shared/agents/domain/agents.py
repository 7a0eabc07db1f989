"""Agents: a workspace's named agents, each with instructions in a Notion page, the rules and schedules
that start it, its reach, tools, model tier, budget and where it reports. Pure models and rules.

Stored at ``tenants/{t}/agents/{agent_id}`` (``shared.agents.ports.AgentStore``). An instructions version
is the page's content hash and last edit time; one edited by someone other than the owner is used
only once the owner accepts it (:func:`usable_version`). Why: docs/decisions/0062-agents.md.
Past the limit: one model, the agent, with the input that changes it and its fields' words.
"""

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field

from shared.agents.domain.calendar_rules import MAX_CALENDAR_RULES, CalendarRule
from shared.agents.domain.feedback import Proposal, Rating
from shared.agents.domain.slack_channels import SLACK_CHANNEL, SlackChannels
from shared.agents.domain.tracker_rules import MAX_TRACKER_RULES, TrackerRule
from shared.platform.domain.schema import JSON_INTEGER, Record
from shared.workspace.domain.daily import HOUR
from shared.workspace.domain.settings import NOTION_ID, plain_notion_id
from shared.workspace.domain.triggers import NO_OTHER_KEYS, Rule, Schedule, SourceRules, Weekday

if TYPE_CHECKING:  # the model's modules load with a model call, not with every step (test_import_hygiene)
    from shared.platform.domain.model_calls import Tier

DEFAULT_AGENT_ID = "default"
DEFAULT_NAME = "Notion Agent"
# What the default agent does (today's product): its instructions page's first text.
DEFAULT_INSTRUCTIONS = (
    "Help with the page that started the run: read it, do what it asks within the workspace's rules, "
    "and report what was done."
)
MAX_AGENTS = 50  # per workspace
MAX_INSTRUCTIONS = 8000  # characters of an instructions page the run reads and a version keeps
SETTLE = timedelta(
    minutes=2
)  # Notion's last_edited_time is to the minute: a read this much later is after every edit
AGENT_ID = r"^[a-z0-9][a-z0-9-]{0,39}$"
# An agent's own tier, a person's choice; :func:`model_tier` maps it onto the model port's (fast or
# strong, decision 0159).
type ModelTier = Literal["fast", "standard", "best"]
type ReportsTo = Literal["notion_comment", "notification", "runs_row"]
# A reviewer pass before each write or effect: none, by the run's own model, or by the other model.
type Review = Literal["off", "same", "other"]

NotionId = Annotated[str, Field(pattern=NOTION_ID)]


def _named(value: str) -> str:
    """An agent's name with its outer spaces trimmed; ValueError, in words, for one with nothing else."""
    trimmed = value.strip()
    if not trimmed:
        raise ValueError("a name needs at least one letter, digit or sign, not only spaces")
    return trimmed


# The contract's pattern says what the validator holds: at least one character str.strip() keeps. Its
# class is spelt out: ECMAScript's \S (which a contract's reader may use) keeps \x1c-\x1f and \x85.
NOT_ONLY_SPACES = r"[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
Name = Annotated[
    str,
    Field(min_length=1, max_length=80, json_schema_extra={"pattern": NOT_ONLY_SPACES}),
    AfterValidator(_named),
]
ToolName = Annotated[str, Field(pattern=r"^[a-z_]{1,60}$")]


def slot_of(schedule: Schedule, tick: datetime, zone: tzinfo) -> datetime | None:
    """The local slot (date and hour, naive) ``schedule`` is due in at the scheduler's ``tick``, or
    None. A wall-clock hour a DST gap skipped since the previous tick is due at the tick after it."""
    local = tick.astimezone(zone)
    wall = local.replace(tzinfo=None, minute=0, second=0, microsecond=0)
    before = (tick - HOUR).astimezone(zone).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    hour = before + HOUR
    while hour <= wall:
        if hour.hour == schedule.hour and schedule.on(hour.date()):
            return hour
        hour += HOUR
    return None


def next_slot(schedule: Schedule, now: datetime, zone: tzinfo) -> datetime | None:
    """When ``schedule`` next starts a run after ``now`` (aware, in ``zone``): the first local hour
    after now's that is its hour on one of its days, within 32 days (a monthly day always comes in
    them); None if none does. The hourly tick starts it in that hour (:func:`slot_of`)."""
    hour = now.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    for _ in range(32 * 24):
        hour = (hour.astimezone(UTC) + HOUR).astimezone(zone)  # UTC steps: a DST gap or fold holds
        if hour.hour == schedule.hour and schedule.on(hour.date()):
            return hour
    return None


RUN_NOW = "run now by hand: "  # how a Run now run's trigger slot begins (functions/routes/agents_api)


def routine_started(slot: str) -> str:
    """What started a routine's run, as its goal and title say: the schedule's time, or Run now (its
    ``slot`` begins with :data:`RUN_NOW`, then the schedule as :func:`slot_words` says it)."""
    if not slot.startswith(RUN_NOW):
        return "the routine's scheduled time came"
    schedule = slot.removeprefix(RUN_NOW).split(", the slot of", 1)[0].strip()
    return f"its routine, run now by hand ({schedule})" if schedule else "its routine, run now by hand"


def slot_words(schedule: Schedule, slot: datetime, zone: tzinfo) -> str:
    """A routine's schedule and the slot it started in, as the run's StartedBy shows them."""
    days = ", ".join(d.capitalize() for d in schedule.days)
    every = {
        "daily": "every day",
        "weekdays": "on weekdays",
        "weekly": f"every {days}",
        "monthly": f"monthly on day {schedule.day_of_month}",
    }[schedule.every]
    return f"{every} at {schedule.hour:02}:00, the slot of {slot:%a %Y-%m-%d %H:00} ({zone})"[:100]


def routine_run_id(agent_id: str, index: int, slot: datetime) -> str:
    """The run of one schedule's slot: the same for every sweep that finds it due, so the run's
    create-if-absent in Firestore lets one run through per slot."""
    return f"routine-{agent_id}-{index}-{slot:%Y%m%d%H}"


# A tracker's team, project or workspace an agent may write to: ``linear:<team id>``, ``gitlab:<project id or
# path>``, ``motion:<workspace id>``.
TrackerTarget = Annotated[str, Field(pattern=r"^(linear|gitlab|motion):[A-Za-z0-9_.\-/]{1,200}$")]


class Reach(Record):
    """The data sources and pages an agent may read, and those it may change (empty: the workspace's
    chosen ones, as before agents). Also the trackers' teams and projects it may write to (empty: the
    connected ones, each write approved by the owner; decision 0116)."""

    model_config = ConfigDict(extra="ignore")

    read: Annotated[list[NotionId], Field(max_length=50)] = Field(default_factory=list)
    change: Annotated[list[NotionId], Field(max_length=50)] = Field(default_factory=list)
    # Left out of a stored agent when empty: agents stored before it read back unchanged.
    trackers: Annotated[list[TrackerTarget], Field(max_length=20)] = Field(
        default_factory=list, exclude_if=lambda v: not v
    )


class InstructionsVersion(Record):
    """One version of an instructions page: its content hash, its last edit and who made it; ``text``
    when kept (the version last accepted)."""

    model_config = ConfigDict(extra="ignore")

    content_hash: str
    edited_at: datetime | None = None
    edited_by: tuple[str, ...] = ()  # every person (plain Notion ids) who last edited a part of it
    text: str = ""
    read_at: datetime | None = None  # when it was read from the page

    def settled(self) -> bool:
        """Whether it was read long enough after its last edit that a later edit would show in the
        page's ``last_edited_time``, which Notion rounds to the minute. The page then need not be read
        whole again while that time stays the same."""
        return (
            self.read_at is not None
            and self.edited_at is not None
            and self.read_at >= self.edited_at + SETTLE
        )


class Agent(Record):
    """``tenants/{t}/agents/{agent_id}``. The default agent's trigger rules are the workspace
    settings' (as before agents); another's are ``triggers`` (None or empty: no page change starts it)."""

    model_config = ConfigDict(extra="ignore")

    agent_id: str
    name: str
    created_at: datetime
    updated_at: datetime
    instructions_page_id: str = ""
    instructions_url: str = ""
    triggers: dict[str, list[Rule]] | None = None
    schedules: tuple[Schedule, ...] = ()
    reach: Reach = Field(default_factory=Reach)
    tools: tuple[str, ...] = ()  # the tools it may use (empty: every tool)
    model_tier: ModelTier = "standard"
    max_cost_per_run_usd: float | None = None
    reports_to: ReportsTo = "runs_row"
    review: Review = Field("off", exclude_if=lambda v: v == "off")  # left out when off, as before it
    paused: bool = False
    accepted: InstructionsVersion | None = None  # the owner's last version (accepted or written)
    # People's ratings of its runs and the instruction edits proposed from them (domain/feedback.py).
    ratings: tuple[Rating, ...] = Field((), exclude_if=lambda v: not v)
    proposals: tuple[Proposal, ...] = Field((), exclude_if=lambda v: not v)
    # Linear and GitLab events that start it (decision 0121); left out when none, as before them.
    tracker_triggers: tuple[TrackerRule, ...] = Field((), exclude_if=lambda v: not v)
    # Meetings of the workspace's connected calendars that start it (decision 0193); left out when none.
    calendar_triggers: tuple[CalendarRule, ...] = Field((), exclude_if=lambda v: not v)
    # The Slack channels (ids) whose mentions and /agent commands start it rather than the default
    # agent (docs/slack.md); left out when none.
    slack_channels: tuple[str, ...] = Field((), exclude_if=lambda v: not v)
    # The gallery's template it was made from (domain/templates.py); left out when none.
    template: str = Field("", exclude_if=lambda v: not v)

    @property
    def is_default(self) -> bool:
        return self.agent_id == DEFAULT_AGENT_ID


def schedules_of(agents: Sequence[Agent]) -> dict[str, tuple[Schedule, ...]]:
    """The schedules of each of ``agents`` that has some and is not paused (``Tenant.agent_schedules``),
    in each agent's own order: a routine's run is named from its schedule's index."""
    return {a.agent_id: a.schedules for a in agents if a.schedules and not a.paused}


def model_tier(agent_tier: str, asked: "Tier") -> "Tier":
    """The model tier (decision 0159) of a call asking for ``asked`` under an agent's own tier: "fast"
    always fast (the cheap model), "best" always strong, "standard" (or none) the one asked for."""
    return "fast" if agent_tier == "fast" else "strong" if agent_tier == "best" else asked


def reviewer_tier(review: str, agent_tier: str) -> "Tier":
    """The model tier a reviewer pass uses: the one the run drafts with ("same"), or the other one."""
    own = model_tier(agent_tier, "strong")
    return own if review == "same" else "strong" if own == "fast" else "fast"


def default_agent(now: datetime) -> Agent:
    """The agent every workspace starts with: what the product did before agents (the settings'
    trigger rules, every tool, its default instructions until a page holds them)."""
    return Agent(agent_id=DEFAULT_AGENT_ID, name=DEFAULT_NAME, created_at=now, updated_at=now)


def agent_id_for(name: str, taken: Sequence[str]) -> str:
    """A new agent's id from its name: lower-case letters, digits and hyphens, unique among ``taken``."""
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:32] or "agent"
    found, n = stem, 2
    while found in taken or found == DEFAULT_AGENT_ID:
        found, n = f"{stem}-{n}", n + 1
    return found


def named_in(agents: Sequence[Agent], text: str) -> Agent | None:
    """The agent whose name ``text`` names (a whole-word, case-insensitive match; the longest name
    wins, so "Weekly report" beats "Report"); None when it names none. A name of only spaces names
    nothing."""
    folded = " ".join(text.lower().split())
    # A name stored empty (before names of spaces were refused) names none.
    found = [
        a
        for a in agents
        if (name := " ".join(a.name.lower().split()))
        and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded)
    ]
    return max(found, key=lambda a: len(a.name), default=None)


def ask_of(comment: Mapping[str, Any], agents: Sequence[Agent]) -> str:
    """The question a comment mentioning the integration asks (its words, spaces made single), or ""
    when it asks for work. An Ask's own words end with a question mark. They name no agent but the
    default: naming one is a request to that agent (decision 0068)."""
    words = " ".join(comment_words(comment).split())
    if not words.endswith("?") or named_in([a for a in agents if not a.is_default], words):
        return ""
    return words


def comment_words(comment: Mapping[str, Any]) -> str:
    """A comment's own words, its mentions left out: "@Notion Agent" names the integration, and must
    not name an agent called "Notion"."""
    items = comment.get("rich_text")
    return "".join(
        str(i.get("plain_text") or (i.get("text") or {}).get("content", ""))
        for i in (items if isinstance(items, list) else [])
        if isinstance(i, dict) and i.get("type") != "mention"
    )


# -- instructions versions --------------------------------------------------------------------------


class Read(NamedTuple):
    """An instructions page as read now: its text and its version."""

    text: str
    version: InstructionsVersion


def version_of(
    text: str, edited_at: datetime | None, editors: Sequence[str], read_at: datetime | None = None
) -> InstructionsVersion:
    clipped = text[:MAX_INSTRUCTIONS]
    digest = hashlib.sha256(clipped.encode()).hexdigest()[:16]
    people = tuple(sorted({plain_notion_id(e) for e in editors if e}))
    return InstructionsVersion(content_hash=digest, edited_at=edited_at, edited_by=people, read_at=read_at)


class Usable(NamedTuple):
    """The instructions a run uses (None: none may be used; ``why`` says so) and whether the version
    read now is the owner's own (to keep as accepted)."""

    version: InstructionsVersion | None
    owners: bool
    why: str = ""


def usable_version(read: Read, accepted: InstructionsVersion | None, owner: str, bot: str) -> Usable:
    """Which version a run uses. Written by the owner (or the agent) alone: the version read, kept as
    accepted. Edited by anyone else: the version read if the owner accepted that very content, else
    the last accepted one, else none (the owner is asked to accept it)."""
    now = read.version.model_copy(update={"text": read.text[:MAX_INSTRUCTIONS]})
    others = set(now.edited_by) - {plain_notion_id(owner), plain_notion_id(bot)} if owner else {"?"}
    if not others:
        return Usable(now, owners=True)
    if accepted is not None and accepted.content_hash == now.content_hash:
        return Usable(now, owners=False)
    if accepted is not None:
        return Usable(accepted, owners=False, why="a newer version by someone else awaits the owner")
    return Usable(
        None,
        owners=False,
        why="the agent's instructions were last edited by someone other than the owner, and no version "
        "of them is accepted yet: the owner accepts them in the console (Agents)",
    )


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _no_days(days: list[str]) -> list[str]:
    if days:
        raise ValueError("days are for a weekly schedule only")
    return days


def _some_days(days: list[str]) -> list[str]:
    if not days:
        raise ValueError("a weekly schedule names its days (days: mon ... sun)")
    return days


def _no_day_of_month(day: object) -> None:
    if day is not None:
        raise ValueError("day_of_month is for a monthly schedule only")


# A schedule as sent: one model per ``every`` (a tagged union), so the contract states which of
# ``days`` and ``day_of_month`` each kind takes. The checks say it in words; the schemas say the same.
Hour = Annotated[int, Field(ge=0, le=23), JSON_INTEGER]
NoDays = Annotated[
    list[Weekday],
    AfterValidator(_no_days),
    Field(json_schema_extra={"maxItems": 0}, description="A weekly schedule's only: [] or left out"),
]
NoDayOfMonth = Annotated[
    None, BeforeValidator(_no_day_of_month), Field(description="A monthly schedule's only: null or left out")
]


class DailySchedule(Record):
    every: Literal["daily"]
    hour: Hour
    days: NoDays = Field(default_factory=list)
    day_of_month: NoDayOfMonth = None


class WeekdaysSchedule(Record):
    every: Literal["weekdays"]
    hour: Hour
    days: NoDays = Field(default_factory=list)
    day_of_month: NoDayOfMonth = None


class WeeklySchedule(Record):
    every: Literal["weekly"]
    hour: Hour
    days: Annotated[
        list[Weekday],
        Field(max_length=7),
        AfterValidator(_some_days),
        Field(json_schema_extra={"minItems": 1}, description="The days it runs on, at least one"),
    ]
    day_of_month: NoDayOfMonth = None


class MonthlySchedule(Record):
    every: Literal["monthly"]
    hour: Hour
    days: NoDays = Field(default_factory=list)
    day_of_month: Annotated[int, Field(ge=1, le=28, description="The day it runs on, 1-28"), JSON_INTEGER]


def _no_mapping(schema: dict[str, Any]) -> None:
    """The contract's oneOf without OpenAPI's ``discriminator``: each kind's ``every`` is a const, which
    says the same, and schemathesis' negative cases cannot be drawn with it (an array it cannot fill)."""
    schema.pop("discriminator", None)


type ScheduleInput = Annotated[
    DailySchedule | WeekdaysSchedule | WeeklySchedule | MonthlySchedule,
    Field(discriminator="every", json_schema_extra=_no_mapping),
]


def schedule_of(sent: DailySchedule | WeekdaysSchedule | WeeklySchedule | MonthlySchedule) -> Schedule:
    """The stored schedule of one as sent."""
    return Schedule.model_validate(sent.model_dump())


class AgentInput(Record):
    """What ``POST /agents`` and ``PATCH /agents/<id>`` take: every field checked and bounded (a
    PATCH sends only what changes; a POST needs ``name``)."""

    name: Name | None = None
    instructions: Annotated[str, Field(max_length=MAX_INSTRUCTIONS)] | None = Field(
        None, description="The first text of a new agent's instructions page (POST only)"
    )
    triggers: Annotated[dict[NotionId, SourceRules], Field(max_length=50), NO_OTHER_KEYS] | None = None
    schedules: Annotated[list[ScheduleInput], Field(max_length=10)] | None = None
    reach: Reach | None = None
    tools: Annotated[list[ToolName], Field(max_length=50)] | None = None
    model_tier: ModelTier | None = None
    # strict: neither true nor "5" (JSON Schema's number and boolean take neither)
    max_cost_per_run_usd: Annotated[float, Field(strict=True, gt=0, le=100)] | None = None
    reports_to: ReportsTo | None = None
    review: Review | None = None
    paused: Annotated[bool, Field(strict=True)] | None = None
    tracker_triggers: Annotated[list[TrackerRule], Field(max_length=MAX_TRACKER_RULES)] | None = None
    calendar_triggers: Annotated[list[CalendarRule], Field(max_length=MAX_CALENDAR_RULES)] | None = None
    slack_channels: SlackChannels | None = Field(
        None, description="Channel ids (C…, G…) whose mentions start it"
    )


# -- a change refused, in a person's words (raw field paths in errors) ------------------

# The builder's fields as its screen names them, by their place in the body.
FIELD_WORDS = {
    "name": "name",
    "instructions": "instructions",
    "triggers": "trigger rules",
    "schedules": "schedules",
    "reach": "reach",
    "reach.read": "reach, what it may read",
    "reach.change": "reach, what it may change",
    "reach.trackers": "reach, the trackers it may write to",
    "tracker_triggers": "tracker trigger rules",
    "calendar_triggers": "meeting trigger rules",
    "slack_channels": "Slack channels",
    "tools": "tools",
    "model_tier": "model tier",
    "max_cost_per_run_usd": "budget per run (USD)",
    "reports_to": "where it reports",
    "review": "reviewer",
    "paused": "paused",
}
_RULE_KINDS = {"page_created", "mentioned", "property_changed", "assigned_to_agent"}
_SCHEDULE_KINDS = {"daily", "weekdays", "weekly", "monthly"}
# pydantic's words for a pattern, as a person reads them.
PLAIN_PROBLEMS = (
    (NOTION_ID, "is not a Notion id: 32 letters and digits, as at the end of its link"),
    (r"^[a-z_]{1,60}$", "is not a tool's name"),
    (
        r"^(linear|gitlab|motion):",
        "is not a tracker: linear:<team id>, gitlab:<project> or motion:<workspace>",
    ),
    (r"^(linear|gitlab):", "is not a tracker's team or project: linear:<team id> or gitlab:<project>"),
    (SLACK_CHANNEL, "is not a Slack channel: its link (the channel's name, then Copy link) ends with its id"),
)


def field_words(field: str) -> str:
    """A field of an agent's body, by its dotted place, as the builder names it: ``reach.read.0`` is
    "reach, what it may read, item 1"; ``triggers.<id>.0.property_changed.to`` "trigger rules of data
    source <id>, rule 1, value"; an unknown field as sent."""
    parts = field.split(".")
    head = ".".join(parts[:2]) if ".".join(parts[:2]) in FIELD_WORDS else parts[0]
    if head not in FIELD_WORDS:
        return field
    words = [FIELD_WORDS[head]]
    rest = parts[len(head.split(".")) :]
    if head == "triggers" and rest:
        words = [f"trigger rules of data source {rest[0]}"]
        rest = rest[1:]
    items = {"triggers": "rule", "schedules": "schedule", "tools": "tool", "slack_channels": "channel"}
    item = items.get(head, "item")
    if head in ("schedules", "tools") and rest and rest[0].isdigit():
        words = []  # "schedule 2", not "schedules, schedule 2"
    for part in rest:
        if part.isdigit():
            words.append(f"{item} {int(part) + 1}")
        elif part not in _RULE_KINDS | _SCHEDULE_KINDS:
            words.append(
                {"to": "value", "day_of_month": "day of the month"}.get(part, part.replace("_", " "))
            )
    return ", ".join(words)


def plain_problem(problem: str) -> str:
    """pydantic's ``problem`` in a person's words where it quotes a pattern; else as it is."""
    if problem.startswith("String should match pattern"):
        for pattern, words in PLAIN_PROBLEMS:
            if pattern in problem:
                return words
    if problem == "Extra inputs are not permitted":
        return "is not something an agent has"
    return problem
