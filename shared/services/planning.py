"""``plan``: turn a trigger into a run. Read the current Notion context with the tenant's token (a
webhook is only a signal) and ask the model for a structured plan. Validate it against the tool
registry (re-asking with the error, at most ``plan_max_reasks`` times), write the run and its first
events in one batch, and enqueue step 1. The run id comes from the trigger, so a repeated plan task
only re-enqueues its follow-up. One active run per page (:func:`start_run`); every paid model call is
recorded, on an error too, and a retry plans into the same run. Why: docs/engine.md, "Planning";
docs/decisions/0001-planning-failures-end-as-runs.md, 0014-webhook-runs-coalesced-and-paced.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.agent import context as prompt_context
from shared.agent import prompts
from shared.agent.plans import ValidPlan, validate_plan
from shared.agent.tools import notion_text as nt
from shared.domain.agents import comment_words, tier_purpose
from shared.domain.events import (
    ErrorKind,
    ErrorRecorded,
    HumanRequested,
    ModelUsed,
    Person,
    RunCancelled,
    RunEvent,
    RunFinished,
    RunPlanned,
    RunStatus,
)
from shared.domain.model_calls import ModelUsage, calls_of
from shared.domain.model_replies import PlanOut
from shared.domain.notion_events import mentions_bot
from shared.domain.runs import RunState, fold
from shared.domain.settings import TenantSettings, plain_notion_id
from shared.domain.tasks.notify import NotifyTask
from shared.domain.tasks.plan import PlanTask, page_key
from shared.domain.triggers import mentions_start, page_matches
from shared.errors import (
    AgentError,
    ConfigError,
    ModelFixableError,
    ModelUnavailable,
    PermanentError,
    TransientError,
    UnusableReply,
)
from shared.services import agents, alerts, spend
from shared.services.agents import RunAgent
from shared.services.deps import Deps
from shared.services.notion_access import ReconnectRequired
from shared.services.run_log import RunLog, Seqs, with_next_seqs
from shared.topology import Queue

if TYPE_CHECKING:
    from shared.domain.tenants import Tenant
    from shared.ports import TenantNotion

log = logging.getLogger(__name__)
# How long a page stays held by a run that claimed it but is not written yet (being planned, or its
# plan task died and waits for its retry): twice plan's timeout of 300 s (terraform/functions.tf).
PAGE_HOLD = timedelta(minutes=10)
STARTED = ("webhook", "schedule")  # the triggers an agent's pause holds back (not a person's own request)


class Planning(NamedTuple):
    """One plan task being carried out: the task and the instance's adapters. Its tenant, its Notion
    and its run's log are reached from here, not by handing the task's ids around."""

    task: PlanTask
    deps: Deps

    @property
    def log(self) -> RunLog:
        """The log of the run the task plans."""
        return RunLog(self.deps, self.task.tenant_id, self.task.run_id)

    def tenant(self) -> Tenant | None:
        """The task's tenant, as the instance caches it (None without a tenant store, or if gone)."""
        tenants = self.deps.tenants
        return tenants.get(self.task.tenant_id) if tenants is not None else None

    def notion(self) -> TenantNotion:
        """Notion, with the task's tenant's token."""
        return self.deps.need_notion(self.task.tenant_id)


def notion_context(p: Planning, *, member: bool = False) -> tuple[dict[str, Any], bool]:
    """The page that triggered the run, its data source's schema and a few related tasks. For a
    member's run the tasks come only from the trigger's own data source, if the owner chose it. Also
    whether the run reads as a member's: ``member``, or its page or comment holds text someone other
    than the owner (or the agent) wrote (:func:`_by_others`), whoever started it."""
    task = p.task
    notion = p.notion()
    ctx: dict[str, Any] = {"goal": task.goal, "trigger": task.trigger.model_dump(exclude_none=True)}
    source_id = task.trigger.data_source_id
    if task.trigger.page_id:
        page = notion.retrieve_page(task.trigger.page_id)
        blocks = list(islice(notion.list_children(page["id"]), 50))
        text = "\n".join(nt.block_text(b) for b in blocks)
        props = nt.plain_properties(page)
        ctx["page"] = {
            "id": page["id"],
            "title": nt.title_of(page),
            "properties": props,
            "text": nt.clip(text, 3000),
        }
        source_id = source_id or page.get("parent", {}).get("data_source_id")
        member = member or _by_others(p, [page, *blocks])
    if source_id:
        schema = notion.retrieve_data_source(source_id).get("properties", {})
        ctx["data_source"] = {"id": source_id, "properties": {n: _prop(prop) for n, prop in schema.items()}}
    if task.trigger.comment_id:  # what the person asked: the event names the comment, not its text
        comment = notion.get_comment(task.trigger.comment_id)
        ctx["comment"] = {"id": comment.get("id"), "text": nt.clip(nt.plain(comment.get("rich_text")), 2000)}
        member = member or _by_others(p, [comment])
    ctx["related"] = _related(p, notion, _sources(p, source_id) if member else None)
    ctx |= _workspace(p, ctx, _sources(p, source_id) if member else None)
    return ctx, member


