"""The typed events of a run's append-only log (12-factor agents: a thread is a list of events).

Every event has a dense sequence number ``seq`` (1, 2, 3, ...), and the store creates event documents
by seq. Two writers extending the log from the same point collide on the same id and exactly one
wins: the engine's only concurrency control (docs/engine.md, "Storage and concurrency").
"""

import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self, cast

import msgspec
from msgspec import Meta

from shared.domain.structs import Struct, convert


class RunStatus(StrEnum):
    RUNNING = "running"
    WAITING_FOR_HUMAN = "waiting_for_human"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED}

    @property
    def held(self) -> bool:
        """No step moves the run by itself: it waits for a person, or is paused."""
        return self in {RunStatus.WAITING_FOR_HUMAN, RunStatus.PAUSED}


class Risk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class PlannedStep(Struct, forbid_unknown_fields=False):
    tool: str
    args: dict[str, Any] = msgspec.field(default_factory=dict)
    rationale: str = ""


_Step = Annotated[int, Meta(ge=1)]
_StepOrPlanning = Annotated[int, Meta(ge=0)]  # 0: planning, not a step


class _Event(Struct, tag_field="kind", forbid_unknown_fields=False):
    """An event of the log; a stored one also holds its tenant's and run's ids, which it ignores."""

    seq: _Step
    at: datetime

    _tag_has_default = True  # the api's contract gives each kind as a default

    @property
    def kind(self) -> str:
        """The event's kind, as stored and sent: its tag."""
        return str(self.__struct_config__.tag)


class RunPlanned(_Event, tag="run_planned"):
    """The plan: fixed tools and steps. ``tools`` is the allow-list, decided here and never widened."""

    goal: str
    trigger: str
    steps: list[PlannedStep]
    tools: list[str] = msgspec.field(default_factory=list)
    risk: Risk = Risk.LOW
    on_reject: Literal["end", "replan"] = "end"
    prompt_version: str = ""
    page_id: str | None = None
    # Started by a member, not the owner: reads beyond ``sources``, the trigger page and the run's own
    # pages need the owner's approval (shared.agent.authority). Left out when False, as before it.
    member: bool = False
    sources: list[str] = msgspec.field(default_factory=list)

    _omit_defaults = frozenset({"member", "sources"})


class ToolIntent(_Event, tag="tool_intent"):
    """About to cause a side effect identified by ``key`` (``<tenant tag>-run:step:call``, or ``run:step:call`` if written before keys named the tenant); held until ``lease_until``."""

    step: _Step
    tool: str
    key: str
    lease_until: datetime
    args: dict[str, Any] = msgspec.field(default_factory=dict)
    attempt: Annotated[int, Meta(ge=1)] = 1


class ToolResult(_Event, tag="tool_result"):
    """A step's outcome; the cursor moves past ``step`` in the same write."""

    step: _Step
    tool: str
    args: dict[str, Any] = msgspec.field(default_factory=dict)
    output: dict[str, Any] = msgspec.field(default_factory=dict)
    reconciled: bool = False


class ErrorKind(StrEnum):
    TRANSIENT = "transient"
    MODEL_FIXABLE = "model_fixable"
    PERMANENT = "permanent"


class ErrorRecorded(_Event, tag="error_recorded"):
    """A compacted error (one line a model or a person can read), tied to the step that hit it.

    ``retry_at``: a transient error with a long Retry-After, whose step was re-enqueued for then; the
    step may not run before it (the sweeper leaves the run alone until then, an earlier delivery puts
    the step back). Absent from errors without one, as from every error logged before the field.
    """

    step: _StepOrPlanning
    error: ErrorKind
    message: Annotated[str, Meta(max_length=500)]
    # Left out when there is none: such events are stored, and shown to the model (digest.line),
    # exactly as before the field.
    retry_at: datetime | None = None

    _omit_defaults = frozenset({"retry_at"})


# The prompts of the limit stops that are budgets: planning's (it stops only for a budget) and
# execute-step's, "The run stopped at step N: " and shared.domain.run_limits.over_budget's reason. The
# other limits (errors in a row, a loop) stop with run_limits.step_verdict's reasons, which never read so.
_BUDGET_PROMPT = re.compile(r"Planning stopped: |The run stopped at step \d+: the (run|workspace) spent \$")


def with_budget(data: Any) -> Any:
    """A limit request's fields, with ``budget`` read from its prompt when they do not say: logs and
    run documents written before the field existed."""
    if isinstance(data, Mapping) and "budget" not in data and data.get("purpose") == "limit":
        return {**data, "budget": _BUDGET_PROMPT.match(str(data.get("prompt", ""))) is not None}
    return data


_Prompt = Annotated[str, Meta(max_length=2000)]
# A request's text: an effect shown whole (shared.agent.authority), within a notification's text.
REQUEST_CHARS = 20_000
_Request = Annotated[str, Meta(max_length=REQUEST_CHARS)]


class HumanRequested(_Event, tag="human_requested"):
    """The run waits for a person: an approval, a question, or a limit that needs a decision.
    ``budget``: the limit is a budget, and approving it grants the run one more run budget."""

    request_id: str
    step: _StepOrPlanning
    purpose: Literal["approval", "question", "limit"]
    prompt: _Request
    budget: bool = False
    # The effects an approval lets happen (shared.domain.authority.effect_digest); only the owner may
    # approve a request that names any (a session or the emailed link, never an API key).
    effects: tuple[str, ...] = ()
    # An effect's request: the step's resolved arguments, which run as they are once approved.
    call: dict[str, Any] | None = None

    _omit_defaults = frozenset({"effects", "call"})

    @classmethod
    def model_validate(cls, data: Any) -> Self:
        return super().model_validate(with_budget(data))


class HumanResponded(_Event, tag="human_responded"):
    request_id: str
    decision: Literal["approve", "reject", "answer"]
    text: _Prompt = ""
    via: Literal["link", "session", "key", "notion"] = "session"


_Count = Annotated[int, Meta(ge=0)]


class ModelUsed(_Event, tag="model_used"):
    """Tokens and cost of one model call (also the append-only ledger of a tenant's spend)."""

    purpose: str
    model: str
    input_tokens: _Count
    output_tokens: _Count
    cost_usd: Annotated[float, Meta(ge=0)]


class RunPaused(_Event, tag="run_paused"):
    pass


class RunResumed(_Event, tag="run_resumed"):
    pass


class RunCancelled(_Event, tag="run_cancelled"):
    reason: str = ""


class RunFinished(_Event, tag="run_finished"):
    status: RunStatus
    summary: str
    replanned_as: Annotated[str, Meta(max_length=200)] | None = None  # rejected, and planned anew as this run


RunEvent = (
    RunPlanned
    | ToolIntent
    | ToolResult
    | ErrorRecorded
    | HumanRequested
    | HumanResponded
    | ModelUsed
    | RunPaused
    | RunResumed
    | RunCancelled
    | RunFinished
)  # tagged by ``kind``


def event_of(data: Mapping[str, Any]) -> RunEvent:
    """A stored or sent event (``kind`` names which) as its struct, or :data:`Invalid`; a limit's
    request from before ``budget`` gets it from its prompt (:func:`with_budget`)."""
    if data.get("kind") == "human_requested":
        data = with_budget(data)
    return cast(RunEvent, convert(data, RunEvent))
