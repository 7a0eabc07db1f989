"""Does this event start anything? A page's change or a comment that no trigger rule, mention or
budget lets start a run is told apart here, with the reason logged, before any model call.
"""

from __future__ import annotations

import logging
from typing import Any

from shared.agents.domain.agents import comment_words, named_in
from shared.agents.services import agents
from shared.engine.planning.context import by_others, data_sources_of
from shared.engine.planning.request import Planning
from shared.engine.planning.revision_replies import revision_by_reply
from shared.notify.domain.notify_task import NotifyTask
from shared.notion.services import notion_text as nt
from shared.notion.services.notion_access import ReconnectRequired
from shared.platform.errors import PermanentError
from shared.platform.topology import Queue
from shared.runs.domain.notion_events import mentions_bot, skipped
from shared.runs.domain.reach import narrowed, read_reach
from shared.runs.services import spend
from shared.workspace.domain.settings import TenantSettings, plain_notion_id
from shared.workspace.domain.triggers import mentions_start, page_matches

log = logging.getLogger(__name__)

STARTED = ("webhook", "schedule")  # the triggers an agent's pause holds back (not a person's own request)


def starts_nothing(p: Planning) -> bool:
    """Whether a Notion event's trigger starts nothing: a spent budget, a comment that does not ask
    the agent, or a change whose page lacks the value its trigger rule asks. All are decided before
    the run's turn is taken or anything is paid for."""
    task = p.task
    if task.trigger.kind == "webhook" and over_budget_to_start(p):
        return True
    if task.trigger.comment_id:
        unasked = why_comment_starts_nothing(p)
    elif task.trigger.checks:
        unasked = why_change_starts_nothing(p)
    else:
        unasked = ""
    store = p.deps.agents()  # a paused agent starts nothing (a comment may name another)
    if not unasked and store is not None and not task.trigger.comment_id and task.trigger.kind in STARTED:
        unasked = agents.paused(task.tenant_id, task.agent_id, store)
    if unasked:
        log.info("trigger dropped, no run: %s", unasked, extra={"fields": {"run": task.run_id}})
    return bool(unasked)


def answered_as_ask(p: Planning) -> bool:
    """A mention that asks a question and names no agent (``agents.ask_of``) is an Ask: answered by a
    reply in its thread (shared/memory/services/ask.py) and no run, so nothing else can follow. A member's
    question searches within its reach: the page's data source and the page. Every question searches
    within the default agent's reach, which answers it. Needs the index on."""
    task, deps = p
    tenant = p.tenant()
    if not task.trigger.comment_id or task.agent_id or tenant is None or deps.memory is None:
        return False
    if not deps.settings.workspace_index:
        return False
    from shared.agents.domain.agents import ask_of
    from shared.memory.services.ask import answer_comment

    notion = p.notion()
    comment = notion.get_comment(task.trigger.comment_id)
    store = deps.agents()
    question = ask_of(comment, list(store.list_for(tenant.tenant_id)) if store is not None else [])
    page_id = str(task.trigger.page_id or (comment.get("parent") or {}).get("page_id") or "")
    if not question or not page_id:
        return False
    scopes = None
    if by_others(p, [comment]):
        try:
            source = (notion.retrieve_page(page_id).get("parent") or {}).get("data_source_id")
        except PermanentError:  # the page closed to us since: the page's own passages at most
            source = None
        own = f"page:{plain_notion_id(page_id)}"
        scopes = [plain_notion_id(s) for s in data_sources_of(p, str(source) if source else None)] + [own]
    default = next((a for a in store.list_for(tenant.tenant_id) if a.is_default), None) if store else None
    if default is not None:  # the default agent answers: held to its reach too
        scopes = narrowed(scopes, [read_reach(default.reach.read, default.reach.change)], [page_id])
    answered = answer_comment(deps, task.tenant_id, comment, question, page_id=page_id, scopes=scopes)
    if answered:
        log.info("a comment's question answered (Ask), no run", extra={"fields": {"run": task.run_id}})
    return answered


def over_budget_to_start(p: Planning) -> bool:
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


def why_comment_starts_nothing(p: Planning) -> str:
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
    if revision_by_reply(p, comment, bot_id):  # decision 0127: a reply in a code run's thread
        return "a reply to a code run's comment: its revision run is queued if its author may start runs"
    if not mentions_bot(comment, bot_id):
        return "the comment does not mention the agent"
    if names_an_agent(p, comment):  # as its card says, wherever the page is
        return ""
    return mention_opted_out(p, tenant.settings if tenant is not None else None)


def names_an_agent(p: Planning, comment: dict[str, Any]) -> bool:
    """Whether the comment's own words name one of the workspace's agents other than the default one:
    that agent starts whatever the page's data source's rules say of mentions (its card says it starts
    when named). The agents are listed only when the comment mentions the agent."""
    store, tenant = p.deps.agents(), p.tenant()
    if store is None or tenant is None or p.task.agent_id:
        return False
    others = [a for a in agents.agents_of(tenant.tenant_id, store) if not a.is_default]
    return bool(others) and named_in(others, comment_words(comment)) is not None


def mention_opted_out(p: Planning, settings: TenantSettings | None) -> str:
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
        why = "the trigger rules of the page's data source leave out mentions"
        ledger = p.deps.skipped_edits() if p.deps.skipped_edits is not None else None
        if ledger is not None:  # listed in the console's "Edits the rules skipped"
            people = [plain_notion_id(x) for x in task.trigger.people]
            rule = f"{why} (name one of your agents in the comment, or tick “A comment mentions the agent”)"
            made = skipped(
                plain_notion_id(task.trigger.page_id),
                plain_notion_id(source),
                "comment.created",
                rule,
                people=people,
                now=p.deps.clock(),
            )
            ledger.skip(task.tenant_id, made)
        return why
    return ""


def why_change_starts_nothing(p: Planning) -> str:
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
