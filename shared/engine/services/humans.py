"""People in the loop: approve, reject or answer a waiting run (by session or signed link), and pause,
resume or cancel a run (or all of a workspace's held runs at its disconnect).

Every change is one event appended after the state just read from the log (``RunLog.read``), so of
decisions made at once exactly one is recorded and the others are a 409. Follow-ups of a decision go
only after it is recorded, by name; the same decision tried again resends them (still a 409). While
a step's intent holds its lease, cancel and pause are a 409. Why: docs/engine.md, "Humans".
"""

import math
from typing import Any, Literal

from shared.engine.services.run_log import Logged, RunLog
from shared.notify.services import links
from shared.platform.config import PlatformSecret
from shared.platform.domain import signed_tokens
from shared.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.runs.domain.approval_digests import page_digest
from shared.runs.domain.events import (
    HumanResponded,
    RunCancelled,
    RunEvent,
    RunFinished,
    RunPaused,
    RunResumed,
    RunRetried,
    RunStatus,
    ToolIntent,
)
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunState, Waiting, role_needed
from shared.runs.services import spend
from shared.runs.services.deps import Deps, RunRef
from shared.team.domain.audit import Surface
from shared.team.services import audit
from shared.workspace.domain.members import Approvers, Member, at_least
from shared.workspace.domain.tenants import TenantStatus

Decision = Literal["approve", "reject", "answer"]
ANSWERED = ("question", "verdict")  # the requests a person answers (in words), never approves


def _read(runlog: RunLog) -> Logged:
    """The run as its log has it, and the intent a step holds (``RunLog.read_past``); an intent the
    document folds in (a step stopped for its budget after it) holds nothing. NotFound if none."""
    logged = runlog.read()
    if logged is None:
        raise NotFound(f"run {runlog.run_id} was not found")
    return logged


def _state(runlog: RunLog) -> RunState:
    return _read(runlog).state


def _not_acting(deps: Deps, run_id: str, held: ToolIntent | None, action: str) -> None:
    """Refuse to change a run whose step may be carrying out its effect right now (its intent's lease
    lasts): it cannot be stopped halfway, and recording the change would only keep its result out of
    the log. The step usually records within seconds; a holder that died holds it until the lease
    runs out, and then the change is recorded after its intent."""
    now = deps.clock()
    if held is None or held.lease_until <= now:
        return
    wait = math.ceil((held.lease_until - now).total_seconds())
    raise Conflict(
        f"run {run_id} is carrying out step {held.step} ({held.tool}) right now, which cannot be stopped "
        f"halfway: {action} again in a moment, once the step has recorded its result, or in {wait} s "
        "(when its lease runs out, if the step never finishes)",
        retry_after_s=wait,
    )


def _record(runlog: RunLog, state: RunState, events: list[RunEvent]) -> RunState:
    """Write ``events`` after ``state`` and send what follows them (``RunLog.record``), only if no
    write came since, usage included: Conflict otherwise, and nothing is recorded."""
    new = runlog.record(state, events, after_usage=False)
    if new is None:
        raise Conflict("the run changed meanwhile (a step is in progress); try again in a moment")
    return new


