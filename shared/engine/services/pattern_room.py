"""What a debate's or panel's steps may use of their run (``tools.base.Patterns``):
its lineage, the time, a pattern step's output, its children's end markers, and the owner's cancel of
a stuck child. Why: docs/decisions/0120-debate-and-panel-are-staged-children.md."""

from __future__ import annotations

from typing import Any

from shared.platform.errors import Conflict, ModelFixableError, NotFound
from shared.runs.domain.state import RunState
from shared.runs.services import spend
from shared.runs.services.deps import RunRef
from shared.tools.base import Lineage, Patterns

TOOLS = frozenset({"debate", "panel", "settle"})


def room(run: RunRef, state: RunState, lineage: Lineage | None) -> Patterns:
    """The ``Patterns`` of ``run`` at ``state`` (``lineage``: a start's, for ``debate`` and ``panel``)."""
    deps, tenant_id, run_id = run

    def spec(at: int) -> dict[str, Any]:
        found = state.outputs.get(str(at), {})
        if found.get("kind") not in ("debate", "panel") or "members" not in found:
            raise ModelFixableError(f"settle: step {at} is no debate or panel of this run")
        return found

    def ended(at: int) -> dict[str, dict[str, Any]]:
        return {str(m.get("run_id")): m for m in deps.store.ended_children(tenant_id, run_id, at)}

    def cancel(child: str) -> bool | None:
        from shared.engine.services.humans import control  # the owner's cancel, its follow-ups with it

        try:
            control(deps, tenant_id, child, "cancel", f"past the deadline of its parent {run_id}'s stage")
        except NotFound:
            return False
        except Conflict:  # ended meanwhile (its marker is read next) or carrying out a step now
            return None
        return True

    s = deps.settings
    return Patterns(
        lineage=lineage,
        now=deps.clock(),
        spec=spec,
        ended=ended,
        cancel=cancel,
        max_rounds=s.debate_max_rounds,
        deadline_s=s.pattern_stage_deadline_s,
        wait_s=s.fan_in_wait_s,
        budget_left_usd=spend.family_left(deps, tenant_id, state),
    )
