"""What a tool is: typed arguments, a side-effect class, the effect itself and, for writes, how to
find the effect after a crash (reconciliation by the call's idempotency key)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import BaseModel, ValidationError

from shared.notify.domain.provenance import marker_url
from shared.platform.domain.schema import Record
from shared.platform.domain.schema import problems as problems_of
from shared.platform.errors import ModelFixableError
from shared.runs.domain.page_links import NOTION_WEB
from shared.workspace.domain.tenants import tenant_tag

if TYPE_CHECKING:
    from shared.code.ports import CodeAccess
    from shared.mcp.services.calls import McpCalls
    from shared.notion.ports import TenantNotion
    from shared.platform.ports import Model, TaskQueue
    from shared.sync.services.issue_writes import IssueWrites


class SideEffect(StrEnum):
    READ = "read"  # no effect outside the run (reads, drafting with the model, finish)
    NOTION_WRITE = "notion_write"  # changes the workspace: intent first, reconciled by key
    EXTERNAL = "external"  # leaves the system (notifications): intent first, idempotent by key
    HUMAN = "human"  # the run waits for a person
    CODE = "code"  # GitHub/Vercel, in the deploy function: intent first, reconciled by key


class Args(Record):
    """Base of every tool's arguments: unknown fields are errors the model must fix."""


# ``${steps.N.field}``: an earlier step's output, put in a plan's arguments when the step runs.
REFERENCE = re.compile(r"\$\{steps\.(\d+)((?:\.[A-Za-z0-9_]+)*)\}")


def checked(value: str, check: Callable[[str], str]) -> str:
    """``check(value)`` (a domain check: a ValueError says what is wrong) for an argument that may
    still hold references, as a plan's arguments do. A value that is one reference is checked once
    resolved (the arguments are checked again then, before the step's intent); around inline
    references the text is checked now, each reference standing for a plain name."""
    if not REFERENCE.search(value):
        return check(value)
    if REFERENCE.fullmatch(value):
        return value
    probe = REFERENCE.sub("x", value)
    try:
        check(probe)
    except ValueError as exc:
        raise ValueError(str(exc).replace(repr(probe), repr(value))) from None
    return value


def problems(exc: ValidationError) -> str:
    """A validation error as one short line for the model: where, and what is wrong, every problem."""
    parts = [f"{'args' if field == '(body)' else field}: {words}" for field, words in problems_of(exc)]
    return "; ".join(parts)[:400]


def build[M: BaseModel](tool: str, model: type[M], fields: Mapping[str, Any]) -> M:
    """``model`` made from a call's arguments, or a ModelFixableError saying what to fix. Tools make
    their domain models with it before they ask anything of the outside, so arguments the model can
    fix are never an unexpected error (which would leave the step's intent held, retried for ever)."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise ModelFixableError(f"bad arguments for {tool}: {problems(exc)}") from exc


class Children(NamedTuple):
    """A map step's children as ``fan_in`` sees them: their ids, how many ended (counted), the read of
    their ends' markers (once, when all have ended), and the wait before looking again."""

    made: list[str]
    ended: int
    read: Callable[[], list[dict[str, Any]]]
    wait_s: float


class Phase(NamedTuple):
    """What ``plan_next`` needs of its run: its phases, and the engine's planner of the next one."""

    number: int  # the phase ending now (1: the first plan's)
    bound: int  # phases a run may plan after its first (run_limits.replan_bound)
    # The reason → the next phase's steps, asked of the model with what the run read and checked
    # against its allow-list and steps left (shared.engine.services.step_state.next_phase).
    plan: Callable[[str], list[dict[str, Any]]]


class Lineage(NamedTuple):
    """What ``hand_off`` needs of its run: the agents of its chain (root first, its own last), the
    reaches bounding a child (its own first, as ``Bound`` fields), whether a member started it, and
    the bound on a chain's length (settings.handoff_max_depth)."""

    chain: tuple[str, ...]
    bounds: tuple[dict[str, list[str]], ...]
    member: bool
    max_depth: int


class Patterns(NamedTuple):
    """What ``debate``, ``panel`` and ``settle`` need of their run. That is its
    lineage (a start's), the time, a pattern step's output, and its ended children's markers by run
    id. Then how to cancel a stuck child (True: cancelled or ended; False: never made; None: busy
    now), and the bounds."""

    lineage: Lineage | None
    now: datetime
    spec: Callable[[int], dict[str, Any]]
    ended: Callable[[int], dict[str, dict[str, Any]]]
    cancel: Callable[[str], bool | None]
    max_rounds: int
    deadline_s: float
    wait_s: float
    budget_left_usd: float | None  # the family's budget left (spend.family_left), None: no cap


