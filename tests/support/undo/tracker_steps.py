"""A run's tracker writes and their undo steps, called as the engine calls them, for the tracker undo
tests: ``write`` runs a tool (``update_issue``, ``create_issue``, ``update_task``...) through the
tenant's ``IssueWrites``; ``undo`` takes its recorded inverse back (``take_back``) and answers the
outcome."""

from typing import Any

from shared.sync.services.issue_writes import IssueWrites
from shared.tools import REGISTRY
from shared.tools.base import ToolContext
from shared.undo.domain.inverses import Effect, Inverse
from shared.undo.services.take_back import Taken, Trackers, take_back
from tests.support.platform.platform_fakes import FakeModel


def context(tenant_id: str, writes: IssueWrites, step: int) -> ToolContext:
    """Run ``r1``'s step ``step`` with the tenant's trackers (no Notion, no queue)."""
    return ToolContext(
        tenant_id=tenant_id,
        run_id="r1",
        step=step,
        key=f"r1:{step}:1",
        notion=None,
        model=FakeModel(),
        queue=None,  # type: ignore[arg-type]  # a tracker write never enqueues
        prompt=lambda text: text,
        trackers=writes,
    )


def write(tool: str, tenant_id: str, writes: IssueWrites, step: int, args: dict[str, Any]) -> dict[str, Any]:
    """``tool``'s output for ``args`` at ``step`` (its inverse in ``output["inverse"]``)."""
    found = REGISTRY[tool]
    return dict(found.run(context(tenant_id, writes, step), found.args.model_validate(args)))


def taken(tenant_id: str, writes: Any, out: dict[str, Any], seq: int) -> Taken:
    """What the undo step makes of ``out``'s inverse (``writes``: ``IssueWrites`` or a stand-in)."""
    effect = Effect(id=seq, step=seq, tool="tracker", inverse=Inverse.model_validate(out["inverse"]))
    return take_back(None, effect, Trackers(writes, tenant_id))  # type: ignore[arg-type]  # no Notion


def undo(tenant_id: str, writes: Any, out: dict[str, Any], seq: int) -> str:
    """The outcome of taking ``out``'s inverse back."""
    return taken(tenant_id, writes, out, seq).outcome
