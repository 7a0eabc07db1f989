"""What a tool is: typed arguments, a side-effect class, the effect itself and, for writes, how to
find the effect after a crash (reconciliation by the call's idempotency key)."""

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import ConfigDict

from shared.domain.schema import Schema
from shared.ports import Model, Notion, TaskQueue

if TYPE_CHECKING:
    from shared.services.code_access import CodeAccess


class SideEffect(StrEnum):
    READ = "read"  # no effect outside the run (reads, drafting with the model, finish)
    NOTION_WRITE = "notion_write"  # changes the workspace: intent first, reconciled by key
    EXTERNAL = "external"  # leaves the system (notifications): intent first, idempotent by key
    HUMAN = "human"  # the run waits for a person
    CODE = "code"  # GitHub/Vercel, in the deploy function: intent first, reconciled by key


class Args(Schema):
    """Base of every tool's arguments: unknown fields are errors the model must fix."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolContext(NamedTuple):
    """What a tool may use. ``token`` is the tenant's Notion token, fetched only when called."""

    tenant_id: str
    run_id: str
    step: int
    key: str
    notion: Notion
    token: Callable[[], str]
    model: Model
    queue: TaskQueue
    prompt: Callable[[str], str]  # instructions → the full, bounded prompt for a model call
    page_id: str | None = None  # the run's trigger page, if any (where notifications go)
    code: "CodeAccess | None" = None  # GitHub and Vercel: only in the deploy function
    approved: bool = False  # an earlier step of the run asked a person, who approved (the run went on)


Output = dict[str, Any]


class Tool(NamedTuple):
    name: str
    effect: SideEffect
    args: type[Args]
    description: str
    run: Callable[[ToolContext, Any], Output]
    find: Callable[[ToolContext, Any], Output | None] | None = None
    uses_model: bool = False

    @property
    def needs_intent(self) -> bool:
        return self.effect in (SideEffect.NOTION_WRITE, SideEffect.EXTERNAL, SideEffect.CODE)


def idempotency_key(run_id: str, step: int, call: int = 1) -> str:
    return f"{run_id}:{step}:{call}"
