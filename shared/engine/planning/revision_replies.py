"""A reply in Notion to a code run's comment starts its revision (decision 0127).
A comment whose thread began with the agent's own comment on a page is such a reply. That page must
have a completed run that opened a pull request. It queues one revision run on that run's branch
(``revision_starts``), if its author may start runs (the owner, or a member who is at least an
editor); no mention needed. Anyone else's reply, or any while the run's agent is paused or a budget
is spent (decision 0131), starts nothing and says nothing."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.code.domain import revisions
from shared.engine.services import revision_starts
from shared.platform.errors import PermanentError
from shared.runs.domain.events import RunStatus
from shared.runs.domain.run_search import RunFilter
from shared.workspace.domain.members import at_least
from shared.workspace.domain.settings import plain_notion_id

if TYPE_CHECKING:
    from shared.engine.planning.request import Planning
    from shared.runs.domain.state import Run
    from shared.workspace.domain.tenants import Tenant

log = logging.getLogger(__name__)

RUNS_OF_A_PAGE = 20  # the page's newest runs looked at for the one whose comment was replied to
STARTS_RUNS = "editor"  # the least role that starts runs (docs/security.md, "Roles")


def may_start_runs(tenant: Tenant, notion_user_id: str) -> bool:
    """Whether the Notion user ``notion_user_id`` is the owner, or a member at least an editor."""
    person = plain_notion_id(notion_user_id)
    if not person:
        return False
    if person == plain_notion_id(tenant.owner_user_id or ""):
        return True
    return any(
        plain_notion_id(m.notion_user_id) == person and at_least(m.role, STARTS_RUNS) for m in tenant.members
    )


def _created(comment: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(comment["created_time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None


def _run_of(p: Planning, page: str, starter: dict[str, Any]) -> Run | None:
    """The page's newest completed run that opened a pull request, made before the thread's first
    comment (when Notion says when that was)."""
    where = RunFilter(status=RunStatus.COMPLETED.value, term=page)
    before = _created(starter)
    for run in p.deps.store.list_runs(p.task.tenant_id, RUNS_OF_A_PAGE, where):
        if before is not None and run.created_at > before:
            continue
        if plain_notion_id(run.state.page_id or "") == page and revision_starts.pull_of_any(run):
            return run
    return None


def revision_by_reply(p: Planning, reply: dict[str, Any], bot_id: str) -> bool:
    """True when comment ``reply`` (as Notion returns it) is a reply to a code run's comment: a
    revision run is then queued, or, for an author who may not start runs, nothing at all. False for
    any other comment, which the other rules judge (a mention, an Ask). Reads the page's comments only
    for a comment in a thread."""
    task, tenant = p.task, p.tenant()
    discussion = str(reply.get("discussion_id") or "")
    page = plain_notion_id(str(task.trigger.page_id or (reply.get("parent") or {}).get("page_id") or ""))
    bot = plain_notion_id(bot_id)
    if not discussion or not page or not bot or tenant is None or task.trigger.kind != "webhook":
        return False
    try:
        thread = [c for c in p.notion().list_comments(page) if c.get("discussion_id") == discussion]
    except PermanentError:
        return False  # the page closed to us since: the other rules say why
    starter = thread[0] if thread else {}
    by = plain_notion_id(str((starter.get("created_by") or {}).get("id") or ""))
    if by != bot or starter.get("id") == reply.get("id"):
        return False
    original = _run_of(p, page, starter)
    if original is None:
        return False
    author = str((reply.get("created_by") or {}).get("id") or "")
    run_id = revisions.revision_run_id(original.run_id, f"notion-{plain_notion_id(str(reply['id']))}")
    why = "not someone who starts runs" if not may_start_runs(tenant, author) or run_id is None else ""
    why = why or revision_starts.held_back(p.deps, original)
    if why or run_id is None:
        log.info("a reply to run %s's comment starts nothing: %s", original.run_id, why)
        return True
    pull = revision_starts.pull_of_any(original) or {}
    text = "".join(str(t.get("plain_text") or "") for t in reply.get("rich_text") or [])
    where = "the run's page in Notion"
    revision = revisions.Revision(
        str(pull.get("repository")),
        int(pull.get("number") or 0),
        str(pull.get("branch")),
        "a member",
        0,
        where,
    )
    goal = revisions.revision_goal(revision, text, original.run_id)
    rule = f"a reply to run {original.run_id}'s comment in Notion"
    owner = plain_notion_id(author) == plain_notion_id(tenant.owner_user_id or "")
    task_ = revision_starts.revision_task(original, run_id, goal, rule, [author], member=not owner)
    revision_starts.queue_revision(p.deps.queue, task_)
    log.info("a reply to run %s's comment → revision run %s", original.run_id, run_id)
    return True
