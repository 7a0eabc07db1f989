"""Runs as a stateless reducer over an append-only event log (12-factor agents, factor 12).

``state = fold(events)``. The run document in Firestore caches the state the log implies, so a step
reads one document, decides, acts once and appends. :func:`apply` is the single transition function,
used both to update that cache and to replay a log from scratch. It is pure and total over valid
logs, so replaying a finished run's log reproduces its cached final state exactly.
"""

import functools
import json
import re
from datetime import datetime
from functools import reduce
from typing import Any

from pydantic import ConfigDict, Field, model_validator

from shared.platform.domain.schema import Record
from shared.platform.errors import InvalidInput
from shared.runs.domain import approval_digests
from shared.runs.domain import digest as memory
from shared.runs.domain.events import (
    ErrorKind,
    ErrorRecorded,
    HumanRequested,
    HumanResponded,
    ModelUsed,
    Person,
    PlannedStep,
    ReviewRecorded,
    Risk,
    RunCancelled,
    RunEvent,
    RunFinished,
    RunPaused,
    RunPlanned,
    RunReplanned,
    RunResumed,
    RunRetried,
    RunStatus,
    ToolIntent,
    ToolResult,
    with_budget,
)
from shared.workspace.domain.members import Approvers, decision_classes

__all__ = ["PlannedStep", "Run", "RunEvent", "RunState", "RunStatus", "apply", "fold"]

# ``${steps.N.field...}`` (as shared.tools.base.REFERENCE): the step and the path it reads.
_REFERENCE = re.compile(r"\$\{steps\.(\d+)((?:\.[A-Za-z0-9_]+)*)\}")
PAGE_TEXT_CHARS = 2000  # last_page: the latest read page, as the context shows it
PAGE_VALUE_CHARS = 200  # last_page: each property value (its JSON text, when not a short string)
PAGE_PROPERTIES = 30  # last_page: properties kept


class Pending(Record):
    """An intent whose result is not recorded yet; ``released``: its holder gave up (an error)."""

    model_config = ConfigDict(extra="ignore")

    step: int
    tool: str
    args: dict[str, Any]
    key: str
    attempt: int
    lease_until: datetime
    released: bool = False


class Waiting(Record):
    """The request the run waits for (see :class:`HumanRequested`)."""

    model_config = ConfigDict(extra="ignore")

    request_id: str
    purpose: str
    prompt: str
    step: int
    budget: bool = False
    effects: tuple[str, ...] = ()  # what approving it lets happen (HumanRequested.effects)
    call: dict[str, Any] | None = None  # HumanRequested.call
    # HumanRequested.options: a verdict's answers to pick from (absent when none, as stored before)
    options: tuple[str, ...] = Field((), exclude_if=lambda v: not v)
    # HumanRequested.page_url: the page the request speaks of, to open ("" when none)
    page_url: str = Field("", exclude_if=lambda v: not v)

    @model_validator(mode="before")
    @classmethod
    def _budget_of_old(cls, data: Any) -> Any:
        return with_budget(data)


def role_needed(approvers: Approvers, waiting: Waiting) -> str:
    """The least role that approves or answers ``waiting`` under ``approvers`` (the owner's choice); a
    debate's verdict, the owner (its judge)."""
    if waiting.purpose == "verdict":
        return "owner"
    return approvers.needed(
        decision_classes(waiting.purpose, waiting.effects, waiting.budget, approval_digests.PRODUCTION)
    )


def _unset(value: object) -> bool:
    """A field added after run documents were first stored, holding its default (left out)."""
    return value is None or value in ("", ())