def respond(
    deps: Deps,
    tenant_id: str,
    run_id: str,
    decision: Decision,
    *,
    text: str = "",
    via: Literal["link", "session", "key", "notion", "slack"] = "session",
    request_id: str | None = None,
    role: str = "owner",
    by: Member | None = None,
) -> RunState:
    """Record ``decision`` on the request the run waits for (``request_id``, if named). A request
    only a person decides (a change beyond the run's own pages, a debate's verdict, a limit's
    "continue?") is never approved or answered by an API key (Forbidden, :func:`_person_only`). Approving or answering needs the ``role`` the tenant's approvers name for
    the request's classes (:func:`check_role`); anyone may reject. ``by``: who decides, recorded
    on the decision by name (else email) and member id, so the timeline says who it was."""
    runlog = RunLog(deps, tenant_id, run_id)
    state = _state(runlog)  # no step acts while a run waits for a person (_read)
    waiting = state.waiting
    if (
        state.status != RunStatus.WAITING_FOR_HUMAN
        or waiting is None
        or request_id not in (None, waiting.request_id)
    ):
        # The retry of a decision whose follow-ups failed half-way sends them: an ended run's always,
        # a running one's only if this very decision was recorded (another one stays refused).
        if state.status.terminal:
            _send_followups(runlog, state)
        elif _matches_recorded_decision(runlog, request_id, decision):
            runlog.followup(state)
        _refuse_settled(runlog, request_id)
        if state.status == RunStatus.WAITING_FOR_HUMAN and waiting is not None:
            raise Conflict(
                f"run {run_id} no longer waits for request {request_id}: it now asks {waiting.request_id}"
                " (read the run again and decide on that)"
            )
        raise Conflict(f"run {run_id} is not waiting for this decision (it is {state.status.value})")
    # A decision of the wrong kind is well formed; the request waiting is what refuses it (409).
    if decision == "answer" and waiting.purpose not in ANSWERED:
        raise Conflict(f"request {waiting.request_id} needs approve or reject, not an answer")
    if decision == "approve" and waiting.purpose in ANSWERED:
        raise Conflict(
            f"request {waiting.request_id} is a {waiting.purpose}: answer it, or reject it to end the run"
        )
    if decision == "answer" and not text.strip():
        raise InvalidInput("an answer needs a non-blank text", ["text"])
    if decision != "reject" and via == "key":
        _person_only(waiting)
    if decision != "reject":
        check_role(deps, tenant_id, waiting, role)
        _not_its_starter(state, waiting, role, by)
    if decision == "approve" and waiting.budget:
        _check_tenant_budget(deps, tenant_id)
    seqs, at = RunLog.after(state), deps.clock()
    events: list[RunEvent] = [
        seqs.event(
            HumanResponded,
            at=at,
            request_id=waiting.request_id,
            decision=decision,
            text=text[:2000],
            via=via,
            by=(by.name or by.email)[:200] if by is not None else "",
            by_member=by.member_id[:200] if by is not None else "",
        )
    ]
    replanned = None
    if decision == "reject":
        reason = _rejected(state, by, text)
        if state.on_reject == "replan" and waiting.purpose == "approval":
            replanned = f"{run_id[:100]}-re{state.last_seq}"
            reason += f"; replanned as run {replanned}"
        events.append(
            seqs.event(RunFinished, at=at, status=RunStatus.CANCELLED, summary=reason, replanned_as=replanned)
        )
    # What follows, only once recorded: a rejection that lost to another decision plans nothing. If
    # sending fails (the queue is down, the instance dies), the decision's retry sends it (above), by
    # name, once.
    new = _record(runlog, state, events)
    _replan_rejected(deps, tenant_id, new, text)
    return new


def _rejected(state: RunState, by: Member | None, text: str) -> str:
    """A rejected run's end, in words; one whose page lay beyond its starter's reach says so."""
    said = f": {text[:300]}" if text else ""
    if not state.page_beyond:
        return f"rejected by the owner{said}"
    who = (by.name or by.email) if by is not None else "a person"
    return (
        f"not started: {who} did not let it read page {state.page_id}, which lies beyond the reach of "
        f"the person who started it{said}"
    )


def _not_its_starter(state: RunState, waiting: Waiting, role: str, by: Member | None) -> None:
    """Forbidden for the person who started a run to approve its start from a page beyond their reach
    (decision 0147): an escalation is someone else's to approve, whatever their role became since. The
    owner's own approval stands (their reach is the whole workspace)."""
    if not state.page_beyond or not waiting.request_id.startswith("reach-") or role == "owner" or by is None:
        return
    starters = {p.notion_user_id.replace("-", "").lower() for p in state.people}
    if by.notion_user_id.replace("-", "").lower() in starters:
        raise Forbidden(
            "you started this run: reading a page beyond your reach needs someone else's approval (the "
            "owner, or whoever approves reads beyond a run's reach); you may reject it"
        )


def _person_only(waiting: Waiting) -> None:
    """Forbidden for an API key's approval or answer of a request only a person decides: a change
    beyond the run's own pages, a debate's verdict (its judge is the owner in person). So is a limit's
    "continue?" (errors in a row, a loop, a budget: a key approving it again and again would make
    the limit meaningless). A key may still reject any of them."""
    if waiting.request_id.startswith("reach-") and waiting.effects:
        what = "lets a run read a page beyond the reach of the person who started it"
    elif waiting.effects:
        what = "approves a change beyond the run's own pages"
    elif waiting.purpose == "verdict":
        what = "settles a debate the owner judges"
    elif waiting.purpose == "limit":
        what = "lets a run stopped at its limit continue"
    else:
        return
    raise Forbidden(
        f"only a person {what}: sign in to the console, or use the emailed link; an API key may reject it"
    )