def _workspace(p: Planning, ctx: dict[str, Any], sources: list[str] | None) -> dict[str, Any]:
    """The index's passages most relevant to the trigger, each with a number to cite (none when
    nothing is indexed); a member's run gets those within its reach only (issue 56)."""
    from shared.services.workspace_search import context_passages

    page = ctx.get("page") or {}
    query = " ".join(
        str(x) for x in (ctx["goal"], page.get("title"), (ctx.get("comment") or {}).get("text")) if x
    )
    own = [f"page:{plain_notion_id(str(page['id']))}"] if page.get("id") else []
    scopes = None if sources is None else [plain_notion_id(s) for s in sources] + own
    found = context_passages(p.deps, p.task.tenant_id, query, scopes)
    return {"workspace": found} if found else {}


def _by_others(p: Planning, objects: list[dict[str, Any]]) -> bool:
    """Whether someone other than the workspace's owner or the agent's bot created or last edited any
    of ``objects`` (a page, its blocks, a comment: Notion's ``created_by``, ``last_edited_by``). Its
    text may then be a member's instructions, so the run reads only within its trigger's reach. An
    object naming no one counts as no one's; a workspace whose owner is unknown, as everyone's."""
    tenant = p.tenant()
    owner = plain_notion_id(tenant.owner_user_id) if tenant is not None and tenant.owner_user_id else ""
    bot = plain_notion_id(tenant.bot_id) if tenant is not None and tenant.bot_id else ""
    authors = {
        plain_notion_id(str(who.get("id")))
        for o in objects
        for who in (o.get("created_by"), o.get("last_edited_by"))
        if isinstance(who, dict) and who.get("id")
    }
    return bool(authors - {owner, bot}) if owner else bool(authors)


def _starts_nothing(p: Planning) -> bool:
    """Whether a Notion event's trigger starts nothing: a spent budget, a comment that does not ask
    the agent, or a change whose page lacks the value its trigger rule asks. All are decided before
    the run's turn is taken or anything is paid for."""
    task = p.task
    if task.trigger.kind == "webhook" and _budget_spent(p):
        return True
    if task.trigger.comment_id:
        unasked = _why_comment_starts_nothing(p)
    elif task.trigger.checks:
        unasked = _why_change_starts_nothing(p)
    else:
        unasked = ""
    store = p.deps.agents()  # issue 55: a paused agent starts nothing (a comment may name another)
    if not unasked and store is not None and not task.trigger.comment_id and task.trigger.kind in STARTED:
        unasked = agents.paused(task.tenant_id, task.agent_id, store)
    if unasked:
        log.info("trigger dropped, no run: %s", unasked, extra={"fields": {"run": task.run_id}})
    return bool(unasked)


def _answered_as_ask(p: Planning) -> bool:
    """A mention that asks a question and names no agent (``agents.ask_of``) is an Ask: answered by a
    reply in its thread (shared/services/ask.py) and no run, so nothing else can follow. A member's
    question searches within its reach: the page's data source and the page. Needs the index on."""
    task, deps = p
    tenant = p.tenant()
    if not task.trigger.comment_id or task.agent_id or tenant is None or deps.memory is None:
        return False
    if not deps.settings.workspace_index:
        return False
    from shared.domain.agents import ask_of
    from shared.services.ask import answer_comment

    notion = p.notion()
    comment = notion.get_comment(task.trigger.comment_id)
    store = deps.agents()
    question = ask_of(comment, list(store.list_for(tenant.tenant_id)) if store is not None else [])
    page_id = str(task.trigger.page_id or (comment.get("parent") or {}).get("page_id") or "")
    if not question or not page_id:
        return False
    scopes = None
    if _by_others(p, [comment]):
        try:
            source = (notion.retrieve_page(page_id).get("parent") or {}).get("data_source_id")
        except PermanentError:  # the page closed to us since: the page's own passages at most
            source = None
        own = f"page:{plain_notion_id(page_id)}"
        scopes = [plain_notion_id(s) for s in _sources(p, str(source) if source else None)] + [own]
    answered = answer_comment(deps, task.tenant_id, comment, question, page_id=page_id, scopes=scopes)
    if answered:
        log.info("a comment's question answered (Ask), no run", extra={"fields": {"run": task.run_id}})
    return answered


