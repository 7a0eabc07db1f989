"""The engine over fakes: ``Deps`` of fake ports, the model's plan answers, and an owner who approves what
a run asks (for tests of something else than who decides)."""

import json
from typing import Any

from shared.engine.services.engine import StepOutcome, run_step
from shared.engine.services.humans import respond
from shared.notion.services.notion_access import NotionForTenant
from shared.platform.config import PlatformSecret, Settings
from shared.runs.domain.approval_digests import effect_digest, is_production
from shared.runs.domain.events import HumanRequested, HumanResponded
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import Deps
from shared.runs.services.spend_cache import SpendCache
from shared.tools import REGISTRY, SideEffect
from shared.workspace.domain.tenants import Tenant
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel, FakeQueue, FakeSecrets
from tests.support.runs.run_store import FakeRunStore
from tests.support.workspace.workspace_fakes import connected_tenants


def plan_answer(*steps: tuple[str, Any], goal: str = "g", risk: str = "low") -> dict[str, Any]:
    """The model's PlanOut answer whose steps call each ``(tool, args)`` in order."""
    return {"goal": goal, "risk": risk, "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps]}


FINISH_PLAN = plan_answer(("finish", {"summary": "ok"}))  # a plan that finishes at once


def make_deps(
    model: Any = None, notion: FakeNotion | None = None, store: FakeRunStore | None = None, **settings: Any
) -> Deps:
    fake_notion = notion or FakeNotion()
    # A model call reserves what the fakes' calls cost at most (0.01), so a test's small budgets fit
    # as many calls as they pay for (a budget is never passed: decision 0084).
    defaults = {"step_lease_s": 30.0, "spend_cache_ttl_s": 0.0, "model_call_reserve_usd": 0.01}
    config = Settings(**(defaults | settings))
    return Deps(
        store=store or FakeRunStore(),
        queue=FakeQueue(),
        secrets=FakeSecrets({PlatformSecret.SESSION_SIGNING_KEY: "k" * 32}),
        settings=config,
        spend=SpendCache(),
        model=model or FakeModel(),
        notion_for=lambda _tenant: NotionForTenant(fake_notion, lambda op: op("token")),
        tenants=connected_tenants(config, "t1"),
    )


def raise_budget(deps: Deps, tenant_id: str = "t1", **budgets: float) -> None:
    """What an owner does through ``PATCH /settings``: set the workspace's own budgets (``max_cost_per_
    run_usd``, ``max_cost_per_day_usd``, ``max_cost_per_month_usd``)."""

    def change(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        return tenant.model_copy(update={"settings": tenant.settings.model_copy(update=budgets)})

    deps.need_tenants().update(tenant_id, change)


def run_step_as_owner(task: StepTask, deps: Deps) -> StepOutcome:
    """``run_step``, with the owner approving (a session's decision) the effect or the plan it
    stopped to ask about, if it did, and the step that follows run at once: for tests of something
    else than who decides (tests/unit/engine/authority/test_authority.py is about that). The request's message and
    the step task the approval enqueued are taken out of the queue, so it holds what the steps
    themselves enqueued."""
    outcome = run_step(task, deps)
    run = deps.store.get_run(task.tenant_id, task.run_id)
    waiting = run.state.waiting if run is not None else None
    if waiting is None or not waiting.request_id.startswith(("effect-", "approval-")):
        return outcome
    queue = deps.queue
    assert isinstance(queue, FakeQueue)
    respond(deps, task.tenant_id, task.run_id, "approve", request_id=waiting.request_id)
    message = f"{task.run_id}-{waiting.request_id}"
    steps = [b for _, b, _, _ in queue.tasks if isinstance(b, StepTask) and b.run_id == task.run_id]
    queue.tasks[:] = [
        t
        for t in queue.tasks
        if t[1] not in steps[-1:] and not getattr(t[1], "notification_id", "").startswith(message)
    ]
    return run_step(steps[-1], deps) if steps else outcome


def owner_approved(deps: Deps, tenant_id: str = "t1", run_id: str = "r1") -> None:
    """Record the owner's approval (a session's) of every change the run's plan names outright (no
    reference): what a plan approved up front lets happen, for tests of something else."""
    run = deps.store.get_run(tenant_id, run_id)
    assert run is not None
    state = run.state
    effects = tuple(
        effect_digest(s.tool, s.args, production=is_production(s.tool, s.args))
        for s in state.steps
        if REGISTRY[s.tool].effect in (SideEffect.CODE, SideEffect.NOTION_WRITE)
    )
    seq, at = state.last_seq + 1, deps.clock()
    ask = HumanRequested(
        seq=seq,
        at=at,
        request_id="approval-0",
        step=state.cursor,
        purpose="approval",
        prompt="p",
        effects=effects,
    )
    yes = HumanResponded(seq=seq + 1, at=at, request_id="approval-0", decision="approve")
    assert deps.store.append(tenant_id, run_id, state, [ask, yes]) is not None