def _refuse_settled(runlog: RunLog, request_id: str | None) -> None:
    """A debate's verdict decided before (decision 0128): a Conflict saying by whom and when. Read
    only when a decision is refused."""
    if request_id is None or not request_id.startswith("verdict-"):
        return
    for e in runlog.events():
        if isinstance(e, HumanResponded) and e.request_id == request_id:
            how = "settled" if e.decision == "answer" else "rejected"
            raise Conflict(
                f"this debate was already {how} by {e.by or 'someone'} at {e.at.isoformat(timespec='seconds')}"
                ": it is settled once"
            )


def needed_role(deps: Deps, tenant_id: str, waiting: Waiting) -> str:
    """The least role that approves or answers ``waiting``: the tenant's approvers, for its classes."""
    tenant = deps.need_tenants().get(tenant_id)
    return role_for(tenant.approvers if tenant is not None else Approvers(), waiting)


def role_for(approvers: Approvers, waiting: Waiting) -> str:
    """The least role that approves or answers ``waiting`` under ``approvers`` (the owner's choice); a
    debate's verdict, the owner (its judge): :func:`shared.runs.domain.state.role_needed`."""
    return role_needed(approvers, waiting)


def check_role(deps: Deps, tenant_id: str, waiting: Waiting, role: str) -> None:
    """Forbidden unless ``role`` approves or answers ``waiting`` (the owner always does)."""
    if role == "owner":
        return
    needed = needed_role(deps, tenant_id, waiting)
    if not at_least(role, needed):
        raise Forbidden(
            f"your role ({role or 'none'}) may not approve or answer this request: it needs {needed} "
            "or above (the owner chooses who approves what); you may reject it"
        )


def _matches_recorded_decision(runlog: RunLog, request_id: str | None, decision: Decision) -> bool:
    """Whether ``decision`` is the one recorded on the request (the latest decided, if none is named).
    Read only when a decision is refused, so the log is read whole."""
    decided = [
        e for e in runlog.events() if isinstance(e, HumanResponded) and request_id in (None, e.request_id)
    ]
    return bool(decided) and decided[-1].decision == decision


def _check_tenant_budget(deps: Deps, tenant_id: str) -> None:
    """Approving a budget stop grants the run one more *run* budget; the workspace's day and month
    budgets stay hard. While one is spent, an approval would only stop the run again at its next model
    call, so it is refused (nothing recorded, the request and its links stay open) saying what to do."""
    spent = spend.tenant_over_budget(deps, tenant_id)
    if spent is None:
        return
    if spent.period == "service":  # the operator's cap over every workspace: no setting lifts it
        raise Conflict(
            f"{spent.reason}, so the run would stop again at once: approve after midnight UTC; reject "
            "to end the run"
        )
    when, setting = (
        ("after midnight UTC", "max_cost_per_day_usd")
        if spent.period == "day"
        else ("on the 1st of next month (UTC)", "max_cost_per_month_usd")
    )
    raise Conflict(
        f"{spent.reason}, so the run would stop again at once: approve {when}, or raise {setting} "
        "in the workspace settings first; reject to end the run"
    )


def _send_followups(runlog: RunLog, state: RunState) -> None:
    """What follows a decision, sent again: the next step or the notice of the end, and a
    rejection's replan. All are named tasks, so sending them again adds nothing."""
    runlog.followup(state)
    if state.replanned_as is not None:  # the rejection's own words, from the log
        text = next((e.text for e in reversed(runlog.events()) if isinstance(e, HumanResponded)), "")
        _replan_rejected(runlog.deps, runlog.tenant_id, state, text)


def _replan_rejected(deps: Deps, tenant_id: str, state: RunState, text: str) -> None:
    """A rejection that asks for another plan (``replanned_as``) plans the new run."""
    if state.replanned_as is not None:
        _replan(deps, tenant_id, state.replanned_as, state, text)