def _budget_spent(p: Planning) -> bool:
    """A Notion event's trigger (a page's change, a comment) starts nothing while the workspace's day
    or month budget, or the deployment's daily cap, is spent. No Notion read, no run waiting for an
    approval that the budget refuses anyway (``humans``), no page claim. The owner is told once per
    period (the notification is named from the period, so every later event of that day or month sends
    nothing new). A person's own request (api), the daily plan and a replan still make a run that waits
    for a decision."""
    task, deps = p
    spent = spend.tenant_over_budget(deps, task.tenant_id)
    if spent is None:
        return False
    now = deps.clock()
    period, until = (
        (f"{now:%Y%m}", "the 1st of next month, UTC")
        if spent.period == "month"
        else (f"{now:%Y%m%d}", "midnight UTC")
    )
    limit = "max_cost_per_day_usd" if spent.period == "day" else "max_cost_per_month_usd"
    # The deployment's cap (``service``) is the operator's: no setting of the owner's lifts it.
    whose, resume, name = (
        ("service's", "", f"spend-cap-{period}")
        if spent.period == "service"
        else ("workspace's", f" To resume now, raise {limit} in the settings.", f"budget-spent-{period}")
    )
    note = NotifyTask(
        notification_id=name,
        tenant_id=task.tenant_id,
        subject=f"Notion Agent is paused until {until}: the {whose} budget is spent",
        text=(
            f"{nt.clip(spent.reason, 300)}. Until {until}, changes and comments in Notion start no "
            f"run, and they are not planned later.{resume}"
        ),
        data={"kind": "budget_spent", "period": spent.period},
    )
    deps.queue.enqueue(Queue.NOTIFY, note, f"notify:{task.tenant_id}:{note.notification_id}")
    log.info("trigger dropped, no run: %s", spent.reason, extra={"fields": {"run": task.run_id}})
    return True


def _why_comment_starts_nothing(p: Planning) -> str:
    """Why a comment's trigger starts nothing, or "" when it starts a run. The comment must mention
    the workspace's bot; Notion's event does not carry the text, so it is read (one Notion call,
    before the run's turn is taken, its page claimed or anything paid for). A comment that is gone
    (deleted, its page closed to us) starts nothing either; a transient error propagates (the queue
    retries)."""
    task = p.task
    notion = p.notion()
    tenant = p.tenant()
    try:
        comment = notion.get_comment(str(task.trigger.comment_id))
        bot_id = tenant.bot_id if tenant is not None and tenant.bot_id else str(notion.me().get("id", ""))
    except ReconnectRequired as exc:
        return exc.reason
    except PermanentError as exc:
        return f"the comment could not be read: {exc.reason}"
    if not mentions_bot(comment, bot_id):
        return "the comment does not mention the agent"
    return _mention_opted_out(p, tenant.settings if tenant is not None else None)


def _mention_opted_out(p: Planning, settings: TenantSettings | None) -> str:
    """Why a mention starts nothing: its page is in a chosen data source whose trigger rules leave out
    ``mentioned``, or "". The page is read (once) only when some chosen source leaves it out."""
    task = p.task
    if settings is None or not task.trigger.page_id:
        return ""
    without = {
        plain_notion_id(d) for d in settings.data_source_ids if not mentions_start(settings.triggers, d)
    }
    if not without:
        return ""
    try:
        page = p.notion().retrieve_page(task.trigger.page_id)
    except PermanentError as exc:
        return f"the comment's page could not be read: {exc.reason}"
    source = str((page.get("parent") or {}).get("data_source_id") or "")
    if source and plain_notion_id(source) in without:
        return "the trigger rules of the page's data source leave out mentions"
    return ""