class RunState(Record):
    """What a run's log implies; the run document caches exactly this. Fields it no longer has, in a
    document stored before, are ignored."""

    model_config = ConfigDict(extra="ignore")

    goal: str = ""
    trigger: str = ""
    page_id: str | None = None
    status: RunStatus = RunStatus.RUNNING
    steps: tuple[PlannedStep, ...] = ()
    tools: tuple[str, ...] = ()
    risk: Risk = Risk.LOW
    on_reject: str = "end"
    prompt_version: str = ""
    cursor: int = 1
    last_seq: int = 0
    # When its log began (its first event): whose run it is when the workspace changes hands
    # (``Tenant.owns``). None in a document stored before this field, until it is folded afresh.
    started_at: datetime | None = None
    summary: str = ""
    replanned_as: str | None = None
    pending: Pending | None = None
    waiting: Waiting | None = None
    resume_to: RunStatus | None = None
    consecutive_errors: int = 0
    last_error: str = ""
    approved: tuple[str, ...] = ()  # effects the owner approved (shared.runs.domain.approval_digests)
    granted: dict[str, dict[str, Any]] = Field(default_factory=dict)  # step -> the call approved for it
    created_pages: tuple[str, ...] = ()  # pages the run created: its own, like the trigger page
    # The phase of its plan it is in: 1, then one more per RunReplanned. Left out while 1, so a state
    # stored before phases reads back as it was.
    phase: int = Field(1, exclude_if=lambda value: value == 1)
    member: bool = False  # RunPlanned.member: a member's run, whose reads stay within reach
    sources: tuple[str, ...] = ()  # RunPlanned.sources: data sources a member's run may query
    # RunPlanned's agent and instructions version; left out of the document when none (before agents).
    agent_id: str = Field("", exclude_if=_unset)
    agent_name: str = Field("", exclude_if=_unset)
    instructions_hash: str = Field("", exclude_if=_unset)
    instructions_edited_at: datetime | None = Field(None, exclude_if=_unset)
    run_budget_usd: float | None = Field(None, exclude_if=_unset)  # RunPlanned's: its agent's run budget
    reach_read: tuple[str, ...] = Field((), exclude_if=_unset)  # RunPlanned's: its agent's reach
    reach_change: tuple[str, ...] = Field((), exclude_if=_unset)
    reach_trackers: tuple[str, ...] = Field((), exclude_if=_unset)
    mcp_tools: tuple[str, ...] = Field((), exclude_if=_unset)  # RunPlanned's: the instructions' MCP tools
    model_tier: str = Field("", exclude_if=_unset)  # RunPlanned's: which models its calls use
    review: str = Field("", exclude_if=_unset)  # RunPlanned's: its reviewer pass
    review_against: str = Field("", exclude_if=_unset)
    parent_run_id: str = Field("", exclude_if=_unset)  # RunPlanned's lineage (a hand-off's)
    chain: tuple[str, ...] = Field((), exclude_if=_unset)
    bounds: tuple[dict[str, tuple[str, ...]], ...] = Field((), exclude_if=_unset)
    reports_to: str = Field("", exclude_if=_unset)  # RunPlanned's: where it reports (empty: as before)
    # RunPlanned's: the trigger page's title and who started it, which GET /runs?q= finds it by.
    page_title: str = Field("", exclude_if=_unset)
    page_url: str = Field("", exclude_if=_unset)  # RunPlanned's: the trigger page's url as Notion gave it
    people: tuple[Person, ...] = Field((), exclude_if=_unset)
    rule: str = Field("", exclude_if=_unset)  # RunPlanned's: the trigger rule it met, or what asked
    family: str = Field("", exclude_if=_unset)  # RunPlanned's: the model family asked first (a debate's)
    # RunPlanned's: its page unread, beyond its starter's reach (left out when False)
    page_beyond: bool = Field(False, exclude_if=lambda v: not v)
    thread: str = Field("", exclude_if=_unset)  # RunPlanned's: the Slack or mail thread it was asked in
    source: str = Field("", exclude_if=_unset)  # RunPlanned's: "slack", "mail", "meeting" or none
    retry_at: datetime | None = None  # the current step's retry is scheduled for then (ErrorRecorded)
    # The current step's first transient error since it last made progress (a result) or a person let
    # it go on (a decision, a resume): how long it has been failing (shared.runs.domain.run_limits.RETRY_FOR).
    failing_since: datetime | None = None
    repeat_sig: str = ""
    repeat_count: int = 0
    budget_grants: int = 0
    cost_usd: float = 0.0
    # Its children's (a map's, a debate's, a panel's) model cost, each family's whole, added as its
    # fan_in or settle reads their ends (decision 0128): with cost_usd, what its budget caps.
    children_cost_usd: float = Field(0.0, exclude_if=lambda v: not v)
    tokens: int = 0
    outputs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    keep_outputs: tuple[int, ...] = ()
    last_page: dict[str, Any] = Field(default_factory=dict)  # the latest read_page, clipped (context)
    digest: memory.Digest = Field(default_factory=memory.Digest)
    # The last health check of production it made, when it failed and production was rolled back
    # (check_production's project, deployment_id, status, rolled_back_to): the run ends rolled back.
    rolled_back: dict[str, Any] | None = Field(None, exclude_if=_unset)

    def current_step(self) -> PlannedStep:
        return self.steps[self.cursor - 1]

    @property
    def title(self) -> str:
        """The run's name as a person reads it (the list, its heading, its comments and mails): an
        agent's run is "<agent>: <page title>" (else what started it), another its goal's first line;
        at most :data:`TITLE_MAX` characters. The goal itself, for the model, stays whole (before,
        a title was an agent's whole instructions)."""
        return run_title(self.goal, self.agent_id, self.agent_name, self.page_title)


