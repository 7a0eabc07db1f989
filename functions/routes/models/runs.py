"""What the runs' routes answer (``functions.routes.runs``, ``run_actions``)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from functions.routes.runs_api.runs import ETAGS, ETAGS_MAX, TriggerKind
from shared.platform.domain.schema import Schema
from shared.runs.domain.code_view import ApprovalChange
from shared.runs.domain.events import Risk, RunEvent, RunStatus
from shared.runs.domain.state import Waiting


class RunStarted(Schema):
    """Its planning is queued: the run appears once planned."""

    run_id: str
    status: Literal["planning"]
    waits: str | None = Field(
        None,
        description="Its page lies beyond the starter's reach: what the run waits for, in words (it "
        "reads the page only once someone who may read it approves; absent otherwise)",
    )


class RunHeaders(Schema):
    if_none_match: str | None = Field(
        None,
        alias="If-None-Match",
        max_length=ETAGS_MAX,
        pattern=ETAGS,
        description="The ETag of an earlier answer: a 304 without a body if the run has not changed",
    )


class RunSummary(Schema):
    """A run as listed (``shared.services.runs``)."""

    run_id: str
    status: RunStatus
    trigger: TriggerKind | None = Field(description="How it started; null for a run before this was kept")
    started: str | None = Field(
        None,
        description="Who or what started it, in words (a person's Run now, a revision's review comment); "
        "null for a run before this was kept",
    )
    goal: str
    title: str = Field(
        description="Its short name: an agent's run \"<agent>: <page title>\", else its goal's first line"
    )
    cursor: int = Field(description="The step it is at, from 1")
    steps: int = Field(description="How many steps its plan has")
    risk: Risk
    prompt_version: str
    cost_usd: float
    children_cost_usd: float = Field(
        0.0,
        description="Its children's model cost (a map's, a debate's, a panel's, each with its own), "
        "counted as they are gathered; its run budget caps this with cost_usd",
    )
    summary: str = Field(description="How it ended; empty until then")
    waiting: Waiting | None = Field(description="The request it waits for (waiting_for_human)")
    agent_id: str | None = Field(description="The agent that ran it; null for a run from before agents")
    agent_name: str | None = Field(description="That agent's name when the run was planned")
    instructions_hash: str | None = Field(
        description="The content hash of the instructions version the run used; null: none"
    )
    instructions_edited_at: datetime | None = Field(description="That version's last edit in Notion")
    parent_run_id: str | None = Field(description="The run that handed this one its work; null: none")
    chain: list[str] = Field(description="A hand-off's agents before it, the first run's first")
    created_at: datetime
    updated_at: datetime
    duration_ms: int | None = Field(description="From its start to its end; null until it has ended")


class RunList(Schema):
    """One page of the current owner's runs, newest first."""

    runs: list[RunSummary]
    next_cursor: str | None = Field(description="Gives the next page as ?cursor=; null on the last page")


class InboxRun(RunSummary):
    """A run waiting for a decision the person asking may make."""

    needs: Literal["editor", "admin", "owner"] = Field(
        description="The least role that approves or answers its request (the owner's approvers choose)"
    )
    change: ApprovalChange | None = Field(
        None, description="The code change its request asks to approve, as RunTimeline's; null: none"
    )


class Inbox(Schema):
    """The approvals inbox: the waiting runs the person asking may decide, newest first."""

    runs: list[InboxRun]
    more: bool = Field(
        description="More runs wait than were read: the Runs screen, filtered by waiting, lists them all"
    )


class SkippedEditView(Schema):
    """An edit of a page of a chosen data source that no trigger rule started a run for."""

    page_id: str
    data_source_id: str
    event_type: str
    rule: str = Field(description="The rule's reason for starting nothing")
    people: list[str] = Field(description="Notion user ids of the people who made the edit")
    at: datetime
    title: str = Field("", description="The page's title as Notion gives it now (empty: it cannot be read)")


class SkippedEdits(Schema):
    """The edits the rules skipped in the last week, newest first (one per page and reason)."""

    edits: list[SkippedEditView]


class Wrote(Schema):
    """Something a run's effect did: a Notion page made or changed, a comment, a pull request, a
    deployment."""

    tool: str
    url: str
    what: str = Field(description="What it did, in words: a comment, the properties it changed, a page made")