def _why_change_starts_nothing(p: Planning) -> str:
    """Why a page's property change starts nothing: after one read, the page has none of the values
    its trigger rules ask (``Trigger.checks``), or it is gone; "" when one holds. A transient error
    propagates (the queue retries)."""
    task = p.task
    notion = p.notion()
    tenant = p.tenant()
    try:
        page = notion.retrieve_page(str(task.trigger.page_id))
        needs_bot = any(c.agent for c in task.trigger.checks)
        bot_id = tenant.bot_id if tenant is not None and tenant.bot_id else ""
        if needs_bot and not bot_id:
            bot_id = str(notion.me().get("id", ""))
    except ReconnectRequired as exc:
        return exc.reason
    except PermanentError as exc:
        return f"the page could not be read: {exc.reason}"
    if not page_matches(task.trigger.checks, page, bot_id):
        return "the changed property does not have the value a trigger rule asks"
    return ""


def _prop(prop: dict[str, Any]) -> dict[str, Any]:
    kind = prop.get("type", "")
    options = (prop.get(kind) or {}).get("options") if isinstance(prop.get(kind), dict) else None
    return {"type": kind} | ({"options": [o.get("name") for o in options]} if options else {})


def _related(p: Planning, notion: TenantNotion, sources: list[str] | None) -> list[dict[str, Any]]:
    """A few pages of the first chosen data source, or of ``sources`` (a member's run) when given."""
    tenant = p.tenant()
    chosen = tenant.settings.data_source_ids if tenant is not None else []
    source = (sources if sources is not None else chosen)[:1]
    if not source:
        return []
    pages = islice(notion.query_data_source(source[0]), 10)
    return [
        {"id": page["id"], "title": nt.title_of(page), "properties": nt.plain_properties(page)}
        for page in pages
    ]


def _sources(p: Planning, source_id: str | None) -> list[str]:
    """What a member's run may query unasked: the trigger's data source, if the owner chose it."""
    tenant = p.tenant()
    chosen = {plain_notion_id(d) for d in tenant.settings.data_source_ids} if tenant is not None else set()
    return [source_id] if source_id and plain_notion_id(source_id) in chosen else []


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
    run_cap_usd: float | None = None  # the run's agent's own run budget (issue 55)
    tier: str = ""  # the run's agent's model tier (issue 55)
    goal: str = ""
    events: list[RunEvent] = field(default_factory=list)

    @property
    def paid(self) -> bool:
        return any(isinstance(e, ModelUsed) for e in self.events)

    def used(self, deps: Deps, usage: ModelUsage) -> None:
        self.events.append(
            self.seqs.event(
                ModelUsed,
                at=deps.clock(),
                purpose="plan",
                model=usage.model,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cost_usd=usage.cost_usd,
            )
        )

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


