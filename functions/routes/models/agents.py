"""What the agents' routes answer (``functions.routes.agents``)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from shared.agents.domain.agents import Agent, InstructionsVersion
from shared.agents.domain.records import AgentRecord
from shared.agents.domain.templates import TEMPLATES
from shared.platform.domain.schema import Schema
from shared.workspace.domain.triggers import Schedule


class InstructionsView(Schema):
    """The instructions page now, the version a run would use, and whether the owner must accept."""

    agent_id: str
    page_id: str | None
    url: str | None = Field(description="Where the owner edits them in Notion")
    current: InstructionsVersion | None = Field(description="The page's version now, with its text")
    used: InstructionsVersion | None = Field(description="The version a run uses now; null: none")
    needs_acceptance: bool = Field(description="Someone else edited the page: accept its version to use it")


class AgentView(Agent):
    """An agent as stored; ``instructions`` only when one is read on its own."""

    default: bool = Field(description="The workspace's default agent (paused, never deleted)")
    instructions: InstructionsView | None = None
    addresses: list[str] | None = Field(
        None, description="Its connected mail addresses (GET /agents/<id> only): mail to them starts it"
    )


class AgentRecordView(AgentRecord):
    """An agent's record: ``windows`` over the last 7 and 30 days (UTC, today included) of the runs
    that started then and ended, and ``daily``, each of the last 30 days, oldest first. Costs in USD,
    by ``family/purpose`` in ``cost_by``; durations and waits in seconds."""


class AgentList(Schema):
    agents: list[AgentView]


class TemplateView(Schema):
    """An agent to start from (the gallery). ``starts``, ``reach`` and ``tools_words``: what starts it,
    what it may read and change and its tools, in words. ``needs``: what a person chooses when using
    it. ``instructions``: its page's text (``{repository}``: the one chosen). ``rules``: its trigger
    rules on the database chosen. ``for_pages``: the pages it is meant for."""

    template_id: str
    name: str
    needs: list[Literal["database", "repository"]]
    does: str
    rules: list[dict[str, Any]]
    instructions: str
    schedules: list[Schedule]
    starts: str
    model_tier: Literal["fast", "standard", "best"]
    reach: str
    tools: list[str]
    tools_words: str
    for_pages: list[str]


class TemplatePath(Schema):
    template_id: str = Field(
        description="A template of the gallery",
        json_schema_extra={"enum": [t.template_id for t in TEMPLATES]},
    )


class TemplateList(Schema):
    templates: list[TemplateView]


class DeletedAgent(Schema):
    agent_id: str
    deleted: bool


class AcceptedVersion(Schema):
    content_hash: str
    edited_at: datetime | None
    edited_by: list[str]


class Accepted(Schema):
    agent_id: str
    accepted: AcceptedVersion


class RoutineView(Schema):
    """One of an agent's schedules and when it next starts a run."""

    index: int = Field(description="Its place in the agent's schedules, from 0 (POST run-now's routine)")
    schedule: Schedule
    next_run: datetime | None = Field(description="When it next starts a run; null while the agent is paused")


class Routines(Schema):
    """An agent's routines, in its order, their times in the workspace's time zone."""

    agent_id: str
    timezone: str
    paused: bool
    routines: list[RoutineView]


class DryApproval(Schema):
    """The approval a step would wait for, and the least role that gives it."""

    role: str = Field(description="The least role that approves it (the owner chooses who approves what)")
    why: str


class DryStep(Schema):
    """One step of a dry run's plan: what it would do. Nothing was done."""

    step: int
    tool: str
    does: str = Field(description="The step as an approval would show it: the tool and its arguments")
    why: str = Field(description="The model's reason for it")
    effect: str = Field(description="read, notion_write, external, human or code")
    refused: str | None = Field(description="Why it lies beyond the agent's reach (refused when it runs)")
    approval: DryApproval | None


class DryRun(Schema):
    """What the agent would plan for the page now, and the approvals it would need: nothing done."""

    agent_id: str
    page_id: str | None
    page_title: str
    goal: str
    risk: str | None
    steps: list[DryStep]
    approvals: list[DryStep] = Field(description="The steps that would wait for a person")
    problem: str | None = Field(description="Why no plan came (the model's plan failed the checks)")
    cost_usd: float = Field(description="What the dry run's model calls cost (counted in the spend)")
    effects: int = Field(description="What it changed: always 0")


class ToolView(Schema):
    """A tool an agent may be given, as the builder lists it."""

    name: str
    effect: str = Field(description="read, notion_write, external, human or code")
    description: str = Field(description="What it does, its first sentence")


class ToolList(Schema):
    tools: list[ToolView]
    always: list[str] = Field(description="The tools every agent has, whatever its list")


class DailyPlanItem(Schema):
    """One line of a section: a task (its page's link) or a run waiting for a decision (its id)."""

    text: str
    url: str | None = Field(description="The task's page in Notion; null: none")
    run_id: str | None = Field(description="The run waiting for a decision; null: not a run")


class DailyPlanSection(Schema):
    heading: str
    items: list[DailyPlanItem] = Field(description="Empty: the page says Nothing")


class WaitingRun(Schema):
    run_id: str
    title: str


class DailyPlan(Schema):
    """What a day's plan page says, from what was kept when it was written."""

    date: str = Field(description="The day, YYYY-MM-DD")
    today: str = Field(description="Today in the workspace's time zone, YYYY-MM-DD")
    timezone: str
    url: str | None = Field(description="The plan's page in Daily plans; null: not known")
    sections: list[DailyPlanSection]
    waiting: list[WaitingRun] = Field(description="The runs waiting for a decision that the plan lists")


class MeetingStart(Schema):
    """A run a meeting rule would start: the rule, when, and the meeting (its title is untrusted text)."""

    at: datetime = Field(description="When the calendar's tick (every 5 minutes) would start the run")
    meeting_start: datetime
    meeting_end: datetime
    rule: int = Field(description="The rule's place in the list, from 1")
    rule_words: str = Field(description="The rule in words")
    title: str = Field(description="The meeting's title, as its organiser wrote it")
    calendar: str = Field(description="The team member whose connected calendar holds the meeting")
    link: str | None = Field(description="The event in Google Calendar (https); null: none")


class MeetingPreview(Schema):
    """A dry run of meeting rules over the connected calendars' upcoming meetings: nothing started."""

    agent_id: str
    calendars: int = Field(description="The workspace's connected calendars")
    meetings: int = Field(description="The upcoming meetings of team members' calendars looked at")
    days: int = Field(description="How many days ahead it looked")
    starts: list[MeetingStart] = Field(description="The runs the rules would start, soonest first")
    paused: bool = Field(description="The agent is off: it would start these once turned on")
