"""A dry run: what an agent would plan for a page, through the planning path a real
run takes (its prompt, model port, budgets and plan checks), with no effect. Notion, the queue and the
run store are handed over read-only (spend counters aside), so no model answer can write, start or queue.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, NoReturn
from uuid import uuid4

from shared.engine.agent import approvals
from shared.engine.planning.context import beyond_starter, starter_reaches
from shared.engine.planning.model import Attempts, plan_events
from shared.engine.planning.request import Planning
from shared.engine.services.run_log import Seqs
from shared.platform.domain.model_calls import ModelUsage
from shared.platform.errors import Conflict, Forbidden, InvalidInput, PermanentError
from shared.runs.domain.approval_digests import PRODUCTION
from shared.runs.domain.events import HumanRequested, ModelUsed, RunEvent, RunFinished, RunPlanned
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunState, fold
from shared.tools import REGISTRY, SideEffect
from shared.workspace.domain.members import Approvers, decision_classes

if TYPE_CHECKING:
    from shared.agents.domain.agents import Agent
    from shared.runs.services.deps import Deps

type JSON = dict[str, Any]
log = logging.getLogger(__name__)
NO_EFFECT = "a dry run changes nothing"
# What planning may call of each port: reads, and the spend counters a paid model call reserves on.
NOTION_READS = frozenset(
    {"me", "search", "retrieve_page", "retrieve_data_source", "query_data_source", "retrieve_database"}
    | {"list_children", "retrieve_markdown", "retrieve_block", "list_comments", "get_comment"}
    | {"search_visible"}
)
STORE_READS = frozenset(
    {"get_run", "list_events", "get_event", "list_runs", "children", "held", "count_running", "row_page"}
    | {"spend", "spend_days", "day_spend", "stalled", "count_ended", "ended_children"}
)
SPEND_WRITES = frozenset({"record_usage", "reserve_spend", "hold_budgets", "settle_hold", "settle_spend"})
AGENT_READS = frozenset({"list_for", "get"})


def _refused(name: str) -> NoReturn:
    raise PermanentError(f"{name}: {NO_EFFECT}")


class ReadOnly:
    """A port of which only ``allowed`` may be called; any other call raises PermanentError, so a
    planning path that tried to write, queue or start anything fails instead of doing it."""

    def __init__(self, inner: Any, allowed: frozenset[str]) -> None:
        self._inner, self._allowed = inner, allowed

    def __getattr__(self, name: str) -> Any:
        if name in self._allowed:
            return getattr(self._inner, name)
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *_a, **_k: _refused(name)


class Unpaused:
    """The agents' store as a dry run reads it: the agent tried shown unpaused. A dry run is how an
    agent not turned on yet (one made from a template) or paused is tried; it does nothing."""

    def __init__(self, inner: Any, agent_id: str) -> None:
        self._inner, self._agent_id = inner, agent_id

    def _shown(self, agent: Agent | None) -> Agent | None:
        if agent is None or agent.agent_id != self._agent_id:
            return agent
        return agent.model_copy(update={"paused": False})

    def get(self, tenant_id: str, agent_id: str) -> Agent | None:
        return self._shown(self._inner.get(tenant_id, agent_id))

    def list_for(self, tenant_id: str) -> list[Agent]:
        return [a for a in map(self._shown, self._inner.list_for(tenant_id)) if a is not None]


def dry_deps(deps: Deps, trying: str = "") -> Deps:
    """``deps`` with Notion, the run store, the queue and the agents' store read-only (spend aside);
    the agent ``trying`` read as unpaused (:class:`Unpaused`)."""
    store, agents = deps.store, deps.agents_source
    notion_for = deps.notion_for

    def notion(tenant_id: str) -> Any:
        if notion_for is None:
            raise RuntimeError("this function was built without Notion access")
        return ReadOnly(notion_for(tenant_id), NOTION_READS)

    return deps._replace(
        store=ReadOnly(store, STORE_READS | SPEND_WRITES),
        queue=ReadOnly(deps.queue, frozenset()),
        notion_for=notion,
        agents_source=(lambda: ReadOnly(Unpaused(agents(), trying), AGENT_READS))
        if agents is not None
        else None,
        code=None,
        trackers=None,
    )


def dry_run(deps: Deps, tenant_id: str, agent: Agent, page_id: str, *, person: str, owner: bool) -> JSON:
    """The plan ``agent`` would make for ``page_id`` were it started there now by ``person``, each step
    with what it does and whose approval it needs. ``owner``: with the owner's reach
    (``Tenant.owner_reach``). Another person's run reads within its reach, and its page must lie
    within it: else 403, the page's title and text unread. Its model calls are paid and
    counted as a plan's. A paused agent is tried as if turned on (decision 0184). 409 when a budget
    stops it or the agent may not plan now; 400 (``page_id``) for a page that cannot be read."""
    tenant = deps.tenants.get(tenant_id) if deps.tenants is not None else None
    if not owner and (tenant is None or not starter_reaches(deps.need_notion(tenant_id), tenant, page_id)):
        raise Forbidden(beyond_starter(page_id))
    trigger = Trigger(kind="api", page_id=page_id, by_owner=owner, people=[person] if person else [])
    task = PlanTask(
        tenant_id=tenant_id, run_id=f"dry-{uuid4().hex}", trigger=trigger, agent_id=agent.agent_id
    )
    attempts = Attempts()
    dry = dry_deps(deps, agent.agent_id)
    try:
        events = plan_events(Planning(task, dry), Seqs(), attempts=attempts)
    finally:
        cost = _count(deps, tenant_id, attempts.events)
    return _answer(dry, tenant_id, agent, events, cost)


def _count(deps: Deps, tenant_id: str, events: list[RunEvent]) -> float:
    """Each paid call of the dry run in the workspace's spend ledger (where an Ask's go): its cost."""
    cost = 0.0
    for e in events:
        if isinstance(e, ModelUsed):
            used = ModelUsage(e.model, e.input_tokens, e.output_tokens, e.cost_usd, e.fallback)
            deps.store.record_usage(tenant_id, f"dry-{uuid4().hex}", e.at, "dry_run", used)
            cost += e.cost_usd
    return round(cost, 6)


def _answer(deps: Deps, tenant_id: str, agent: Agent, events: list[RunEvent], cost: float) -> JSON:
    head = events[0]
    assert isinstance(head, RunPlanned)
    if head.page_beyond:  # a dry run waits for nobody: its page must lie within its starter's reach
        raise Forbidden(beyond_starter(head.page_id or ""))
    stopped = next((e for e in events if isinstance(e, HumanRequested) and e.budget), None)
    if stopped is not None:
        raise Conflict(f"the dry run stopped: {stopped.prompt.split('. Approve')[0]}")
    ended = next((e for e in events if isinstance(e, RunFinished)), None)
    if ended is not None and "could not be read" in ended.summary:
        # the page named is the input at fault (a 404 would say the agent is missing)
        raise InvalidInput(ended.summary, ["page_id"], [ended.summary])
    tenants = deps.tenants
    tenant = tenants.get(tenant_id) if tenants is not None else None
    approvers = tenant.approvers if tenant is not None else Approvers()
    state = fold([head])
    parents = approvals.parents_of(lambda page_id: deps.need_notion(tenant_id).retrieve_page(page_id))
    steps = [_step(state, n, approvers, parents) for n in range(1, len(state.steps) + 1)]
    return {
        "agent_id": agent.agent_id,
        "page_id": head.page_id,
        "page_title": head.page_title,
        "goal": head.goal,
        "risk": head.risk if state.steps else None,
        "steps": steps,
        "approvals": [s for s in steps if s["approval"] is not None],
        "problem": ended.summary if ended is not None else None,
        "cost_usd": cost,
        "effects": 0,
    }


def _step(state: RunState, n: int, approvers: Approvers, parents: approvals.Parents) -> JSON:
    """Step ``n`` (from 1) as the dry run shows it: what it does, and the approval it would need."""
    planned = state.steps[n - 1]
    tool = REGISTRY[planned.tool]
    shown: JSON = {
        "step": n,
        "tool": planned.tool,
        "does": approvals.describe(planned.tool, planned.args),
        "why": planned.rationale,
        "effect": tool.effect.value,
        "refused": approvals.outside_reach(state, planned.tool, planned.args, parents),
        "approval": None,
    }
    if tool.effect == SideEffect.HUMAN and planned.tool == "request_approval":
        digests = tuple(d for _, _, d in approvals.covered(state, n))
        role = approvers.needed(decision_classes("approval", digests, False, PRODUCTION))
        covers = [k for k, _, _ in approvals.covered(state, n)]
        said = f"a person approves the plan{f' and steps {covers}' if covers else ''} before it goes on"
        shown["approval"] = {"role": role, "why": said}
    elif tool.effect == SideEffect.HUMAN:
        shown["approval"] = {"role": approvers.needed(("question",)), "why": "a person answers a question"}
    elif shown["refused"] is None and (digest := approvals.gated(state, tool, planned.args)) is not None:
        role = approvers.needed(decision_classes("approval", (digest,), False, PRODUCTION))
        asks = [k for k in _asks_before(state, n) if digest in [d for _, _, d in approvals.covered(state, k)]]
        said = (
            f"its effect lands beyond the run's own pages: asked for in step {asks[0]}'s approval"
            if asks
            else "its effect lands beyond the run's own pages: it waits for approval when it runs"
        )
        shown["approval"] = {"role": role, "why": said}
    return shown


def _asks_before(state: RunState, n: int) -> list[int]:
    """The steps before ``n`` that ask a person to approve the plan."""
    return [k for k in range(1, n) if state.steps[k - 1].tool == "request_approval"]
