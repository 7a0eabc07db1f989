"""The typed events of a run's append-only log (12-factor agents: a thread is a list of events).

Every event has a dense sequence number ``seq`` (1, 2, 3, ...), and the store creates event documents
by seq. Two writers extending the log from the same point collide on the same id and exactly one
wins: the engine's only concurrency control (docs/engine.md, "Storage and concurrency").
"""

import functools
import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter, model_validator

from shared.platform.domain.schema import Record

if TYPE_CHECKING:  # a step's function loads the model's modules only with the step that needs them
    from shared.platform.domain.model_calls import ModelUsage


class RunStatus(StrEnum):
    RUNNING = "running"
    WAITING_FOR_HUMAN = "waiting_for_human"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    # It ended, having shipped to production a deployment that failed its health check and was rolled
    # back (check_production): its own outcome, never "completed" (decision 0142).
    ROLLED_BACK = "rolled_back"

    @property
    def terminal(self) -> bool:
        return self in {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.ROLLED_BACK}

    @property
    def held(self) -> bool:
        """No step moves the run by itself: it waits for a person, or is paused."""
        return self in {RunStatus.WAITING_FOR_HUMAN, RunStatus.PAUSED}


class Risk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class PlannedStep(Record):
    model_config = ConfigDict(extra="ignore")

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    rationale: str = ""


_Step = Annotated[int, Field(ge=1)]
_StepOrPlanning = Annotated[int, Field(ge=0)]  # 0: planning, not a step


def _absent(value: object) -> bool:
    """A field added after events were first stored, holding its default: left out of the stored
    event, which so keeps the shape it had before the field (``exclude_if``)."""
    return value is None or value is False or value in ((), [], "")


def _zero(value: object) -> bool:
    """A count added after events were first stored, at 0: left out as :func:`_absent` leaves its field."""
    return value == 0


class _Event(Record):
    """An event of the log; a stored one also holds its tenant's and run's ids, which it ignores.
    ``kind`` says which event it is (each kind's default, as the api's contract gives it)."""

    model_config = ConfigDict(extra="ignore")

    kind: str
    seq: _Step
    at: datetime


class Person(Record):
    """Someone who started a run: their Notion user id and, when the team knows them, name and email."""

    model_config = ConfigDict(extra="ignore")

    notion_user_id: str = ""
    name: str = ""
    email: str = ""


class RunPlanned(_Event):
    """The plan: fixed tools and steps. ``tools`` is the allow-list, decided here and never widened."""

    kind: Literal["run_planned"] = "run_planned"
    goal: str
    trigger: str
    steps: list[PlannedStep]
    tools: list[str] = Field(default_factory=list)
    risk: Risk = Risk.LOW
    on_reject: Literal["end", "replan"] = "end"
    prompt_version: str = ""
    page_id: str | None = None
    # Started by a member, not the owner: reads beyond ``sources``, the trigger page and the run's own
    # pages need the owner's approval (shared.engine.agent.approvals). Left out when False, as before it.
    member: bool = Field(False, exclude_if=_absent)
    sources: list[str] = Field(default_factory=list, exclude_if=_absent)
    # The agent that ran it and its instructions' version (content hash, last edit): left out when none.
    agent_id: str = Field("", exclude_if=_absent)
    agent_name: str = Field("", exclude_if=_absent)
    instructions_hash: str = Field("", exclude_if=_absent)
    instructions_edited_at: datetime | None = Field(None, exclude_if=_absent)
    run_budget_usd: float | None = Field(None, exclude_if=_absent)  # the agent's own, if lower
    # The agent's reach (plain ids): what the run may read and change at all (empty: as before agents).
    reach_read: list[str] = Field(default_factory=list, exclude_if=_absent)
    reach_change: list[str] = Field(default_factory=list, exclude_if=_absent)
    reach_trackers: list[str] = Field(default_factory=list, exclude_if=_absent)  # ``tool:target`` each
    # The MCP tools its instructions page names (``server/tool`` each; none: every tool its policy
    # lets it use). The owner's policy still decides each (decision 0171).
    mcp_tools: list[str] = Field(default_factory=list, exclude_if=_absent)
    model_tier: str = Field("", exclude_if=_absent)  # the agent's, when not "standard"
    # The agent's reviewer pass ("same", "other"; empty: none) and the instructions it checks against.
    review: str = Field("", exclude_if=_absent)
    review_against: str = Field("", exclude_if=_absent)
    # A hand-off's lineage: the run that started it, the agents before it, the reaches bounding it.
    parent_run_id: str = Field("", exclude_if=_absent)
    chain: list[str] = Field(default_factory=list, exclude_if=_absent)
    bounds: list[dict[str, list[str]]] = Field(default_factory=list, exclude_if=_absent)
    reports_to: str = Field("", exclude_if=_absent)  # the agent's, when not "runs_row"
    # Who or what started it (the console's StartedBy, GET /runs?q=): the trigger page's title as read,
    # the people, the trigger rule in words, the Notion event's type, a schedule's slot.
    page_title: str = Field("", exclude_if=_absent)
    # Its address as Notion gave it (the page object's ``url``): where links to it go.
    page_url: str = Field("", exclude_if=_absent)
    # The message it was asked in (a Slack permalink, the trigger's ``link``): the run view links back.
    source_link: str = Field("", exclude_if=_absent)
    # Where it was asked: "slack", "mail" or "meeting" (plan_task.source_of); empty for every other.
    source: str = Field("", exclude_if=_absent)
    people: list[Person] = Field(default_factory=list, exclude_if=_absent)
    rule: str = Field("", exclude_if=_absent)
    event_type: str = Field("", exclude_if=_absent)
    slot: str = Field("", exclude_if=_absent)
    family: str = Field("", exclude_if=_absent)  # a debate's participant: the model family asked first
    # Its page lies beyond its starter's reach and is unread: the run waits for someone with that reach
    # to approve it (decision 0147), and leaves no note on the page meanwhile.
    page_beyond: bool = Field(False, exclude_if=_absent)
    # The Slack or mail thread it was asked in (Trigger.thread): its approvals and result are answered there.
    thread: str = Field("", exclude_if=_absent)