class StepError(Schema):
    at: datetime
    error: str
    message: str


class StepRow(Schema):
    """One step the run reached, as its log tells it (``shared.services.run_view``)."""

    step: int = Field(description="Its place in the plan, from 1")
    tool: str
    args: dict[str, Any] = Field(description="Its arguments; a secret-like value shows as [REDACTED]")
    rationale: str
    status: Literal["running", "done", "failed"] = Field(description="failed: its last try failed so far")
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None = Field(description="From its start to its result; null until it has one")
    attempts: int = Field(description="How many times it was tried; 0 for one not begun")
    errors: list[StepError]
    output: dict[str, Any] | None = Field(
        description="What it gave (drafted text, a page's url); null until done"
    )


class PlannedAhead(Schema):
    step: int
    tool: str
    args: dict[str, Any]


class Starter(Schema):
    """A person who started a run: the Notion user, with the name and email the team knows."""

    notion_user_id: str
    name: str = Field(description="Empty when the person is not in the workspace's team")
    email: str


class StartedBy(Schema):
    """Who or what started the run, as its plan records it."""

    trigger: str
    what: str = Field(description="The trigger in words")
    member: bool = Field(description="Started by a member of the workspace, not its owner")
    page_id: str | None = Field(description="The Notion page it started from; null: none")
    page_title: str | None = Field(description="That page's title when the run was planned (untrusted text)")
    people: list[Starter] = Field(description="Who started it: an event's authors, or who asked")
    rule: str | None = Field(description="The trigger rule it met, in words; null: none")
    event_type: str | None = Field(description="The Notion event's type (a webhook's run); null: none")
    slot: str | None = Field(description="A routine's schedule and slot, in words; null: none")
    agent_id: str | None
    agent_name: str | None
    parent_run_id: str | None = Field(description="The run that handed it this work; null: none")
    link: str | None = Field(
        None,
        description="What it was asked by, to open: the Slack message, the mail in Gmail, the event in "
        "Google Calendar (https); null: none",
    )
    source: Literal["slack", "mail", "meeting"] | None = Field(
        None, description="Where it was asked: a Slack message, a mail, a meeting; null: elsewhere"
    )


class RunTimeline(RunSummary):
    """The run, the events of its log in order, what it wrote, its steps, the plan still ahead and
    what started it."""

    events: list[RunEvent]
    wrote: list[Wrote] = Field(description="Links to what its effects made, in order")
    step_rows: list[StepRow] = Field(description="Each step it reached, in plan order")
    remaining: list[PlannedAhead] = Field(description="The plan's steps not yet done; empty once it ended")
    started_by: StartedBy | None = Field(description="Null for a run whose plan is not recorded")
    needs: Literal["editor", "admin", "owner"] | None = Field(
        description="The least role that approves or answers the request it waits for (the owner's "
        "approvers choose); null when it waits for none"
    )
    change: ApprovalChange | None = Field(
        None,
        description="The code change the request it waits for asks to approve: in words, and a push's "
        "files each with its diff, as the code view shows them; null for any other request",
    )


class Kin(Schema):
    """A run related to another: one that handed it its work, or one it started."""

    run_id: str
    status: RunStatus
    goal: str
    title: str = Field(description="Its short name, as RunSummary's")
    agent_name: str | None
    how: Literal["map", "hand_off"] | None = Field(
        description="A child's: started by a parallel map or by a hand-off; null for an ancestor"
    )
    step: int | None = Field(description="A child's: the parent's step that started it")
    summary: str = Field(description="How it ended; empty until then")
    created_at: datetime


class RunRelated(Schema):
    """A run's lineage both ways: its ancestors, nearest first, and its children."""

    run_id: str
    chain: list[str] = Field(description="The agents of the hand-offs before it, the first run's first")
    ancestors: list[Kin] = Field(description="The run that handed it its work, then that run's, up to 10")
    children: list[Kin] = Field(description="The runs it started, oldest first, the first 50")
    children_total: int = Field(description="How many runs it started (counted up to 1,000)")


class RunMoved(Schema):
    """The run's status once the decision or the control is recorded."""

    run_id: str
    status: RunStatus