def _replan(deps: Deps, tenant_id: str, new_id: str, state: RunState, text: str) -> None:
    goal = f"{state.goal} (a previous plan was rejected: {text[:300] or 'no reason given'})"
    # A page let in by an approval was let in for that run: the new one waits for its own (0147).
    beyond = state.member and page_digest(state.page_id) in state.approved
    people = [p.notion_user_id for p in state.people if p.notion_user_id][:10] if beyond else []
    task = PlanTask(
        tenant_id=tenant_id,
        run_id=new_id,
        goal=goal[:2000],
        trigger=Trigger(
            kind="manual",
            page_id=state.page_id,
            by_owner=not state.member,
            beyond=beyond,
            people=people,
            thread=state.thread,  # asked in Slack: the new plan answers in the same thread
        ),
    )
    from shared.platform.topology import Queue

    deps.queue.enqueue(Queue.PLAN, task, f"plan:{tenant_id}:{new_id}")


def link_claims(deps: Deps, token: str) -> dict[str, Any]:
    """The claims of a genuine, unexpired decision link of the workspace's current connection.

    A link carries the tenant's ``session_epoch`` from when it was made. A disconnect sets a new one
    (``shared.notion.services.disconnect.disconnect``), so a link mailed before it stops working, as every
    session does: someone who connects the workspace later is not bound by the earlier owner's links.
    Links made before they carried it have none and are refused the same way."""
    key = deps.secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    claims = signed_tokens.verify(token, key, links.DECISION_PURPOSE)
    tenant = deps.need_tenants().get(str(claims["tenant_id"]), fresh=True)
    if tenant is None or tenant.status == TenantStatus.REVOKED:
        raise Forbidden("the workspace was disconnected: this link no longer works")
    epoch = claims.get("epoch")
    if not isinstance(epoch, str) or not tenant.in_epoch(epoch):
        raise Forbidden(
            "the workspace was disconnected since this link was sent, so it no longer works: "
            "decide in the app (POST /runs/<run_id>/approve or /reject)"
        )
    return claims


def respond_by_link(deps: Deps, token: str) -> RunState:
    """Verify a decision link and apply its decision; applying it is what spends the link."""
    claims = link_claims(deps, token)
    tenant_id, run_id, request_id = str(claims["tenant_id"]), str(claims["run_id"]), str(claims["request_id"])
    decision: Decision = "approve" if claims.get("decision") == "approve" else "reject"
    owner = decider(deps, tenant_id, "")  # links are mailed to the owner
    try:
        state = respond(deps, tenant_id, run_id, decision, via="link", request_id=request_id, by=owner)
    except Conflict:
        waiting = _state(RunLog(deps, tenant_id, run_id)).waiting
        if waiting is not None and waiting.request_id == request_id:
            raise  # paused, or a step wrote meanwhile: nothing was recorded, the link still works
        raise Conflict("this link was already used, or the run no longer waits for it") from None
    record_decision(RunRef(deps, tenant_id, run_id), "", "link", decision)
    return state


def link_info(deps: Deps, token: str) -> dict[str, Any]:
    """What a link would do, without doing it (a GET must be safe: mail scanners follow links).
    ``usable``: a POST would apply the decision now. The prompt shown is the link's own request's: a
    run waiting for a later one (the link's request was answered) shows none, as the link is spent."""
    claims = link_claims(deps, token)
    state = _state(RunLog(deps, str(claims["tenant_id"]), str(claims["run_id"])))
    waiting = state.waiting
    ours = waiting is not None and waiting.request_id == str(claims["request_id"])
    usable = ours and state.status == RunStatus.WAITING_FOR_HUMAN
    if usable:
        confirm = "POST to this URL to confirm"
    elif ours:
        confirm = f"the run is {state.status.value}: resume it, then use this link"
    else:
        confirm = "this link was already used, or the run no longer waits for it"
    return {
        "run_id": str(claims["run_id"]),
        "decision": str(claims["decision"]),
        "goal": state.goal,
        "prompt": waiting.prompt if waiting is not None and ours else "",
        "status": state.status.value,
        "usable": usable,
        "confirm": confirm,
    }