def _ask_model(p: Planning, ctx: dict[str, Any], attempts: Attempts) -> Asked:
    """The validated plan (or None and why); the usage/error events of getting it go to
    ``attempts`` as they happen (a call is recorded there as soon as it is paid for)."""
    task, deps = p
    errors: list[str] = []
    refused = False  # a plan came back and validation refused it
    max_steps = deps.settings.run_max_steps
    for _ in range(1 + deps.settings.plan_max_reasks):
        spent = attempts.prior_cost_usd + sum(e.cost_usd for e in attempts.events if isinstance(e, ModelUsed))
        caps = (attempts.grants, attempts.run_cap_usd)
        with spend.model_call(deps, task.tenant_id, spent, *caps, run_id=task.run_id) as call:
            if call.problem:
                return Asked(None, call.problem, over_budget=True)
            try:
                prompt = prompt_context.plan_prompt(task.goal, ctx, errors, max_steps)
                with calls_of("plan"):
                    reply = deps.need_model().generate(tier_purpose(attempts.tier, "plan"), prompt, PlanOut)
                call.paid(reply.usage.cost_usd)
                attempts.used(deps, reply.usage)
                page = task.trigger.page_id
                refused = True  # from here a ModelFixableError is validation's
                plan = validate_plan(reply.value, max_steps, trigger_page_id=page)
                return Asked(plan)  # ModelFixableError: a plan that failed it
            except ModelUnavailable as exc:  # every call would fail alike: the run fails, naming the setting
                return Asked(None, exc.reason)
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
) -> list[RunEvent]:
    """The events that plan the run, at the next seqs of ``seqs``. ``trigger``: the kind the plan
    records, when not the task's (a run planned again stays what it is, see :func:`_replan_events`).
    ``member``: a run planned again that a member started. ``attempts`` receives the model calls as
    they are paid for (after the plan's head): what an error leaves. Answers all off the plan's
    schema raise TransientError: the plan queue asks again at its next attempt (decision 0050); a
    plan the model chose and validation refused, re-asked to the end, is a failed run."""
    task, deps = p
    attempts = attempts if attempts is not None else Attempts()
    attempts.head, attempts.seqs = seqs.split(), seqs  # the head goes first, built last
    kind = trigger or task.trigger.kind
    member = member or task.trigger.member
    try:
        ctx, member = notion_context(p, member=member)
    except ReconnectRequired:
        raise  # no run at all: the connection is gone (start_run drops the trigger)
    except PermanentError as exc:  # the page is gone or closed to us: a run that failed, said why
        goal = task.goal or "Help with a page that could not be read"
        head = _planned(
            task, attempts.head, deps.clock(), goal=goal, trigger=kind, member=member, tenant=p.tenant()
        )
        reason = f"the workspace could not be read: {exc.reason}"[:2000]
        return [head, seqs.event(RunFinished, at=head.at, status=RunStatus.FAILED, summary=reason)]
    ran = _run_agent(p, ctx)  # issue 55: the agent and its instructions
    tenant, title = p.tenant(), str((ctx.get("page") or {}).get("title") or "")
    if ran is not None and ran.version is None and ran.why:
        goal = task.goal or _default_goal(ctx)
        head = _planned(
            task,
            attempts.head,
            deps.clock(),
            goal=goal,
            trigger=kind,
            ran=ran,
            tenant=tenant,
            page_title=title,
        )
        return [head, seqs.event(RunFinished, at=head.at, status=RunStatus.FAILED, summary=ran.why[:2000])]
    scheduled = task.trigger.kind == "schedule" and task.agent_id is not None
    if task.goal and ran is not None and task.parent_run_id:  # a child does its agent's job on its input
        goal = ran.goal(task.goal)
    else:
        goal = task.goal or (ran.goal(_default_goal(ctx), scheduled=scheduled) if ran else _default_goal(ctx))
    ctx["goal"] = attempts.goal = goal
    attempts.run_cap_usd = ran.agent.max_cost_per_run_usd if ran is not None else None
    attempts.tier = ran.agent.model_tier if ran is not None else ""
    plan, problem, over_budget, garbled = _ask_model(
        Planning(task.model_copy(update={"goal": goal}), deps), ctx, attempts
    )
    if garbled:  # the queue's next attempt asks again; its last attempt ends the run, failed
        raise TransientError(f"the model's answers did not match the plan's schema: {problem}"[:500])
    if plan is not None and ran is not None and (outside := ran.outside_tools(plan.tools)):  # issue 55
        plan, problem = None, f"it uses tools agent {ran.agent.name!r} may not use: {', '.join(outside)}"
    at = deps.clock()
    sources = _sources(p, (ctx.get("data_source") or {}).get("id")) if member and plan else []
    head = _planned(
        task,
        attempts.head,
        at,
        goal=goal,
        trigger=kind,
        member=member,
        plan=plan,
        sources=sources,
        ran=ran,
        tenant=tenant,
        page_title=title,
    )
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
    reason = f"the model could not produce a valid plan: {problem}"
    end = seqs.event(RunFinished, at=at, status=RunStatus.FAILED, summary=reason[:2000])
    return [head, *attempts.events, end]


def _planned(
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
) -> RunPlanned:
    """The run's plan, at the next seq of ``seqs``: the one place a ``run_planned`` is built. Without
    ``plan``, a run with no steps (planning failed, stopped for a budget, or never got to ask).
    ``trigger`` and ``member`` default to the task's; ``goal`` is the plan's own when it has one.
    Who started it: the trigger's people, named from ``tenant``'s team, and ``page_title`` as read."""
    planned: dict[str, Any] = {}
    if plan is not None:
        planned = {"goal": plan.goal or goal, "steps": plan.steps, "tools": plan.tools, "risk": plan.risk}
        planned |= {"on_reject": plan.on_reject, "sources": sources or []}
    fields: dict[str, Any] = {
        "at": at,
        "goal": goal,
        "trigger": trigger or task.trigger.kind,
        "steps": [],
        "prompt_version": prompts.VERSION,
        "page_id": task.trigger.page_id,
        "member": task.trigger.member if member is None else member,
        "page_title": page_title[:300],
        "people": people_of(task.trigger.people, tenant),
        "rule": task.trigger.rule,
        "event_type": task.trigger.event_type or "",
        "slot": task.trigger.slot,
    }
    if ran is not None:
        fields |= ran.recorded()
    if task.parent_run_id:  # a hand-off's lineage (issue 55)
        bounds = [b.model_dump() for b in task.bounds]
        fields |= {"parent_run_id": task.parent_run_id, "chain": list(task.chain), "bounds": bounds}
    return seqs.event(RunPlanned, **(fields | planned))


