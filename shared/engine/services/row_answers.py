"""An answer to a run's question by a comment on its row in the Runs database, by the owner or a
member of the team whose role may answer it. Anyone else's comment there decides nothing and is
answered (docs/notion-home.md, "Decisions in Notion")."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from shared.engine.services import humans
from shared.engine.services.run_log import RunLog
from shared.engine.services.run_rows import NOT_THE_OWNER, bound_row, one_at_a_time, owned_waiting
from shared.platform.errors import Conflict, InvalidInput, NotFound
from shared.runs.domain.notion_events import plain_id
from shared.runs.domain.rows_task import AnswerTask
from shared.runs.services.deps import Deps, RunRef
from shared.workspace.domain.members import at_least
from shared.workspace.domain.tenants import Tenant

if TYPE_CHECKING:
    from shared.notion.ports import TenantNotion
    from shared.runs.domain.state import Waiting

log = logging.getLogger(__name__)
ANSWER_MAX = 2_000  # what humans.respond keeps of an answer's text
ONLY_THE_OWNER = NOT_THE_OWNER.split(":", 1)[0] + ": this comment answered nothing."
USE_DECISION = (
    "This run asks for an approval, which a comment cannot give: set this row's Decision to Approve "
    "or Reject. This comment decided nothing."
)


def answer_by_comment(task: AnswerTask, deps: Deps) -> str:
    """Act on a person's comment on a Runs row, while the run waits for the request the row names
    (else nothing, no reply). The owner's comment, or a member's whose role may answer the request,
    answers a question once; on an approval it gets a reply naming Decision. Anyone else's gets a
    reply that they may not decide. One task at a time acts on a row's changes
    (``run_rows.one_at_a_time``). Returns what happened, in words; never the comment's text."""
    with one_at_a_time(task.tenant_id, task.page_id, deps):
        return _answer(task, deps)


def _answer(task: AnswerTask, deps: Deps) -> str:
    notion = deps.need_notion(task.tenant_id)
    asked = _waited_for(task, deps, notion)
    if isinstance(asked, str):
        return asked
    run_id, waiting = asked
    tenant = deps.need_tenants().get(task.tenant_id)
    comment = None if task.by_owner else notion.get_comment(task.comment_id)
    author = _author(comment) if comment is not None else _owner_id(tenant)
    role = "owner" if task.by_owner else tenant.role_of_authors([author]) if tenant is not None else ""
    if not role or not at_least(role, humans.needed_role(deps, task.tenant_id, waiting)):
        notion.add_comment(task.page_id, ONLY_THE_OWNER)
        log.warning("a comment on a Runs row by someone whose role may not answer it answered nothing")
        return "refused: not the owner nor a member whose role may answer it"
    if waiting.purpose not in humans.ANSWERED:
        notion.add_comment(task.page_id, USE_DECISION)
        return "decides nothing: the request needs Approve or Reject"
    try:
        comment = comment if comment is not None else notion.get_comment(task.comment_id)
        text = _answer_text(comment, task.page_id, author, tenant)
        by = humans.decider(deps, task.tenant_id, author)
        humans.respond(
            deps,
            task.tenant_id,
            run_id,
            "answer",
            text=text,
            request_id=waiting.request_id,
            via="notion",
            by=by,
        )
    except (Conflict, InvalidInput) as exc:  # answered meanwhile (a repeat, a link); not an answer
        return f"decides nothing: {exc.reason}"
    humans.record_decision(RunRef(deps, task.tenant_id, run_id), author, "notion", "answer")
    return f"answered request {waiting.request_id} of run {run_id}"


def _waited_for(task: AnswerTask, deps: Deps, notion: TenantNotion) -> tuple[str, Waiting] | str:
    """The run whose row the agent made at the comment's page and the request it waits for. That holds
    if the row is as the agent wrote it (``run_rows.bound_row``; else it is set back), the request is
    the one its Request names, and the run is the current owner's. Else why not, in words."""
    bound = bound_row(task.tenant_id, task.page_id, deps, told=False)
    if isinstance(bound, str):
        return bound
    run_id, asked = bound
    try:
        waiting = owned_waiting(RunLog(deps, task.tenant_id, run_id))
    except NotFound:
        return "no such run of this owner"
    if waiting is None or waiting.request_id != asked.request_id:
        return "decides nothing: the run does not wait for that request"
    return run_id, waiting


def _owner_id(tenant: Tenant | None) -> str:
    return tenant.owner_user_id if tenant is not None else ""


def _author(comment: dict[str, Any]) -> str:
    """Who Notion says wrote the comment ("" when it does not say)."""
    return str((comment.get("created_by") or {}).get("id") or "")


def _answer_text(comment: dict[str, Any], page_id: str, author: str, tenant: Tenant | None) -> str:
    """The comment's text without mentions of the agent, at most ANSWER_MAX characters. InvalidInput
    unless Notion says ``author`` (the owner, or the member whose role was checked) wrote it on this
    row (besides the event's authors)."""
    wrote = (comment.get("created_by") or {}).get("id")
    parent = (comment.get("parent") or {}).get("page_id")
    if (
        not author
        or plain_id(wrote) != plain_id(author)
        or (parent is not None and plain_id(parent) != page_id)
    ):
        raise InvalidInput("the comment is not the owner's or the member's own on this row")
    bot = plain_id(tenant.bot_id if tenant is not None else None)
    parts = [
        str(item.get("plain_text") or (item.get("text") or {}).get("content", ""))
        for item in comment.get("rich_text") or []
        if isinstance(item, dict) and not (bot and _mentions(item, bot))
    ]
    return "".join(parts).strip()[:ANSWER_MAX]


def _mentions(item: dict[str, Any], bot: str) -> bool:
    mention = item.get("mention") if item.get("type") == "mention" else None
    user = mention.get("user") if isinstance(mention, dict) else None
    return isinstance(user, dict) and plain_id(str(user.get("id", ""))) == bot