def control(
    deps: Deps, tenant_id: str, run_id: str, action: Literal["cancel", "pause", "resume"], reason: str = ""
) -> RunState:
    runlog = RunLog(deps, tenant_id, run_id)
    logged = _read(runlog)
    state = logged.state
    seqs, at = RunLog.after(state), deps.clock()
    if state.status.terminal:  # the retry of a cancel whose follow-ups failed half-way sends them
        runlog.followup(state)
        raise Conflict(f"run {run_id} has already ended ({state.status.value})")
    event: RunEvent
    if action == "cancel":
        event = seqs.event(RunCancelled, at=at, reason=reason[:500] or "cancelled by the owner")
    elif action == "pause":
        if state.status == RunStatus.PAUSED:
            raise Conflict(f"run {run_id} is already paused")
        event = seqs.event(RunPaused, at=at)
    else:
        if state.status != RunStatus.PAUSED:
            if _is_resumed(runlog):  # the retry of a resume whose follow-up failed sends it
                runlog.followup(state)
            raise Conflict(f"run {run_id} is not paused (it is {state.status.value})")
        event = seqs.event(RunResumed, at=at)
    _not_acting(deps, run_id, logged.holder, action)
    return _record(runlog, state, [event])


def retry(deps: Deps, tenant_id: str, run_id: str) -> RunState:
    """Retry the failed run from the step it failed at: a ``run_retried`` in the same log, and the
    step sent again (``RunLog.record``'s follow-up). Its intent, if any, makes the step reconcile
    rather than repeat an effect already done. A run that did not fail, or failed before a step
    (its planning), is a Conflict: run it again instead."""
    runlog = RunLog(deps, tenant_id, run_id)
    logged = _read(runlog)
    state = logged.state
    if state.status != RunStatus.FAILED:
        raise Conflict(
            f"run {run_id} did not fail (it is {state.status.value}): only a failed run is retried"
        )
    if not 1 <= state.cursor <= len(state.steps):
        raise Conflict(f"run {run_id} failed before any step (its planning): run it again instead")
    _not_acting(deps, run_id, logged.holder, "retry")
    event = RunLog.after(state).event(RunRetried, at=deps.clock(), step=state.cursor)
    return _record(runlog, state, [event])


def cancel_held(deps: Deps, tenant_id: str, reason: str, page: int = 100) -> int:
    """Cancel the tenant's runs that wait for a person or are paused (``RunStore.held``): no step
    reaches them to find that their workspace no longer runs them, as it does for a running run
    (``Deps.tenant_stops``). Each is an owner's cancel (:func:`control`, its follow-ups with it: the
    end notice, its page released). One a step moves meanwhile is left to that step. Returns how many
    were cancelled; a repeat finds only those still held."""
    cancelled = 0
    moving: set[str] = set()
    while True:
        held = [r for r in deps.store.held(tenant_id, page + len(moving)) if r not in moving]
        if not held:
            return cancelled
        for run_id in held:
            try:
                control(deps, tenant_id, run_id, "cancel", reason)
                cancelled += 1
            except Conflict:  # a step writes meanwhile: it meets the stop before its next tool
                moving.add(run_id)


def _is_resumed(runlog: RunLog) -> bool:
    """Whether the run's latest pause was resumed. Read only when a resume is refused."""
    changes = [e for e in runlog.events() if isinstance(e, RunPaused | RunResumed)]
    return bool(changes) and isinstance(changes[-1], RunResumed)


def decider(deps: Deps, tenant_id: str, notion_user_id: str) -> Member | None:
    """The member who decides outside the api: the one who is ``notion_user_id`` ("": the owner, to
    whom links are mailed); None when the tenant or that person is unknown."""
    tenant = deps.tenants.get(tenant_id) if deps.tenants is not None else None
    if tenant is None:
        return None
    return tenant.member_of_notion_user(notion_user_id) if notion_user_id else tenant.owner_member()


def record_decision(run: RunRef, notion_user_id: str, surface: Surface, decision: str) -> None:
    """Record a decision on ``run`` made outside the api (a Runs row, a comment, a mailed link): by the
    member who is ``notion_user_id`` ("": the owner, to whom links are mailed)."""
    deps, tenant_id, run_id = run
    if deps.audit_source is None or deps.tenants is None:
        return
    tenant = deps.tenants.get(tenant_id)
    if tenant is None:
        return
    member = tenant.member_of_notion_user(notion_user_id) if notion_user_id else tenant.owner_member()
    audit.record(
        deps.audit_source(), tenant, member, surface, decision, now=deps.clock(), target={"run_id": run_id}
    )
