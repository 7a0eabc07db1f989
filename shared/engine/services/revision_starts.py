"""Revision runs started by a comment (decision 0127). A writer's comment naming the
agent on a pull request a completed run opened, or a reply in Notion to that run's comment, queues ONE
revision run. It works on the original run's branch, with its agent and reach (a child of it, bounded
by its reach). The run's id follows from the original run and the comment; its plan task is named from
it, so a repeated delivery queues nothing more. A paused agent or a spent budget starts none (decision
0131). Every push in it still waits for the owner's approval.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from shared.agents.services import agents
from shared.code.domain import github_events, revisions
from shared.platform.topology import Queue
from shared.runs.domain.events import RunStatus
from shared.runs.domain.plan_task import Bound, PlanTask, Trigger
from shared.runs.domain.run_search import RunFilter
from shared.runs.services import spend
from shared.workspace.domain.tenants import tenant_tag

if TYPE_CHECKING:
    from shared.platform.ports import TaskQueue
    from shared.runs.domain.state import Run
    from shared.runs.ports import RunStore
    from shared.runs.services.deps import Deps

log = logging.getLogger(__name__)

SCANNED = 50  # the newest completed runs looked at for a pull request's number (no branch given)


def pull_of(run: Run, repository: str | None, number: int | None = None) -> dict[str, Any] | None:
    """The pull request ``run`` opened in ``repository`` (any, if None): the stored output of its
    ``open_pull_request``, the one numbered ``number`` if given; None if it opened none."""
    state = run.state
    for index, step in enumerate(state.steps, start=1):
        out = state.outputs.get(str(index))
        if step.tool != "open_pull_request" or not isinstance(out, dict):
            continue
        if repository in (None, out.get("repository")) and number in (None, out.get("number")):
            return out
    return None


def pull_of_any(run: Run) -> dict[str, Any] | None:
    """The first pull request ``run`` opened, in any repository; None if it opened none."""
    return pull_of(run, None)


def original_run(
    runs: RunStore, tenant_id: str, ask: revisions.ReviewAsk
) -> tuple[Run, dict[str, Any]] | None:
    """The completed run that opened the commented pull request, and its stored pull request: found by
    the branch the delivery names, else by the stored number among the newest completed runs."""
    if ask.branch:
        run_id = github_events.run_of(ask.branch, tenant_tag(tenant_id))
        found = [runs.get_run(tenant_id, run_id)] if run_id else []
    else:
        found = list(runs.list_runs(tenant_id, SCANNED, RunFilter(status=RunStatus.COMPLETED.value)))
    for run in found:
        if run is None or run.state.status != RunStatus.COMPLETED:
            continue
        pull = pull_of(run, ask.repository, ask.number)
        if pull is not None and (not ask.branch or pull.get("branch") == ask.branch):
            return run, pull
    return None


def revision_task(
    original: Run, run_id: str, goal: str, rule: str, people: list[str], *, member: bool = True
) -> PlanTask:
    """The plan task of revision run ``run_id``: the original's agent, a child of it, bounded by every
    reach that bounds it and its own. A member's run (reads within reach) unless the owner asked
    (``member`` False) for an original that was not one."""
    state = original.state
    own = {"read": list(state.reach_read), "change": list(state.reach_change)}
    bounds = [dict(b) for b in state.bounds] + [own]
    trigger = Trigger(
        kind="api",
        page_id=state.page_id,
        by_owner=not (state.member or member),
        people=people[:10],
        rule=rule[:300],
    )
    return PlanTask(
        tenant_id=original.tenant_id,
        run_id=run_id,
        goal=goal,
        trigger=trigger,
        agent_id=state.agent_id or None,
        parent_run_id=original.run_id,
        chain=list(state.chain),
        bounds=[Bound.model_validate(b) for b in bounds if b.get("read") or b.get("change")],
    )


def held_back(engine: Deps, original: Run) -> str:
    """Why a revision of ``original`` starts nothing now, as for a Notion event's start. Its agent is
    paused or deleted (``agents.paused``). Or the workspace's day or month budget, or the deployment's
    cap, is spent (``spend.tenant_over_budget``). "" when it may start."""
    store = engine.agents()
    paused = agents.paused(original.tenant_id, original.state.agent_id or None, store) if store else ""
    spent = None if paused else spend.tenant_over_budget(engine, original.tenant_id)
    return paused or (spent.reason if spent is not None else "")


def queue_revision(queue: TaskQueue, task: PlanTask) -> bool:
    """Queue ``task`` by its run's name: False when a repeat found it queued already."""
    return queue.enqueue(Queue.PLAN, task, f"plan:{task.tenant_id}:{task.run_id}")


def from_github(
    runs: RunStore, queue: TaskQueue, tenant_id: str, ask: revisions.ReviewAsk, engine: Deps | None = None
) -> str:
    """``revising: <run>`` when ``ask`` starts (or, repeated, names) a revision run; else ``ignored``,
    with the reason logged and nothing said on GitHub. A bot's or a non-writer's comment reads nothing.
    With ``engine`` (the webhook route's), a paused agent or a spent budget starts none (:func:`held_back`)."""
    if ask.bot or ask.association.upper() not in revisions.WRITERS:
        log.info("github comment %s starts no revision: %s", ask.comment, revisions.refusal(ask))
        return "ignored"
    if (gone := revisions.closed(ask)) is not None and revisions.names_agent(ask.body):
        log.info("github comment %s starts no revision: %s", ask.comment, gone)
        return f"ignored: {gone}"  # the delivery's answer says why
    found = original_run(runs, tenant_id, ask)
    if found is None:
        return "ignored"
    original, pull = found
    names = (original.state.agent_name,) if original.state.agent_name else ()
    why = revisions.refusal(ask, names)
    run_id = revisions.revision_run_id(original.run_id, f"gh-{ask.comment}")
    why = why or ("run id too long" if run_id is None else "")
    if not why and engine is not None:
        why = held_back(engine, original)
    if why or run_id is None:
        log.info("github comment %s starts no revision: %s", ask.comment, why)
        return f"ignored: {why}" if why and why == revisions.closed(ask) else "ignored"
    where = f"{ask.repository}#{ask.number} ({ask.url or 'a review comment'})"
    revision = revisions.Revision(
        ask.repository, ask.number, str(pull.get("branch")), ask.author, int(ask.comment[1:]), where
    )
    goal = revisions.revision_goal(revision, ask.body, original.run_id)
    rule = f"a review comment by {ask.author} on {ask.repository}#{ask.number}"
    queue_revision(queue, revision_task(original, run_id, goal, rule, []))
    log.info("github comment %s → revision run %s of %s", ask.comment, run_id, original.run_id)
    return f"revising: {run_id}"
