"""Asking the model for a plan: the prompt, the reply checked against the tool registry (re-asked
with the error, at most ``plan_max_reasks`` times), every paid call kept, and the run's first
events (``run_planned``, built here alone).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.agents.domain.agents import model_tier
from shared.agents.domain.mcp_named import named_mcp_tools
from shared.agents.services.agents import RunAgent
from shared.engine.agent import context as prompt_context
from shared.engine.agent.plans import ValidPlan, validate_plan
from shared.engine.services.run_log import Seqs
from shared.notion.services.notion_access import ReconnectRequired
from shared.platform import prompts
from shared.platform.domain.model_calls import ModelUsage, Thinking, calls_of, family_first
from shared.platform.domain.model_replies import PlanOut
from shared.platform.errors import (
    AgentError,
    ModelFixableError,
    ModelUnavailable,
    NotUnderstood,
    PermanentError,
    TransientError,
    UnusableReply,
)
from shared.platform.services.model_routing import call_bound
from shared.runs.domain.approval_digests import page_digest
from shared.runs.domain.events import (
    ErrorKind,
    ErrorRecorded,
    HumanRequested,
    ModelUsed,
    RunEvent,
    RunFinished,
    RunPlanned,
    RunStatus,
)
from shared.runs.domain.plan_task import PlanTask, source_of
from shared.runs.domain.reach import read_reach
from shared.runs.services import alerts, spend
from shared.runs.services.deps import Deps, RunRef

if TYPE_CHECKING:
    from shared.workspace.domain.tenants import Tenant

from shared.engine.planning.context import (
    REACH_REQUEST,
    BeyondStarter,
    data_sources_of,
    default_goal,
    notion_context,
    people_of,
    reach_context,
    reach_request,
    run_agent,
)
from shared.engine.planning.request import Planning

log = logging.getLogger(__name__)


@dataclass
class Attempts:
    """Asking for a plan so far: the ``model_used`` events of the calls paid for and the errors
    between them (numbered by ``seqs``, after the plan's head, numbered by ``head``), and the goal.
    Kept by the caller when planning stops on an error, so the budgets see those calls."""

    head: Seqs = field(default_factory=Seqs)  # set by plan_events: the head's seq (a new log's 1)
    seqs: Seqs = field(default_factory=lambda: Seqs(1))  # set by plan_events: the seqs after the head
    # A run planned again: what it spent already and the run budgets a person granted it, so its run
    # budget counts every attempt, not only this one's (a retry after a 429 pays again).
    prior_cost_usd: float = 0.0
    grants: int = 0
    run_cap_usd: float | None = None  # the run's agent's own run budget
    tier: str = ""  # the run's agent's model tier
    goal: str = ""
    events: list[RunEvent] = field(default_factory=list)

    @property
    def paid(self) -> bool:
        return any(isinstance(e, ModelUsed) for e in self.events)

    def used(self, deps: Deps, usage: ModelUsage) -> None:
        self.events.append(self.seqs.event(ModelUsed, at=deps.clock(), purpose="plan", **ModelUsed.of(usage)))

    def failed(self, deps: Deps, reason: str) -> None:
        self.events.append(
            self.seqs.event(
                ErrorRecorded, at=deps.clock(), step=0, error=ErrorKind.MODEL_FIXABLE, message=reason[:500]
            )
        )


class Asked(NamedTuple):
    plan: ValidPlan | None
    problem: str = ""  # why there is no plan: the last error, or the budget that is spent
    over_budget: bool = False  # ``problem`` is a spent budget: a person may let planning go on
    # Every call of this attempt answered off the plan's schema (no plan to refuse at all): a glitch
    # of the model's, not a plan it chose, so the plan queue's next attempt asks again.
    garbled: bool = False
    said: bool = False  # ``problem`` is the model's own words to the person


def ask_model(p: Planning, ctx: dict[str, Any], attempts: Attempts) -> Asked:
    """The validated plan (or None and why); the usage/error events of getting it go to
    ``attempts`` as they happen (a call is recorded there as soon as it is paid for)."""
    task, deps = p
    errors: list[str] = []
    refused = False  # a plan came back and validation refused it
    max_steps = deps.settings.run_max_steps
    reach = deps.tenants.get(task.tenant_id, fresh=True) if deps.tenants is not None else None
    for _ in range(1 + deps.settings.plan_max_reasks):
        spent = attempts.prior_cost_usd + sum(e.cost_usd for e in attempts.events if isinstance(e, ModelUsed))
        caps = (attempts.grants, attempts.run_cap_usd)
        prompt = prompt_context.plan_prompt(task.goal, ctx, errors, max_steps)
        chosen = model_tier(attempts.tier, "fast")
        # Asked again with its last answer's errors: a replan's thinking budget (decision 0226).
        again: Thinking | None = "replan" if errors else None
        bound = call_bound(deps.settings, "plan", chosen, prompt, PlanOut, thinking=again or "")
        with spend.model_call(
            deps, task.tenant_id, spent, *caps, run=RunRef(deps, task.tenant_id, task.run_id), bound=bound
        ) as call:
            if call.problem:
                return Asked(None, call.problem, over_budget=True)
            try:
                with calls_of("plan", again), family_first(task.family or ""):
                    reply = deps.need_model().generate(chosen, prompt, PlanOut)
                call.paid(reply.usage.cost_usd)
                attempts.used(deps, reply.usage)
                page = task.trigger.page_id
                refused = True  # from here a ModelFixableError is validation's
                allowed = reach.settings.github_repositories if reach is not None else None
                plan = validate_plan(reply.value, max_steps, trigger_page_id=page, repositories=allowed)
                return Asked(plan)  # ModelFixableError: a plan that failed it
            except ModelUnavailable as exc:  # every call would fail alike: the run fails, naming the setting
                return Asked(None, exc.reason)
            except NotUnderstood as exc:  # the local model's: said as it is, with what it understands
                return Asked(None, exc.reason, said=True)
            except ModelFixableError as exc:
                if isinstance(exc, UnusableReply):  # answered off the schema: paid all the same
                    call.paid(exc.usage.cost_usd)
                    attempts.used(deps, exc.usage)
                errors.append(exc.reason)
                attempts.failed(deps, exc.reason)
    return Asked(None, errors[-1], garbled=not refused)


def plan_events(
    p: Planning,
    seqs: Seqs,
    *,
    trigger: str = "",
    member: bool = False,
    attempts: Attempts | None = None,
    approved: tuple[str, ...] = (),
) -> list[RunEvent]:
    """The events that plan the run, at the next seqs of ``seqs``. ``trigger``: the kind the plan records,
    when not the task's (a run planned again keeps its own: :func:`replan_events`). ``member``: a run
    planned again that a member started. ``attempts`` receives the model calls as they are paid for
    (after the plan's head): what an error leaves. Answers all off the plan's schema raise TransientError:
    the plan queue asks again at its next attempt (decision 0050). A plan the model chose and validation
    refused, re-asked to the end, is a failed run. A member's run on a page beyond its starter's reach
    waits, the page unread, for an approval of someone with that reach (:func:`wait_for_reach`); it reads
    the page once ``approved`` (the run's approvals) holds its digest (decision 0147)."""
    task, deps = p
    attempts = attempts if attempts is not None else Attempts()
    attempts.head, attempts.seqs = seqs.split(), seqs  # the head goes first, built last
    kind = trigger or task.trigger.kind
    member = member or task.trigger.member
    try:
        # the task's own kind: a run planned again (``manual``) was held to its page when first planned
        ctx, member = notion_context(p, member=member, approved=approved)
    except ReconnectRequired:
        raise  # no run at all: the connection is gone (start_run drops the trigger)
    except PermanentError as exc:  # the page is gone, closed to us, or beyond its starter's reach
        return unread(p, attempts.head, seqs, exc, kind=kind, member=member)
    ran = run_agent(p, ctx)  # the agent and its instructions
    reaches = [read_reach(b.read, b.change) for b in task.bounds]
    if ran is not None:
        reaches.append(read_reach(ran.agent.reach.read, ran.agent.reach.change))
    ctx = reach_context(p, ctx, member=member, reaches=reaches)  # held to every reach
    tenant, (title, page_url) = p.tenant(), _page_said(ctx)

    def head_at(
        at: datetime,
        goal: str,
        *,
        member: bool | None = None,
        plan: ValidPlan | None = None,
        sources: list[str] | None = None,
    ) -> RunPlanned:
        """The run's head event as planned at ``at`` (:func:`planned_events`), the page's and agent's."""
        return planned_events(
            task,
            attempts.head,
            at,
            goal=goal,
            trigger=kind,
            ran=ran,
            tenant=tenant,
            page_title=title,
            page_url=page_url,
            member=member,
            plan=plan,
            sources=sources,
        )

    if ran is not None and ran.version is None and ran.why:
        head = head_at(deps.clock(), task.goal or default_goal(ctx))
        return [head, seqs.event(RunFinished, at=head.at, status=RunStatus.FAILED, summary=ran.why[:2000])]
    scheduled = task.trigger.kind == "schedule" and task.agent_id is not None
    if task.goal and ran is not None and task.parent_run_id:  # a child does its agent's job on its input
        goal = ran.goal(task.goal)
    else:
        slot = task.trigger.slot or ""
        goal = task.goal or (
            ran.goal(default_goal(ctx), scheduled=scheduled, slot=slot) if ran else default_goal(ctx)
        )
    ctx["goal"] = attempts.goal = goal
    named = named_mcp_tools(ran.text) if ran is not None else ()  # those its instructions page names
    if deps.mcp is not None and (
        offered := deps.mcp(task.tenant_id, _agent_of(task, ran))._replace(named=named).offered()
    ):
        ctx["mcp_tools"] = offered  # the servers' words, in the data block as a page's text is
    attempts.run_cap_usd = ran.agent.max_cost_per_run_usd if ran is not None else None
    if task.budget_usd is not None:  # a debate's or panel's child: its share of the parent's budget
        attempts.run_cap_usd = min(attempts.run_cap_usd or task.budget_usd, task.budget_usd)
    attempts.tier = ran.agent.model_tier if ran is not None else ""
    plan, problem, over_budget, garbled, model_said = ask_model(
        Planning(task.model_copy(update={"goal": goal}), deps), ctx, attempts
    )
    if garbled:  # the queue's next attempt asks again; its last attempt ends the run, failed
        raise TransientError(f"the model's answers did not match the plan's schema: {problem}"[:500])
    if plan is not None and ran is not None and (outside := ran.outside_tools(plan.tools)):
        plan, problem = None, f"it uses tools agent {ran.agent.name!r} may not use: {', '.join(outside)}"
    at = deps.clock()
    sources = data_sources_of(p, (ctx.get("data_source") or {}).get("id")) if member and plan else []
    head = head_at(at, goal, member=member, plan=plan, sources=sources)
    if plan is not None:
        return [head, *attempts.events]
    if over_budget:
        alerts.log_budget_stop(task.run_id, problem)
        ask = seqs.event(
            HumanRequested,
            request_id=f"limit-plan-{seqs.upcoming}",
            at=at,
            step=0,
            purpose="limit",
            prompt=f"Planning stopped: {problem}. Approve to plan anyway, reject to drop it.",
            budget=True,
        )
        return [head, *attempts.events, ask]
    reason = problem if model_said else f"the model could not produce a valid plan: {problem}"
    end = seqs.event(RunFinished, at=at, status=RunStatus.FAILED, summary=reason[:2000])
    return [head, *attempts.events, end]


def unread(
    p: Planning, head_seqs: Seqs, seqs: Seqs, exc: PermanentError, *, kind: str, member: bool
) -> list[RunEvent]:
    """A run whose trigger could not be read: it waits for an approval of its page beyond its
    starter's reach when a person named it (:func:`wait_for_reach`), else it failed, saying why."""
    task, deps = p
    if isinstance(exc, BeyondStarter) and not task.parent_run_id:
        return wait_for_reach(p, head_seqs, seqs, kind, exc.page_id)
    beyond = isinstance(exc, BeyondStarter)  # a hand-off's or map child's: its parent named the page
    goal = task.goal or ("Work on a page" if beyond else "Help with a page that could not be read")
    head = planned_events(
        task, head_seqs, deps.clock(), goal=goal, trigger=kind, member=member or beyond, tenant=p.tenant()
    )
    reason = exc.reason if beyond else f"the workspace could not be read: {exc.reason}"
    return [head, seqs.event(RunFinished, at=head.at, status=RunStatus.FAILED, summary=reason[:2000])]


def wait_for_reach(p: Planning, head_seqs: Seqs, seqs: Seqs, kind: str, page_id: str) -> list[RunEvent]:
    """A run a member started on ``page_id``, beyond their reach, as it waits (decision 0147). Its head
    has no steps, the page's title unread and no note on it (``page_beyond``). Its request names the
    page's start (:func:`page_digest`): a change beyond the run's own pages in kind. So only a person
    of the role that approves reads beyond a run's reach decides it, never an API key. Approved, the
    run is planned with the page read; rejected, it ends saying so."""
    task, deps = p
    tenant = p.tenant()
    goal = task.goal or "Work on a page beyond the reach of the person who started it"
    head = planned_events(
        task, head_seqs, deps.clock(), goal=goal, trigger=kind, member=True, tenant=tenant, page_beyond=True
    )
    ask = seqs.event(
        HumanRequested,
        request_id=f"{REACH_REQUEST}{seqs.upcoming}",
        at=head.at,
        step=0,
        purpose="approval",
        prompt=reach_request(page_id, head.people, tenant, goal),
        effects=(page_digest(page_id),),
    )
    return [head, ask]


def _page_said(ctx: dict[str, Any]) -> tuple[str, str]:
    """The trigger page's title and url (as Notion gave it) in the plan's context; "" for none."""
    page = ctx.get("page") or {}
    return str(page.get("title") or ""), str(page.get("url") or "")


def planned_events(
    task: PlanTask,
    seqs: Seqs,
    at: datetime,
    *,
    goal: str,
    trigger: str = "",
    member: bool | None = None,
    plan: ValidPlan | None = None,
    sources: list[str] | None = None,
    ran: RunAgent | None = None,
    tenant: Tenant | None = None,
    page_title: str = "",
    page_beyond: bool = False,
    page_url: str = "",
) -> RunPlanned:
    """The run's plan, at the next seq of ``seqs``: the one place a ``run_planned`` is built. Without
    ``plan``, a run with no steps (planning failed, stopped for a budget, or never got to ask).
    ``trigger`` and ``member`` default to the task's; ``goal`` is the plan's own when it has one.
    Who started it: the trigger's people, named from ``tenant``'s team, and ``page_title`` as read;
    ``page_url``: the page's address as Notion gave it."""
    planned: dict[str, Any] = {}
    if plan is not None:
        planned = {"goal": plan.goal or goal, "steps": plan.steps, "tools": plan.tools, "risk": plan.risk}
        planned |= {"on_reject": plan.on_reject, "sources": sources or []}
    fields: dict[str, Any] = {
        "at": at,
        "goal": goal,
        "trigger": trigger or task.trigger.kind,
        "steps": [],
        "prompt_version": prompts.active(),
        "page_id": task.trigger.page_id,
        "member": task.trigger.member if member is None else member,
        "page_title": page_title[:300],
        "page_url": page_url[:500],
        "people": people_of(task.trigger.people, tenant),
        "rule": task.trigger.rule,
        "event_type": task.trigger.event_type or "",
        "slot": task.trigger.slot,
        "page_beyond": page_beyond,
        "thread": task.trigger.thread,
        "source_link": task.trigger.link,
        "source": source_of(task.trigger.thread, task.trigger.event_type or ""),
    }
    if ran is not None:  # with the MCP tools its instructions page names (kept for its steps)
        fields |= ran.recorded() | {"mcp_tools": list(named_mcp_tools(ran.text))}
    if task.parent_run_id:  # a hand-off's lineage
        bounds = [b.model_dump() for b in task.bounds]
        fields |= {"parent_run_id": task.parent_run_id, "chain": list(task.chain), "bounds": bounds}
    if task.family:  # a debate's participant: its calls go to that family first
        fields["family"] = task.family
    if task.budget_usd is not None:
        own = fields.get("run_budget_usd")
        fields["run_budget_usd"] = task.budget_usd if own is None else min(own, task.budget_usd)
    return seqs.event(RunPlanned, **(fields | planned))


def planning_error(deps: Deps, seqs: Seqs, exc: AgentError) -> ErrorRecorded:
    """Planning's error ``exc``, at the next seq of ``seqs``."""
    kind = ErrorKind.TRANSIENT if isinstance(exc, TransientError) else ErrorKind.PERMANENT
    return seqs.event(ErrorRecorded, at=deps.clock(), step=0, error=kind, message=exc.reason[:500])


def _agent_of(task: PlanTask, ran: RunAgent | None) -> str:
    """The id of the agent a run is planned for: its MCP tools and their policies are that agent's."""
    return ran.agent.agent_id if ran is not None else (task.agent_id or "default")