def people_of(ids: list[str], tenant: Tenant | None) -> list[Person]:
    """The people of Notion user ``ids``, each with the name and email the team knows them by."""
    team = {m.notion_user_id.replace("-", "").lower(): m for m in tenant.team()} if tenant else {}
    found = []
    for user_id in ids:
        member = team.get(user_id.replace("-", "").lower())
        named = {"name": member.name, "email": member.email} if member else {}
        found.append(Person(notion_user_id=user_id, **named))
    return found


def _run_agent(p: Planning, ctx: dict[str, Any]) -> RunAgent | None:
    """The agent the run is for and the instructions it uses (``shared.services.agents``); None in a
    bundle without the agents' store. A comment's own words (read again, without its mentions) may
    name the agent, when the workspace has agents besides the default one."""
    store, tenant = p.deps.agents(), p.tenant()
    if store is None or tenant is None:
        return None
    asked = p.task.trigger.comment_id if not p.task.agent_id else None
    named = asked and any(not a.is_default for a in store.list_for(tenant.tenant_id))  # else no read
    comment = comment_words(p.notion().get_comment(asked)) if asked and named else ""
    return agents.for_plan(tenant, p.task.agent_id, comment, store, p.notion())


def _default_goal(ctx: dict[str, Any]) -> str:
    page = ctx.get("page") or {}
    trigger = ctx.get("trigger", {})
    asked = " ".join(str((ctx.get("comment") or {}).get("text", "")).split())
    if asked:
        where = f" on the page '{page.get('title') or 'Untitled'}'" if page else ""
        return f"Answer the comment{where}: {nt.clip(asked, 200)}"
    if page:
        return f"Help with the page '{page.get('title') or 'Untitled'}' ({trigger.get('event_type') or trigger.get('kind')})"
    return "Plan the day from the workspace's open tasks"


def start_run(task: PlanTask, deps: Deps, *, last_attempt: bool = False) -> bool:
    """Create and plan the run. False if the run existed (its follow-up is re-enqueued, harmless) or
    is a Notion event's run whose turn has not come (a later task plans it). False, and the trigger
    dropped, if it is a comment's that does not mention the agent or the tenant's connection is gone
    (revoked or to be reconnected). The same if it is a page's change and another run of that page is
    still active or read the page after it.

    An error propagates (the queue retries the task), except on the queue's ``last_attempt``: then the
    run ends, failed, saying why (:func:`_fail_unplanned_run`), since the queue deletes the task next."""
    try:
        return _start_run(Planning(task, deps))
    except Exception as exc:  # every error: after the last attempt nothing would ever plan it
        if not last_attempt:
            raise
        reason = exc.reason if isinstance(exc, AgentError) else "an unexpected error"
        log.exception(
            "the plan task's last attempt failed: %s", reason, extra={"fields": {"run": task.run_id}}
        )
        return _fail_unplanned_run(Planning(task, deps), reason)


def _start_run(p: Planning) -> bool:
    task = p.task
    state = p.log.document()
    if state is not None:
        return _replan_if_needed(p, state)
    if _starts_nothing(p) or _answered_as_ask(p) or _waits_its_turn(p):
        return False
    holder = _page_held_by(p)
    if holder is not None:
        log.info(
            "no run now: run %s is active for this page (a change it has not seen is planned when it "
            "ends) or has read the page after this change",
            holder,
            extra={"fields": {"run": task.run_id}},
        )
        return False
    attempts = Attempts()
    try:
        events = plan_events(p, Seqs(), attempts=attempts)
    except ReconnectRequired as exc:
        log.info("trigger dropped, no run: %s", exc.reason, extra={"fields": {"run": task.run_id}})
        _release_page(p)
        return False
    except AgentError as exc:
        _keep_attempts(p, attempts, exc)
        raise  # the queue retries the task: it plans into the run
    # Another delivery of this task may have created it: the log is its, the money ours (kept).
    runlog = p.log
    created = runlog.create(events)
    if created:
        runlog.emit_transition(None, fold(events))
    else:
        state = runlog.document()
        if state is not None:
            runlog.followup(state)
    log.info("run %s", "created" if created else "already existed", extra={"fields": {"run": task.run_id}})
    return created