TITLE_MAX = 100
_THIS_RUN = "\n\nThis run: "  # how an agent's goal names what started it (shared.agents.services.agents)


def run_title(goal: str, agent_id: str, agent_name: str, page_title: str) -> str:
    """:attr:`RunState.title` from the run's goal, agent and page."""
    own = goal.rsplit(_THIS_RUN, 1)[-1] if _THIS_RUN in goal else goal
    what = " ".join(page_title.split()) or " ".join((own.strip().splitlines() or [""])[0].split())
    agent = " ".join(agent_name.split()) if agent_id and agent_id != "default" else ""
    title = f"{agent}: {what}" if agent and what else agent or what
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1].rstrip() + "…"


def rolled_back_summary(rolled: dict[str, Any]) -> str:
    """How a run whose production failed its health check ends, in code's words (the model's summary
    is not trusted to say it): what failed, what answered, what production serves again."""
    status = rolled.get("status")
    answered = f"it answered {status}" if status else "it did not answer"
    return (
        f"Rolled back: production of {rolled.get('project', 'the project')} failed its health check on "
        f"{rolled.get('deployment_id', 'the new deployment')} ({answered}) and serves "
        f"{rolled.get('rolled_back_to')} again. The change is merged but not live."
    )


def _planned(e: RunPlanned) -> dict[str, Any]:
    return {
        "goal": e.goal,
        "trigger": e.trigger,
        "page_id": e.page_id,
        "steps": tuple(e.steps),
        "tools": tuple(e.tools),
        "risk": e.risk,
        "on_reject": e.on_reject,
        "prompt_version": e.prompt_version,
        "keep_outputs": memory.referenced_steps(e.steps),
        "member": e.member,
        "sources": tuple(e.sources),
        "agent_id": e.agent_id,
        "agent_name": e.agent_name,
        "instructions_hash": e.instructions_hash,
        "instructions_edited_at": e.instructions_edited_at,
        "run_budget_usd": e.run_budget_usd,
        "reach_read": tuple(e.reach_read),
        "reach_change": tuple(e.reach_change),
        "reach_trackers": tuple(e.reach_trackers),
        "mcp_tools": tuple(e.mcp_tools),
        "model_tier": e.model_tier,
        "review": e.review,
        "review_against": e.review_against,
        "parent_run_id": e.parent_run_id,
        "chain": tuple(e.chain),
        "bounds": tuple({k: tuple(v) for k, v in b.items()} for b in e.bounds),
        "reports_to": e.reports_to,
        "page_title": e.page_title,
        "page_url": e.page_url,
        "people": tuple(e.people),
        "rule": e.rule,
        "family": e.family,
        "page_beyond": e.page_beyond,
        "thread": e.thread,
        "source": e.source,
    }


# Kept whole in the run's outputs: a map's, the requirements read back, and what a code run's next
# phase is planned from (its checks' failing output, a reviewer's comment, bounded there).
# A pull request opened: its number and branch, which a revision by comment finds its run by (0127).
WHOLE_OUTPUTS = frozenset(
    {"map_rows", "read_requirements", "await_checks", "await_review", "debate", "panel", "open_pull_request"}
)