class ToolContext(NamedTuple):
    """What a tool may use. ``notion`` is the tenant's Notion for a tool that declares it
    (``Tool.uses_notion``), None for any other."""

    tenant_id: str
    run_id: str
    step: int
    key: str
    notion: TenantNotion | None
    model: Model
    queue: TaskQueue
    prompt: Callable[[str], str]  # instructions → the full, bounded prompt for a model call
    page_id: str | None = None  # the run's trigger page, if any (where notifications go)
    page_url: str = ""  # its url as Notion gave it when the run was planned ("" before that was kept)
    code: CodeAccess | None = None  # GitHub and Vercel: only in the deploy function
    approved: bool = False  # an earlier step of the run asked a person, who approved (the run went on)
    started_at: datetime | None = None  # when the run began: whose it is (NotifyTask.run_started_at)
    phase: Phase | None = None  # plan_next's only: the run's phases and what it read
    # The workspace index within the run's reach: (query, limit) → passages with page, heading and
    # url. Given to a tool that declares ``Tool.uses_search``, None for any other.
    search: Callable[[str, int], list[dict[str, Any]]] | None = None
    lineage: Lineage | None = None  # hand_off's and map_rows': its chain and the reaches bounding a child
    # fan_in's only: a map step's children, how many ended, and how to read their ends (``Children``).
    children: Callable[[int], Children] | None = None
    map_window: int | None = None  # map_rows' only: its children running at once (fan_out_max_running)
    # The owner's GitHub repositories (settings: github_repositories), for a tool that declares
    # ``Tool.uses_repositories`` (a Notion step, on execute-step, has no code access to ask).
    repositories: tuple[str, ...] | None = None
    # The tenant's connected trackers (Linear, GitLab), for a tool that declares ``Tool.uses_trackers``.
    trackers: IssueWrites | None = None
    patterns: Patterns | None = None  # debate's, panel's and settle's only (``Patterns``)
    # map_rows' only: what its children may spend together (spend.family_left), shared out among them.
    budget_left_usd: float | None = None
    console: str = ""  # the console's URL (settings: frontend_url), where a signature's link goes
    notion_web: str = NOTION_WEB  # where a page opens by its id (settings: notion_web_base_url)
    mcp: McpCalls | None = None  # the run's agent's MCP tools, for a tool that declares ``Tool.uses_mcp``
    # ``(what, usd)`` → a cost a call billed on the run's ledger, as a model call's (``Tool.uses_mcp``).
    charge: Callable[[str, float], None] | None = None

    def signature(self) -> str:
        """The link of this call's signature: the run's page in the console, holding the call's key
        (decision 0124)."""
        return marker_url(self.console, self.key, self.run_id)

    def need_notion(self) -> TenantNotion:
        """The tenant's Notion; a RuntimeError for a tool that did not declare ``uses_notion``."""
        if self.notion is None:
            raise RuntimeError("this tool has no Notion access: it does not declare uses_notion")
        return self.notion


Output = dict[str, Any]


class Tool(NamedTuple):
    name: str
    effect: SideEffect
    args: type[Args]
    description: str
    run: Callable[[ToolContext, Any], Output]
    uses_notion: bool  # the engine gives ``ToolContext.notion`` to these tools only
    find: Callable[[ToolContext, Any], Output | None] | None = None
    uses_model: bool = False
    # The argument fields naming where the effect lands (a page, a repository, production or not): what
    # the risk floor reads and an approval lists, so a repair of the arguments may not change them.
    targets: tuple[str, ...] = ()
    uses_search: bool = False  # the engine gives ``ToolContext.search`` to these tools only
    # Read before the owner is asked for a gated effect: what code checked, written into the
    # request after the effect (a merge: its preview READY at its URL). It may raise: a TransientError
    # retries later (the owner is asked only once it holds), another error fails or repairs the step.
    before_asking: Callable[[ToolContext, Any], str] | None = None
    # Read when a gated effect was not approved: code's reason to do it without asking, because the
    # owner's policy allows it (an auto-merge), else None and the owner is asked.
    unasked: Callable[[ToolContext, Any], str | None] | None = None
    uses_repositories: bool = False  # the engine gives ``ToolContext.repositories`` to these tools only
    uses_trackers: bool = False  # the engine gives ``ToolContext.trackers`` to these tools only
    uses_mcp: bool = False  # the engine gives ``ToolContext.mcp`` to these tools only

    @property
    def needs_intent(self) -> bool:
        return self.effect in (SideEffect.NOTION_WRITE, SideEffect.EXTERNAL, SideEffect.CODE)


def idempotency_key(tenant_id: str, run_id: str, step: int, call: int = 1) -> str:
    """The key of one effect, which finds it again (a pull request's branch, a deployment's metadata,
    a marker): unique across tenants (``tenant_tag``), since a run id is unique only within one. An
    intent keeps the key it was written with, and a retry uses that one (shared.engine.services.stepping)."""
    return f"{tenant_tag(tenant_id)}-{run_id}:{step}:{call}"
