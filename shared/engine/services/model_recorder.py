"""The model as a step's tools see it (:class:`Recorder`): each call budget-checked before it is made,
on the tier the run's agent chose, and paid for in the run's log (``model_used``, ``review_recorded``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared.agents.domain.agents import model_tier
from shared.engine.services.run_log import Seqs
from shared.engine.services.step_outcomes import OverBudget
from shared.platform.errors import UnusableReply
from shared.runs.domain.events import ModelUsed, ReviewRecorded, RunEvent
from shared.runs.domain.state import RunState
from shared.runs.services import spend
from shared.runs.services.deps import Deps, RunRef
from shared.tools import TOOL_MODULES

if TYPE_CHECKING:
    from pydantic import BaseModel

    from shared.platform.domain.model_calls import CallKind, ModelReply, ModelUsage, Thinking, Tier
    from shared.platform.ports import Model


@dataclass
class Recorder:
    """The model as tools see it: budget-checked before each call, usage kept for the log."""

    deps: Deps
    tenant_id: str
    state: RunState
    usage: list[tuple[str, ModelUsage]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)  # ReviewRecorded's fields, in order
    run: RunRef | None = (
        None  # the run whose budget counter a call reserves on; None in tests of a step alone
    )

    def generate[T: BaseModel](
        self,
        tier: Tier,
        prompt: str,
        schema: type[T],
        *,
        tiered: bool = True,
        kind: CallKind | None = None,
        thinking: Thinking | None = None,
    ) -> ModelReply[T]:
        """One model call to ``tier``'s model (the agent's tier may choose the other one unless not
        ``tiered``), budget-checked first. ``kind``: what it is for, its route and thinking budget (the
        tier's unless said: :func:`_kind`); ``thinking``: a purpose with a budget of its own (decision
        0226). The log records its purpose as the tier asked for's kind
        (``ModelUsed.purpose``: plan or draft, as before decision 0159)."""
        from shared.platform.domain.model_calls import TIER_KIND, calls_of, family_first  # a call's only
        from shared.platform.services.model_routing import call_bound

        own = self.state.cost_usd + self.state.children_cost_usd  # its family's (decision 0128)
        spent = own + sum(u.cost_usd for _, u in self.usage)
        grants, cap = self.state.budget_grants, self.state.run_budget_usd  # cap: its agent's
        called = kind or _kind(tier, self.state)
        chosen = model_tier(self.state.model_tier, tier) if tiered else tier
        purpose = TIER_KIND[tier]
        bound = call_bound(self.deps.settings, called, chosen, prompt, schema, thinking=thinking or "")
        with spend.model_call(
            self.deps, self.tenant_id, spent, grants, cap, run=self.run, bound=bound
        ) as call:
            if call.problem:
                raise OverBudget(call.problem)
            model: Model = self.deps.need_model()
            try:
                with calls_of(called, thinking), family_first(self.state.family):
                    reply = model.generate(chosen, prompt, schema)
            except UnusableReply as exc:  # a useless answer is paid for all the same
                self._paid(purpose, exc.usage, call)
                raise
            self._paid(purpose, reply.usage, call)
            return reply

    def check(self) -> None:
        """OverBudget when the run (its family), the workspace's day or its month is spent: what a
        model call's first stop checks, before a cost only known after (an MCP server's bill)."""
        own = self.state.cost_usd + self.state.children_cost_usd + sum(u.cost_usd for _, u in self.usage)
        cap, grants = self.state.run_budget_usd, self.state.budget_grants
        if problem := spend.budget_problem(self.deps, self.tenant_id, own, grants, cap):
            raise OverBudget(problem)

    def charge(self, what: str, cost_usd: float) -> None:
        """A cost a tool's call billed (``what``: e.g. ``mcp:<server>/<tool>``), on the run's ledger as
        a model call's: a ``model_used`` event (purpose ``tool``, no tokens) and the workspace's sums."""
        from shared.platform.domain.model_calls import ModelUsage

        self.usage.append(("tool", ModelUsage(what[:200], 0, 0, cost_usd)))
        self.deps.spend.note_spent(self.tenant_id, cost_usd)

    def _paid(self, purpose: str, usage: ModelUsage, call: spend.ModelCall) -> None:
        self.usage.append((purpose, usage))
        call.paid(usage.cost_usd)

    def events(self, seqs: Seqs, deps: Deps) -> list[RunEvent]:
        """The calls paid for so far, as ``model_used`` events at the next seqs of ``seqs``, then the
        reviewer's verdicts (``review_recorded``)."""
        events: list[RunEvent] = [
            seqs.event(ModelUsed, at=deps.clock(), purpose=p, **ModelUsed.of(u)) for p, u in self.usage
        ]
        return events + [seqs.event(ReviewRecorded, at=deps.clock(), **r) for r in self.reviews]


def _kind(tier: Tier, state: RunState) -> CallKind:
    """What a call to ``tier``'s model is for: a strong call in a run that opens a pull request or
    deploys is code (its own route, NA_MODEL_ROUTES), any other call its tier's kind (TIER_KIND)."""
    from shared.platform.domain.model_calls import TIER_KIND

    if tier == "strong" and any(TOOL_MODULES.get(s.tool) == "pull_request" for s in state.steps):
        return "code"
    return TIER_KIND[tier]