def _keep_attempts(p: Planning, attempts: Attempts, exc: AgentError) -> None:
    """A new run's planning stopped on an error (any: transient, a ConfigError, a permanent refusal):
    the run is created with the model calls paid for, no steps and the error, running (as after a
    budget approval). From then on the trigger is durable in the store, not only in the plan task.
    The task's retry plans into the run (:func:`_replan_if_needed`), the sweeper re-enqueues it if the
    task is gone, and a last attempt that still fails ends it, failed (:func:`_fail_unplanned_run`)."""
    task, deps = p
    goal = attempts.goal or task.goal or _unread_goal(task)
    head = _planned(task, attempts.head, deps.clock(), goal=goal, tenant=p.tenant())
    error = _planning_error(deps, attempts.seqs, exc)
    if p.log.create([head, *attempts.events, error]):
        log.info("planning failed: run created without steps", extra={"fields": {"run": task.run_id}})


def _planning_error(deps: Deps, seqs: Seqs, exc: AgentError) -> ErrorRecorded:
    """Planning's error ``exc``, at the next seq of ``seqs``."""
    kind = ErrorKind.TRANSIENT if isinstance(exc, TransientError) else ErrorKind.PERMANENT
    return seqs.event(ErrorRecorded, at=deps.clock(), step=0, error=kind, message=exc.reason[:500])


def _unread_goal(task: PlanTask) -> str:
    """The goal of a run whose trigger could not be read yet: what started it."""
    trigger = task.trigger
    if trigger.comment_id:
        return "Answer a comment"
    if trigger.page_id:
        return f"Help with a page ({trigger.event_type or trigger.kind})"
    return "Plan the day from the workspace's open tasks" if trigger.kind == "schedule" else "A run"


def _fail_unplanned_run(p: Planning, reason: str) -> bool:
    """The plan task's last attempt failed: the run ends, failed, saying why, with the usual end
    notice and page release; a run created here if planning never got that far. A run already
    planned, waiting or ended is left as it is (its follow-up re-enqueued)."""
    task, deps = p
    attempts = deps.settings.plan_max_attempts
    summary = f"the trigger could not be planned after {attempts} attempts: {reason}"[:2000]
    runlog = p.log
    state = runlog.document()
    if state is None:
        seqs = Seqs()
        head = _planned(task, seqs, deps.clock(), goal=task.goal or _unread_goal(task), tenant=p.tenant())
        end = seqs.event(RunFinished, at=head.at, status=RunStatus.FAILED, summary=summary)
        if runlog.create([head, end]):
            runlog.emit_transition(None, fold([head, end]))
            return True
        state = runlog.document()
        if state is None:
            return False
    if state.status == RunStatus.RUNNING and not state.steps:
        end = RunLog.after(state).event(
            RunFinished, at=deps.clock(), status=RunStatus.FAILED, summary=summary
        )
        if runlog.record(state, [end]) is not None:
            return False
    runlog.followup(state)
    return False


def _waits_its_turn(p: Planning) -> bool:
    """A run of a Notion event starts when its turn comes: a workspace's events start at most
    ``webhook_run_burst`` runs at once and then ``webhook_run_rate_per_min`` a minute, in the order
    they came. A later one is planned by a task scheduled for its start (named from the run: a repeat
    of this task gets the same start and enqueues nothing new), before anything is read, claimed or
    paid for."""
    task, deps = p
    rate = deps.settings.webhook_run_rate_per_min
    if task.trigger.kind != "webhook" or task.admitted or rate <= 0:
        return False
    now = deps.clock()
    interval = timedelta(minutes=1) / rate
    burst = deps.settings.webhook_run_burst
    start = deps.store.reserve_start(task.tenant_id, task.run_id, now, interval, burst)
    wait_s = (start - now).total_seconds()
    if wait_s < 1:
        return False
    later = task.model_copy(update={"admitted": True})
    deps.queue.enqueue(Queue.PLAN, later, f"plan:{task.tenant_id}:{task.run_id}:admitted", wait_s)
    log.info(
        "run waits its turn: this workspace's events have started their runs' burst; planned in %.0f s",
        wait_s,
        extra={"fields": {"run": task.run_id}},
    )
    return True