class ToolIntent(_Event):
    """About to cause a side effect identified by ``key`` (``<tenant tag>-run:step:call``, or ``run:step:call`` if written before keys named the tenant); held until ``lease_until``."""

    kind: Literal["tool_intent"] = "tool_intent"
    step: _Step
    tool: str
    key: str
    lease_until: datetime
    args: dict[str, Any] = Field(default_factory=dict)
    attempt: Annotated[int, Field(ge=1)] = 1


class ToolResult(_Event):
    """A step's outcome; the cursor moves past ``step`` in the same write."""

    kind: Literal["tool_result"] = "tool_result"
    step: _Step
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    output: dict[str, Any] = Field(default_factory=dict)
    reconciled: bool = False


class ErrorKind(StrEnum):
    TRANSIENT = "transient"
    MODEL_FIXABLE = "model_fixable"
    PERMANENT = "permanent"


class ErrorRecorded(_Event):
    """A compacted error (one line a model or a person can read), tied to the step that hit it.

    ``retry_at``: a transient error with a long Retry-After, whose step was re-enqueued for then; the
    step may not run before it (the sweeper leaves the run alone until then, an earlier delivery puts
    the step back). Absent from errors without one, as from every error logged before the field.
    """

    kind: Literal["error_recorded"] = "error_recorded"
    step: _StepOrPlanning
    error: ErrorKind
    message: Annotated[str, Field(max_length=500)]
    # Left out when there is none: such events are stored, and shown to the model (digest.line),
    # exactly as before the field.
    retry_at: datetime | None = Field(None, exclude_if=_absent)


# The prompts of the limit stops that are budgets: planning's (it stops only for a budget) and
# execute-step's, "The run stopped at step N: " and shared.runs.domain.run_limits.over_budget's reason. The
# other limits (errors in a row, a loop) stop with run_limits.step_verdict's reasons, which never read so.
_BUDGET_PROMPT = re.compile(r"Planning stopped: |The run stopped at step \d+: the (run|workspace) spent \$")


def with_budget(data: Any) -> Any:
    """A limit request's fields, with ``budget`` read from its prompt when they do not say: logs and
    run documents written before the field existed."""
    if isinstance(data, Mapping) and "budget" not in data and data.get("purpose") == "limit":
        return {**data, "budget": _BUDGET_PROMPT.match(str(data.get("prompt", ""))) is not None}
    return data


_Prompt = Annotated[str, Field(max_length=2000)]
OPTION_CHARS = 500  # one answer a verdict's owner may pick (HumanRequested.options)
# A request's text: an effect shown whole (shared.engine.agent.approvals), within a notification's text.
REQUEST_CHARS = 20_000
_Request = Annotated[str, Field(max_length=REQUEST_CHARS)]


class HumanRequested(_Event):
    """The run waits for a person: an approval, a question, or a limit that needs a decision.
    ``budget``: the limit is a budget, and approving it grants the run one more run budget."""

    kind: Literal["human_requested"] = "human_requested"
    request_id: str
    step: _StepOrPlanning
    purpose: Literal["approval", "question", "limit", "verdict"]
    prompt: _Request
    budget: bool = False
    # A debate the owner settles (purpose "verdict", decision 0128): the answers they may pick one of,
    # each "who: answer" clipped; their answer (one of these, or their own words) is the verdict.
    options: tuple[Annotated[str, Field(max_length=OPTION_CHARS)], ...] = Field(
        (), max_length=8, exclude_if=_absent
    )
    # The effects an approval lets happen (shared.runs.domain.approval_digests.effect_digest); only the owner may
    # approve a request that names any (a session or the emailed link, never an API key).
    effects: tuple[str, ...] = Field((), exclude_if=_absent)
    # An effect's request: the step's resolved arguments, which run as they are once approved.
    call: dict[str, Any] | None = Field(None, exclude_if=_absent)
    # A pull request's request: each file's content at the base its diff was taken against (None: a
    # new file), what the console's code view diffs; absent when not read or too large to keep.
    before: dict[str, str | None] | None = Field(None, exclude_if=_absent)
    # The page the request speaks of (the one its run wrote on since it last asked, e.g. the
    # requirements' page), as Notion gave its url: the console links it.
    page_url: Annotated[str, Field(max_length=500)] = Field("", exclude_if=_absent)

    @model_validator(mode="before")
    @classmethod
    def _budget_of_old(cls, data: Any) -> Any:
        return with_budget(data)


