"""``undo_effect``: one step of an undo run, taking one effect of an earlier run back
through ``shared.undo.services.take_back``. It compares with what the run wrote, then applies its inverse once; a person's later change is left and returned as a conflict with both values.

Only code plans it (``shared.engine.planning.undo``, from the recorded inverse of the run being
undone): it refuses to act in any run whose id is not an undo run's, so a model's plan naming it does
nothing. As a Notion write it goes through the engine's intent, approvals and reach like any other.
"""

from typing import Annotated, Any

from pydantic import Field

from shared.platform.errors import ModelFixableError
from shared.tools.base import Args, Output, ToolContext
from shared.tools.notion_write import notion_write
from shared.undo.domain.asking import UNDO_PREFIX
from shared.undo.domain.inverses import Effect, Inverse
from shared.undo.services.take_back import Trackers, inverse_of, take_back

_Id = Annotated[str, Field(min_length=1, max_length=200)]


class UndoEffectArgs(Args):
    run_id: _Id
    effect: Annotated[int, Field(ge=1)]
    tool: Annotated[str, Field(min_length=1, max_length=100)]
    page_id: _Id
    inverse: dict[str, Any]


def undo_effect(ctx: ToolContext, args: UndoEffectArgs) -> Output:
    """Take effect ``effect`` of run ``run_id`` back: the ``Taken`` outcome as the step's output."""
    if not ctx.run_id.startswith(UNDO_PREFIX):
        raise ModelFixableError(
            "undo_effect runs only in an undo run, which a person asks for: do not plan it"
        )
    inverse = Inverse.model_validate(args.inverse)
    effect = Effect(id=args.effect, step=0, tool=args.tool, inverse=inverse)
    trackers = Trackers(ctx.trackers, ctx.tenant_id) if ctx.trackers is not None else None
    taken = take_back(ctx.need_notion(), effect, trackers)
    return {"run_id": args.run_id} | taken.model_dump() | {"inverse": inverse_of(taken, inverse)}


def find_undone(ctx: ToolContext, args: UndoEffectArgs) -> Output | None:
    """Never found by key: after a crash the step runs again, and ``take_back`` compares first, so
    an inverse applied already is found so (``already``) and never applied twice."""
    return None


# A Notion write that may also set a tracker issue back (``uses_trackers``: ``ToolContext.trackers``).
TOOLS = [
    notion_write(
        "undo_effect",
        UndoEffectArgs,
        "Only in an undo run, planned by code when a person asks: never plan it.",
        undo_effect,
        find=find_undone,
        targets=("page_id",),
    )._replace(uses_trackers=True),
]