def _page_held_by(p: Planning) -> str | None:
    """For a page's change (with coalescing on: ``webhook_coalesce_s`` > 0), claim the page for this
    run before anything is paid for; the run that holds it instead, if one does. Changes that straddle
    a coalescing window, or come while the page's run waits for a person, then make no second plan,
    model call and approval request while it is active. The latest such change that the run may not
    have read is remembered on the claim and planned once the run ends (``followups``). Other
    triggers (API, schedule, comments, a replan) never wait."""
    task, deps = p
    page = task.trigger.changed_page
    if page is None or deps.settings.webhook_coalesce_s <= 0:
        return None
    now = deps.clock()
    return deps.store.claim_page(task.tenant_id, page_key(page), task.run_id, now, PAGE_HOLD, change=task)


def _release_page(p: Planning) -> None:
    """A run that will never exist lets go of its page's claim (:func:`_page_held_by`) at once: held
    until the hold ran out, the owner's first change after reconnecting would be remembered on a claim
    that no run ends, and never planned. A change remembered meanwhile is planned now (by name, as
    ``followups`` does when a run ends; it is dropped in turn if the connection is still gone)."""
    task, deps = p
    page = task.trigger.changed_page
    if page is None or deps.settings.webhook_coalesce_s <= 0:
        return
    change = deps.store.release_page(task.tenant_id, page_key(page), task.run_id)
    if change is not None:
        deps.queue.enqueue(Queue.PLAN, change, f"plan:{task.tenant_id}:{change.run_id}:after:{task.run_id}")


def _replan_if_needed(p: Planning, state: RunState) -> bool:
    deps = p.deps
    runlog = p.log
    if state.status == RunStatus.RUNNING and not state.steps:  # approved after a budget stop
        attempts = Attempts(prior_cost_usd=state.cost_usd, grants=state.budget_grants)
        try:
            events = _replan_events(p, state, attempts)
        except AgentError as exc:  # its paid calls, with the error, are kept: the retry plans after them
            if attempts.paid:
                seqs = RunLog.after(state)
                paid = with_next_seqs(attempts.events, seqs)
                runlog.append(state, [*paid, _planning_error(deps, seqs, exc)])
            raise
        if runlog.record(state, events) is not None:
            return False
        # Another delivery wrote first: the log is its, the money ours (kept). The follow-up is
        # named from the run as it is now: named from the state read before, it would be this
        # task's own name (taken), and nothing would plan the run.
        state = runlog.document() or state
    runlog.followup(state)
    return False


def _replan_events(p: Planning, state: RunState, attempts: Attempts) -> list[RunEvent]:
    """The plan of a run approved after a budget stop. It records the run's own trigger, not the
    follow-up's ``manual``: a page's change run still releases its page when it ends, and plans the
    change remembered meanwhile. A run that can no longer be planned fails saying why, as a new run's
    plan does, with the usual end notice and page release (not left running with no steps). The model
    calls paid for before the error are recorded before its end. Transient errors and a deployment's
    ConfigError propagate, as in execute-step: the queue or the sweeper plans the run again (the caller
    records the calls paid for before them). A run its workspace no longer runs (``Deps.tenant_stops``:
    disconnected, or the earlier owner's) is cancelled instead, before any Notion read or model call."""
    task, deps = p
    gone = deps.tenant_stops(task.tenant_id, state.started_at)
    if gone:
        return [RunLog.after(state).event(RunCancelled, at=deps.clock(), reason=gone)]
    try:
        seqs = RunLog.after(state)
        return plan_events(p, seqs, trigger=state.trigger, member=state.member, attempts=attempts)
    except (TransientError, ConfigError):
        raise
    except ReconnectRequired as exc:
        reason = f"the run could not be planned: {exc.reason}. Connect the workspace again and start it anew"
    except AgentError as exc:  # the tenant is gone, the model refused for good, ...
        reason = f"the run could not be planned: {exc.reason}"
    seqs = RunLog.after(state)
    paid = with_next_seqs(attempts.events, seqs)
    end = seqs.event(RunFinished, at=deps.clock(), status=RunStatus.FAILED, summary=reason[:2000])
    return [*paid, end]