class HumanResponded(_Event):
    kind: Literal["human_responded"] = "human_responded"
    request_id: str
    decision: Literal["approve", "reject", "answer"]
    text: _Prompt = ""
    via: Literal["link", "session", "key", "notion", "slack"] = "session"
    # Who decided: their name as the team knows it (else their email), and their member id; absent
    # from decisions recorded before it was kept, and for an API key's.
    by: Annotated[str, Field(max_length=200)] = Field("", exclude_if=_absent)
    by_member: Annotated[str, Field(max_length=200)] = Field("", exclude_if=_absent)


_Count = Annotated[int, Field(ge=0)]


class ModelUsed(_Event):
    """Tokens and cost of one model call (also the append-only ledger of a tenant's spend)."""

    kind: Literal["model_used"] = "model_used"
    purpose: str
    model: str
    input_tokens: _Count
    output_tokens: _Count
    cost_usd: Annotated[float, Field(ge=0)]
    # The routed model family could not answer and the other one did: which model failed,
    # how, and which answered, for a person reading the run's log; empty when there was no switch.
    fallback: str = Field("", max_length=300, exclude_if=_absent)
    # Of input_tokens, those the provider's cache served (billed at a tenth: decision 0172).
    cached_tokens: _Count = Field(0, exclude_if=_zero)
    # Of output_tokens, the model's thinking (decision 0214); left out when 0, as older events are.
    thinking_tokens: _Count = Field(0, exclude_if=_zero)

    @staticmethod
    def of(usage: "ModelUsage") -> dict[str, Any]:
        """The fields a call's ``usage`` gives its ``model_used`` event (all but seq, at and purpose):
        ModelUsage's own, by the same names."""
        return dict(usage._asdict())


class ReviewRecorded(_Event):
    """A reviewer pass on step ``step``'s write or effect, before it was done or asked for: its verdict
    and reasons (a failed one is revised by the model, as an error to fix)."""

    kind: Literal["review_recorded"] = "review_recorded"
    step: int
    tool: str
    passed: bool
    reasons: str
    model: str


class RunReplanned(_Event):
    """A phase planned from what the run read: ``steps`` follow step ``step`` (the ``plan_next`` that
    asked), within the run's allow-list. ``phase``: 2 for the first replan; ``cost_usd`` and
    ``tokens``: what asking the model for it cost (its ``model_used`` events, summed)."""

    kind: Literal["run_replanned"] = "run_replanned"
    step: _Step
    phase: Annotated[int, Field(ge=2)]
    steps: list[PlannedStep]
    cost_usd: Annotated[float, Field(ge=0)] = 0.0
    tokens: _Count = 0


class RunPaused(_Event):
    kind: Literal["run_paused"] = "run_paused"


class RunResumed(_Event):
    kind: Literal["run_resumed"] = "run_resumed"


class RunRetried(_Event):
    """A person retried the failed run from ``step``, the one it failed at: same run, same log. The
    step runs again under the step protocol, so an effect its intent shows done is not repeated."""

    kind: Literal["run_retried"] = "run_retried"
    step: _Step


class RunCancelled(_Event):
    kind: Literal["run_cancelled"] = "run_cancelled"
    reason: str = ""


class RunFinished(_Event):
    kind: Literal["run_finished"] = "run_finished"
    status: RunStatus
    summary: str
    replanned_as: Annotated[str, Field(max_length=200)] | None = (
        None  # rejected, and planned anew as this run
    )


RunEvent = Annotated[
    RunPlanned
    | ToolIntent
    | ToolResult
    | ErrorRecorded
    | HumanRequested
    | HumanResponded
    | ModelUsed
    | ReviewRecorded
    | RunReplanned
    | RunPaused
    | RunResumed
    | RunRetried
    | RunCancelled
    | RunFinished,
    Field(discriminator="kind"),
]


def event_of(data: Mapping[str, Any]) -> RunEvent:
    """A stored or sent event (``kind`` names which) as its model, or a ValidationError; a limit's
    request from before ``budget`` gets it from its prompt (:func:`with_budget`)."""
    return _events().validate_python(data)


@functools.cache
def _events() -> TypeAdapter[RunEvent]:
    """The union's validator, built on first use (as every model's is: shared.platform.domain.schema)."""
    return TypeAdapter(RunEvent)