class BulkResult(Schema):
    run_id: str
    done: bool = Field(description="Whether the action was recorded on this run")
    status: RunStatus | None = Field(description="The run's status after it; null when not done")
    reason: str = Field(description="Why not, in words; empty when done")


class BulkDone(Schema):
    """Each run's outcome, in the order asked (a repeated id once)."""

    action: Literal["cancel", "retry"]
    results: list[BulkResult]


class RollbackAsked(Schema):
    """The run that rolls production back, waiting for the owner's approval of its one effect."""

    run_id: str
    deployment_id: str = Field(description="the production deployment it rolls back from")
    made: bool = Field(description="false: an earlier request made this run already, nothing new was asked")


class GitHubDelivery(Schema):
    """What GitHub's webhook route answers a signed delivery: the runs it woke, or nothing to do."""

    result: Literal["woken", "ignored"]
    detail: str = Field(description="woken: the run ids; ignored: another event, or no run waits on it")


class GitHubWebhook(Schema):
    """What the owner sets at GitHub: where to deliver, the workspace's own secret, and the events."""

    url: str
    secret: str = Field(description="this workspace's alone; changes when the session signing key rotates")
    events: list[str]


class UndoEffect(Schema):
    effect: int = Field(description="The effect's number: the seq of its result in the run's log")
    tool: str
    page_id: str = Field(description="The page it changed (or the parent of a page it created)")
    run_id: str = Field("", description="The run that made it: the run undone, or one of its child runs")


class UndoChildEffect(Schema):
    run_id: str = Field(description="The child run that made it")
    effect: int = Field(description="The seq of its result in that run's log")


class UndoFinal(Schema):
    effect: int
    tool: str
    reason: str = Field(description="Why it cannot be taken back")


class UndoOutcome(Schema):
    """What the undo did of one effect: reverted now, found already back, left as a conflict (a
    person changed it since: ``written`` is what the run wrote, ``current`` what is there now), or
    not yet possible."""

    run_id: str
    effect: int
    tool: str
    target: str
    outcome: Literal["reverted", "already", "conflict", "final", "not_yet"]
    written: dict[str, Any] = Field(default_factory=dict)
    current: dict[str, Any] = Field(default_factory=dict)
    reason: str = ""


class UndoAsked(Schema):
    """The undo run: its effects taken back newest first, each once, none over a person's later change."""

    run_id: str = Field(description="The undo run's id (follow it as any run)")
    undoes: str = Field(description="The run it undoes")
    made: bool = Field(description="false: an earlier request made this undo already, nothing new started")
    effects: list[UndoEffect] = Field(description="What it takes back, in its order")
    beyond_reach: list[int] = Field(
        description="Effects left out: they changed pages beyond the asker's reach"
    )
    cannot: list[UndoFinal] = Field(description="The run's effects nothing can take back, and why")
    children_beyond_reach: list[UndoChildEffect] = Field(
        default_factory=list,
        description="With children: the child runs' effects left out, beyond the asker's reach",
    )
    undone: list[UndoOutcome] = Field(description="What the undo did so far (empty when just made)")


class UndoOffer(Schema):
    """What an undo of the whole run would take back (``POST /runs/{id}/undo``), and what it did once asked. Else ``may`` false and ``reason`` (not the starter, an approver nor the owner; the run not
    ended, or ended beyond the window; nothing to undo)."""

    may: bool
    reason: str = Field(description="Why the caller may not undo it now (empty when they may)")
    undoes: str = Field(description="The run")
    child_runs: int = Field(
        0, description="How many runs it started itself (counted up to 1,000): ?children=true undoes them too"
    )
    run_id: str | None = Field(None, description="The undo run's id (asked or not yet)")
    effects: list[UndoEffect] = Field(default_factory=list, description="What it takes back, in its order")
    beyond_reach: list[int] = Field(
        default_factory=list, description="Effects on pages beyond the caller's reach"
    )
    cannot: list[UndoFinal] = Field(
        default_factory=list, description="Effects nothing can take back, and why"
    )
    children_beyond_reach: list[UndoChildEffect] = Field(
        default_factory=list, description="With children: the child runs' effects beyond the caller's reach"
    )
    status: RunStatus | None = Field(None, description="The undo run's status; null: not asked yet")
    undone: list[UndoOutcome] = Field(default_factory=list, description="What the undo did so far")