def _result(s: RunState, e: ToolResult) -> dict[str, Any]:
    sig = memory.signature(e.tool, e.args)
    changes: dict[str, Any] = {
        "cursor": e.step + 1,
        "pending": None,
        "consecutive_errors": 0,
        "retry_at": None,
        "failing_since": None,
    }
    changes |= {"repeat_sig": sig, "repeat_count": s.repeat_count + 1 if sig == s.repeat_sig else 1}
    # Kept whole: a map's (its later children start from it) and the requirements read back (the
    # next phase is planned from them, decision 0112).
    if e.step in s.keep_outputs or e.tool in WHOLE_OUTPUTS:
        kept = e.output if e.tool in WHOLE_OUTPUTS else _referenced(s.steps, e.step, e.output)
        changes["outputs"] = s.outputs | {str(e.step): kept}
    if e.tool == "read_page":
        changes["last_page"] = _page(e.output)
    children = e.output.get("children_cost_usd") if e.tool in ("fan_in", "settle") else None
    if isinstance(children, int | float) and children > 0:
        changes["children_cost_usd"] = round(s.children_cost_usd + children, 9)
    changes["approved"] = approval_digests.spent(s.approved, e.tool, e.args)
    if e.tool in approval_digests.UNTRUSTED_READS:
        changes["approved"] = approval_digests.after_read(changes["approved"])
    if e.tool == "check_production":  # the last health check decides how a shipping run ends
        back = e.output.get("rolled_back_to")
        fields = ("project", "deployment_id", "status", "rolled_back_to")
        changes["rolled_back"] = {k: e.output[k] for k in fields if k in e.output} if back else None
    if e.tool == "create_page" and isinstance(e.output.get("page_id"), str):
        changes["created_pages"] = (*s.created_pages, e.output["page_id"])
    return changes


