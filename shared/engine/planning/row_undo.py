"""An undo asked on a run's row in the agent's Runs database: a person sets its Decision to "Undo" (or
"Undo with child runs") once the run has ended. It is checked as the console's undo is (decision
0223): one person's change, a member whose role may undo runs, the run's starter, an approver or the
owner, within the window and their reach. The undo's id follows from the run, so a second delivery
starts nothing new. The row's Decision is then cleared and the person answered by a comment.
"""

import logging
from collections.abc import Sequence
from typing import Any

from shared.engine.planning.context import starter_reaches
from shared.engine.planning.undo import Asking, ask_undo
from shared.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.runs.domain.rows_task import DecideTask
from shared.runs.domain.state import Run
from shared.runs.services.deps import Deps
from shared.runs.services.runs import owned_run
from shared.team.services import audit
from shared.undo.domain.asking import Asker
from shared.workspace.domain.members import Member, at_least
from shared.workspace.domain.tenants import Tenant

log = logging.getLogger(__name__)
UNDO_ROLE = "editor"  # the role that may undo a run, as POST /runs/{id}/undo asks
STARTED = "Undo started by {who}: run {undo}. What a person changed since is left as it is, and listed there."
REFUSED = "Nothing was undone: {reason}."


def _asker(task: DecideTask, tenant: Tenant) -> Asker | str:
    """Who asks, as the console's undo knows them; else why nobody may, in words. The owner alone
    (``by_owner``), or one member of the team whose role may undo runs."""
    if task.by_owner:
        owner = tenant.owner_member()
        if owner is None:
            return "the workspace's owner is not known"
        return Asker(member=owner.member_id, person=owner.notion_user_id, role="owner")
    if len(task.authors) != 1:
        return "an undo is asked by one person's change of the row, not several people's at once"
    return member_asker(tenant.member_of_notion_user(task.authors[0]))


def member_asker(member: Member | None) -> Asker | str:
    """``member`` as the undo's asker, if their role may undo runs; else why not, in words. The Runs
    row's Undo and Slack's "Undo this run" button both ask through it."""
    if member is None:
        return "only a member of the workspace's team may undo a run"
    if not at_least(member.role, UNDO_ROLE):
        return f"a {member.role} may not undo a run: ask an editor, an admin or the owner"
    return Asker(member=member.member_id, person=member.notion_user_id, role=member.role)


def ask_as(
    deps: Deps,
    tenant: Tenant,
    run: Run,
    who: Asker | str,
    *,
    children: bool,
    thread: str = "",
    chosen: Sequence[int] | None = None,
) -> Any:
    """The undo of ``run`` (its ``chosen`` effects; None: all) asked by ``who`` with their reach
    (``ask_undo``'s answer), through the same checks as ``POST /runs/{id}/undo``; Forbidden (``who`` in
    words), Conflict or InvalidInput say why not, storing nothing. ``thread``: the Slack thread the
    undo's end is told in."""
    if isinstance(who, str):
        raise Forbidden(who)
    notion = deps.need_notion(tenant.tenant_id)
    asking = Asking(
        who,
        chosen,
        tenant.owner_reach(who.role),
        lambda page: starter_reaches(notion, tenant, page),
        children,
        thread,
    )
    return ask_undo(deps, run, asking)


def undo_from_row(task: DecideTask, deps: Deps, run_id: str, children: bool) -> str:
    """Start the undo of ``run_id`` (with its child runs when ``children``) that a person asked on
    its row ``task.page_id``, with that person's reach; or refuse, saying why on the row. Either way
    the Decision is cleared. Returns what happened, in words."""
    tenants, notion = deps.need_tenants(), deps.need_notion(task.tenant_id)
    tenant = tenants.get(task.tenant_id, fresh=True)  # who is a member, and their role, as now
    if tenant is None:
        return "decides nothing: no such workspace"
    try:
        run = owned_run(task.tenant_id, run_id, deps.store, tenants)
    except NotFound:
        return "no such run of this owner"
    who = _asker(task, tenant)
    try:
        asked = ask_as(deps, tenant, run, who, children=children)
    except (Forbidden, Conflict, InvalidInput) as refused:
        _cleared(deps, task)
        notion.add_comment(task.page_id, REFUSED.format(reason=refused.reason.rstrip(".")))
        log.info("an undo asked on a Runs row was refused")
        return f"refused: {refused.reason}"
    _cleared(deps, task)
    undo_run = str(asked["run_id"])
    if not asked["made"]:  # a second delivery, or asked again: the same undo, started once
        return f"starts nothing: undo {undo_run} of run {run_id} was asked already"
    assert not isinstance(who, str)  # refused above
    member = tenant.member_of_notion_user(who.person)
    notion.add_comment(
        task.page_id, STARTED.format(who=(member.name if member else "") or "a person", undo=undo_run)
    )
    target = {"run_id": run_id, "undo_run": undo_run}
    source = deps.audit_source() if deps.audit_source is not None else None
    action = "undo with child runs" if children else "undo"
    audit.record(source, tenant, member, "notion", action, now=deps.clock(), target=target)
    return f"undo {undo_run} of run {run_id} started"


def _cleared(deps: Deps, task: DecideTask) -> None:
    """The row's Decision emptied: the ask is answered (the agent's own write, no webhook task)."""
    deps.need_notion(task.tenant_id).update_page_properties(task.page_id, {"Decision": {"select": None}})
