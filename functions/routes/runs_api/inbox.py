"""The approvals inbox: every run waiting for a decision that the person asking
may make, approving or answering within their role, each with the whole request, newest first. The
owner's approvers say which role decides which request."""

from typing import Any

from functions._http import Reply
from functions.routes import Call
from shared.engine.services import humans
from shared.runs.domain.events import RunStatus
from shared.runs.domain.state import Waiting
from shared.runs.services import runs
from shared.workspace.domain.members import Approvers, at_least

INBOX_READ = 100  # the waiting runs read for one answer, newest first; `more` says when there are others


def mine(role: str, approvers: Approvers, listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The listed waiting runs a person of ``role`` may approve or answer, each with ``needs``: the
    least role that decides it. The owner decides every one; a role no one knows, none."""
    kept = []
    for run in listed:
        if run["waiting"] is None:
            continue  # moved on between the query and its read
        needs = humans.role_for(approvers, Waiting.model_validate(run["waiting"]))
        if role == "owner" or at_least(role, needs):
            kept.append(run | {"needs": needs})
    return kept


def inbox(call: Call) -> Reply:
    """``GET /inbox``: the runs waiting for a decision the caller may make, and whether more runs wait
    than were read (``more``: the Runs screen, filtered by "waiting", lists them all)."""
    c = call.container
    viewer = runs.Viewer.of(call.tenants, call.tenant_id, call.role)  # the words of runs beyond them hidden
    page = runs.list_runs(
        call.tenant_id,
        c.runs.store,
        call.tenants,
        limit=INBOX_READ,
        status=RunStatus.WAITING_FOR_HUMAN.value,
        viewer=viewer,
    )
    tenant = call.tenants.get(call.tenant_id)
    approvers = tenant.approvers if tenant is not None else Approvers()
    kept = mine(call.role, approvers, page["runs"])
    for run in kept:  # a code change, rendered as the code view renders it
        run["change"] = runs.waiting_change(call.tenant_id, run["run_id"], c.runs.store)
    return {"runs": kept, "more": page["next_cursor"] is not None}, 200