def _referenced(steps: tuple[PlannedStep, ...], step: int, output: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``step``'s output that the plan's arguments refer to (``${steps.N.field}``
    reads a top-level field; ``${steps.N}`` the whole output; a fan-in its map's ``children``): the run document keeps these, not
    the whole output (which its ``tool_result`` event holds). Arguments the model repairs may refer
    only to what the plan did; anything else is a fixable "no field" error."""
    fields: set[str] = set()
    for planned in steps:
        if planned.tool == "fan_in" and planned.args.get("map_step") == step:
            fields.add("children")  # the children a fan-in gathers
        for ref_step, path in _REFERENCE.findall(json.dumps(planned.args, default=str)):
            if int(ref_step) != step:
                continue
            if not path:
                return output
            fields.add(path.split(".")[1])
    return {k: v for k, v in output.items() if k in fields}


def _page(output: dict[str, Any]) -> dict[str, Any]:
    """The latest read page as the context shows it, clipped: its title, properties and text."""
    props = output.get("properties")
    items = list(props.items())[:PAGE_PROPERTIES] if isinstance(props, dict) else []
    return {
        "page_id": output.get("page_id"),
        "title": str(output.get("title", ""))[:PAGE_VALUE_CHARS],
        "properties": {str(k)[:PAGE_VALUE_CHARS]: _short(v) for k, v in items},
        "text": str(output.get("text", ""))[:PAGE_TEXT_CHARS],
    }


def _short(value: Any) -> Any:
    if isinstance(value, str):
        return value[:PAGE_VALUE_CHARS]
    if isinstance(value, int | float | bool) or value is None:
        return value
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return value if len(text) <= PAGE_VALUE_CHARS else text[:PAGE_VALUE_CHARS]


def _error(s: RunState, e: ErrorRecorded) -> dict[str, Any]:
    changes: dict[str, Any] = {"last_error": e.message, "retry_at": e.retry_at}
    if s.pending is not None:
        changes["pending"] = s.pending.model_copy(update={"released": True})
    if e.error == ErrorKind.MODEL_FIXABLE and e.step > 0:  # step 0: planning, not a step
        changes["consecutive_errors"] = s.consecutive_errors + 1
        # the approved call was refused: its repair is another call, asked for again
        changes["granted"] = {k: v for k, v in s.granted.items() if k != str(e.step)}
    if e.error == ErrorKind.TRANSIENT and e.step > 0 and s.failing_since is None:
        changes["failing_since"] = e.at
    return changes


def _responded(s: RunState, e: HumanResponded) -> dict[str, Any]:
    changes: dict[str, Any] = {"waiting": None, "consecutive_errors": 0, "repeat_count": 0}
    changes["failing_since"] = None  # the person let the step go on: it gets a fresh RETRY_FOR
    if e.decision != "reject":
        changes["status"] = RunStatus.RUNNING
    if s.waiting is not None and s.waiting.budget and e.decision == "approve":  # not errors or a loop
        changes["budget_grants"] = s.budget_grants + 1
    if s.waiting is not None and e.decision == "approve" and s.waiting.effects:
        changes["approved"] = (*s.approved, *s.waiting.effects)
        if s.waiting.call is not None:
            changes["granted"] = s.granted | {str(s.waiting.step): s.waiting.call}
    if s.waiting is not None and e.decision == "answer" and s.waiting.purpose == "verdict":
        step = str(s.waiting.step)  # the settle step's result, settled: by whom, when (decision 0128)
        settled = {"verdict": e.text, "settled_by": e.by or "owner", "settled_at": e.at.isoformat()}
        changes["outputs"] = s.outputs | {step: s.outputs.get(step, {}) | settled}
    elif s.waiting is not None and e.decision == "answer":
        changes["outputs"] = s.outputs | {str(s.waiting.step): {"answer": e.text}}
    return changes


def _held[M: (Pending, Waiting)](model: type[M], event: ToolIntent | HumanRequested) -> M:
    """What the state holds of ``event``: its fields ``model`` names, not validated again (the event
    was); the others at their defaults."""
    return model.model_construct(**{n: getattr(event, n) for n in _shared_fields(model, type(event))})


@functools.cache
def _shared_fields(model: type[Record], event: type[Record]) -> tuple[str, ...]:
    return tuple(n for n in model.model_fields if n in event.model_fields)


def _changes(s: RunState, event: RunEvent) -> dict[str, Any]:  # noqa: PLR0911, PLR0912 (a case per kind)
    match event:
        case RunPlanned():
            return _planned(event)
        case ToolIntent():
            return {"pending": _held(Pending, event)}
        case ToolResult():
            return _result(s, event)
        case ErrorRecorded():
            return _error(s, event)
        case HumanRequested():
            return {"status": RunStatus.WAITING_FOR_HUMAN, "waiting": _held(Waiting, event)}
        case HumanResponded():
            return _responded(s, event)
        case ReviewRecorded():
            return {}
        case ModelUsed():
            tokens = s.tokens + event.input_tokens + event.output_tokens
            return {"cost_usd": round(s.cost_usd + event.cost_usd, 9), "tokens": tokens}
        case RunReplanned():
            steps = (*s.steps, *event.steps)
            return {"steps": steps, "phase": event.phase, "keep_outputs": memory.referenced_steps(steps)}
        case RunPaused():
            return {"status": RunStatus.PAUSED, "resume_to": s.status}
        case RunResumed():  # a person let the run go on: its step gets a fresh RETRY_FOR, as on a decision
            return {"status": s.resume_to or RunStatus.RUNNING, "resume_to": None, "failing_since": None}
        case RunRetried():  # the failed step gets a fresh start: errors, waits and repeats forgotten
            fresh = {"consecutive_errors": 0, "retry_at": None, "failing_since": None, "repeat_count": 0}
            return fresh | {"status": RunStatus.RUNNING, "summary": "", "cursor": event.step}
        case RunCancelled():
            return {"status": RunStatus.CANCELLED, "summary": event.reason, "waiting": None}
        case RunFinished():
            return {
                "status": event.status,
                "summary": event.summary,
                "waiting": None,
                "replanned_as": event.replanned_as,
            }
    raise InvalidInput(f"unknown event {event!r}")  # pragma: no cover - the union is closed


def apply(state: RunState, event: RunEvent) -> RunState:
    """One transition. Events must arrive in sequence: a gap or repeat is a corrupt log. Made from a
    checked state and event, the new state is not validated again (``model_copy``, and
    ``model_construct`` for what it holds)."""
    if event.seq != state.last_seq + 1:
        raise InvalidInput(f"event {event.seq} does not follow {state.last_seq}")
    changes = _changes(state, event) | {"last_seq": event.seq}
    if event.seq == 1:
        changes["started_at"] = event.at
    changes["digest"] = memory.roll(state.digest, event)
    return state.model_copy(update=changes)


def fold(events: list[RunEvent], start: RunState | None = None) -> RunState:
    return reduce(apply, events, start or RunState())


class Run(Record):
    """A run as stored: identity, timestamps and the cached state."""

    tenant_id: str
    run_id: str
    state: RunState
    created_at: datetime
    updated_at: datetime

    @property
    def idle_since(self) -> datetime:
        """Since when nothing has been due to happen: its last write, or the retry it scheduled for
        later (a long Retry-After), if that is later. The sweeper measures a stall from here."""
        retry_at = self.state.retry_at
        return max(self.updated_at, retry_at) if retry_at is not None else self.updated_at
