"""What comes after a state, enqueued by name so a repeat is harmless. That is the next step, the
planning of a run that has none yet, the message asking a person, or the notice that the run ended.
An end also plans its page's change that came while it ran, and keeps its entry in its agent's record. Step tasks go to execute-step, or to
deploy for a GitHub or Vercel step. They are named from (run, step, log position): a repeat gets the
same name, which the queue refuses, while a step re-run after a decision or a delayed retry gets a
new one.
"""

from typing import Any

from shared.agents.services import records
from shared.engine.agent.approvals import literal
from shared.engine.services import page_notes
from shared.notify.domain.mail_threads import MAIL_THREAD_CHANNEL, MAIL_THREAD_KEY, parse_mail_thread
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.domain.slack_threads import (
    ANSWERED_BY_REPLY,
    REPLY_TO_ANSWER,
    THREAD_KEY,
    UNDO_EFFECTS_KEY,
    UNDO_KEY,
    parse_thread,
)
from shared.platform.topology import Queue
from shared.runs.domain import page_notes as dpn
from shared.runs.domain.children import fanout as fo
from shared.runs.domain.events import HumanRequested, ToolResult
from shared.runs.domain.plan_task import PlanTask, Trigger, page_key
from shared.runs.domain.rows_task import RowTask
from shared.runs.domain.run_rows import row_interval_s
from shared.runs.domain.state import RunState, RunStatus
from shared.runs.domain.step_task import StepTask
from shared.runs.services.deps import RunRef
from shared.undo.domain.asking import undoables
from shared.undo.domain.told import outcome_words
from shared.workspace.domain.integrations import DEPLOY_TOOLS


def step_queue(state: RunState) -> Queue:
    """Where the current step runs: GitHub and Vercel steps on deploy, every other on execute-step."""
    steps = state.steps
    on_deploy = 0 < state.cursor <= len(steps) and steps[state.cursor - 1].tool in DEPLOY_TOOLS
    return Queue.DEPLOY if on_deploy else Queue.EXECUTE_STEP


def enqueue_step(
    run: RunRef, state: RunState, *, delay_s: float = 0.0, tag: str = "", paced: int = 0
) -> None:
    deps, tenant_id, run_id = run
    body = StepTask(tenant_id=tenant_id, run_id=run_id, step=state.cursor, paced=paced)
    name = f"step:{tenant_id}:{run_id}:{state.cursor}:{state.last_seq}{tag}"
    if step_queue(state) == Queue.DEPLOY:  # each queue named here, where IAM review can see it
        deps.queue.enqueue(Queue.DEPLOY, body, name, delay_s)
    else:
        deps.queue.enqueue(Queue.EXECUTE_STEP, body, name, delay_s)


def enqueue_followup(run: RunRef, state: RunState, *, tag: str = "", delay_s: float = 0.0) -> None:
    """The task that follows ``state``, by name; ``delay_s``: a running run's next step runs that much
    later (a long Retry-After), other follow-ups at once."""
    deps, tenant_id, run_id = run
    if state.status == RunStatus.RUNNING and not state.steps:
        # Approved by a person: planned at once, never held back; the plan still records the run's
        # own trigger (``planning``), so a page's change run releases its page.
        # Who started it stays said (a page let in by an approval names its starter again: 0147).
        people = [p.notion_user_id for p in state.people if p.notion_user_id][:10]
        trigger = Trigger(
            kind="manual",
            page_id=state.page_id,
            by_owner=not state.member,
            people=people,
            thread=state.thread,
        )
        task = PlanTask(tenant_id=tenant_id, run_id=run_id, goal=state.goal[:2000], trigger=trigger)
        deps.queue.enqueue(Queue.PLAN, task, f"plan:{tenant_id}:{run_id}:{state.last_seq}{tag}")
    elif state.status == RunStatus.RUNNING:
        enqueue_step(run, state, delay_s=delay_s, tag=tag)
    elif state.status == RunStatus.WAITING_FOR_HUMAN and state.waiting is not None:
        _ask(run, state)
    elif state.status.terminal:
        _tell_the_end(run, state)
        _plan_page_change(run, state)
        _wake_parent(run, state)
        _keep_record(run, state)


def _keep_record(run: RunRef, state: RunState) -> None:
    """The ended run's entry in its agent's record (decision 0170): its log read once, kept by one
    batched write unless kept already (decision 0189), so a repeat of this follow-up counts nothing twice."""
    deps, tenant_id, run_id = run
    agents = deps.agents()
    if agents is None:
        return
    events = deps.store.list_events(tenant_id, run_id)
    records.keep_end(agents, tenant_id, run_id, state, events, child=dpn.map_child(run_id, state))


def _wake_parent(run: RunRef, state: RunState) -> None:
    """A child's end, told its parent. A map's child (``domain.fanout``) counts its map's ended
    children (its own marker among them), starts those the count allows (:func:`restart`) and, the
    last to end, wakes the fan-in. A hand-off's wakes the parent if it waits. The parent's step runs
    again now, named by the child, so a repeat of this follow-up adds nothing."""
    deps, tenant_id, run_id = run
    if not state.parent_run_id:
        return
    parent = deps.store.get_run(tenant_id, state.parent_run_id)
    if parent is None or parent.state.status != RunStatus.RUNNING:
        return
    where = fo.place(run_id, state.parent_run_id)
    spec = parent.state.outputs.get(str(where.step)) if where is not None else None
    if where is not None and isinstance(spec, dict) and "window" in spec:
        ended = deps.store.count_ended(tenant_id, parent.run_id, where.step)
        restart(RunRef(deps, tenant_id, parent.run_id), where.step, spec, ended=ended, first=ended)
        if ended < int(spec["count"]):
            return
    if parent.state.retry_at is None:
        return
    body = StepTask(tenant_id=tenant_id, run_id=parent.run_id, step=parent.state.cursor, woken=True)
    name = f"step:{tenant_id}:{parent.run_id}:{parent.state.cursor}:{parent.state.last_seq}:woken:{run_id}"
    deps.queue.enqueue(Queue.EXECUTE_STEP, body, name)


def restart(
    parent: RunRef,
    step: int,
    spec: dict[str, Any],
    *,
    ended: int,
    first: int | None = None,
) -> None:
    """Start, by name, the children of ``parent``'s map at ``step`` that ``ended`` ended children allow
    (``fanout.startable``; from ``first``, by default all past the first window). A name already
    used is refused by the queue, and a child already made is not made again (``planning``)."""
    deps, tenant_id, parent_run_id = parent
    window, count = int(spec["window"]), int(spec["count"])
    for index in fo.startable(count, window, ended, 0 if first is None else first):
        task = fo.child_task(tenant_id, parent_run_id, step, index, spec)
        deps.queue.enqueue(Queue.PLAN, task, f"plan:{tenant_id}:{task.run_id}")


def _tell_the_end(run: RunRef, state: RunState) -> None:
    """A message that the run ended. A run with a page notes its result there (``page_notes``) unless
    its owner chose no notes; otherwise its owner hears it on the first channel that can carry it,
    never the page, or, taking the daily digest, in the digest. Its agent's ``reports_to`` chooses
    first: a Notion comment on its page, or a notification. A map's child sends none.
    """
    deps, tenant_id, run_id = run
    if dpn.map_child(run_id, state):  # its parent's end message tells its news
        return
    _end_in_thread(run, state)
    tenant = deps.tenants.get(tenant_id) if deps.tenants is not None else None
    settings = tenant.settings if tenant is not None else None
    chosen = state.reports_to == "notion_comment" and bool(state.page_id)
    if chosen or (not state.reports_to and dpn.on_the_page(settings, state)):
        page_notes.enqueue(run, state, dpn.end(run_id, state))
        return
    if settings is not None and settings.digest and state.reports_to != "notification":
        return
    note = NotifyTask(
        notification_id=f"{run_id}-{state.status.value}",
        tenant_id=tenant_id,
        run_id=run_id,
        subject=f"Run {state.status.value.replace('_', ' ')}: {state.title}"[:300],
        text=state.summary[:20_000],
        run_started_at=state.started_at,
    )
    deps.queue.enqueue(Queue.NOTIFY, note, f"notify:{tenant_id}:{note.notification_id}")


def _plan_page_change(run: RunRef, state: RunState) -> None:
    """An ended run started by its page's changes releases the page. The latest change that came
    while it held the page, and that it may not have read, is planned now (by name: a repeat of
    this follow-up enqueues nothing new)."""
    deps, tenant_id, run_id = run
    if not state.page_id or state.trigger != "webhook" or deps.settings.webhook_coalesce_s <= 0:
        return
    change = deps.store.release_page(tenant_id, page_key(state.page_id), run_id)
    if change is not None and state.replanned_as is None:  # a replan reads the page afresh anyway
        deps.queue.enqueue(Queue.PLAN, change, f"plan:{tenant_id}:{change.run_id}:after:{run_id}")


def _quoted_goal(goal: str) -> str:
    """The run's goal (a model's or a person's words) as a literal that fits a subject (300)."""
    quoted = literal(goal[:200])
    return quoted if len(quoted) <= 270 else literal(goal[:40])  # escapes take up to 6 characters


def _earlier_request(run: RunRef, request_id: str) -> str:
    """The request the run asked just before ``request_id`` (its log read once), "" for its first:
    a follow-up delivered late names the same one."""
    deps, tenant_id, run_id = run
    before = ""
    for event in deps.store.list_events(tenant_id, run_id):
        if isinstance(event, HumanRequested):
            if event.request_id == request_id:
                return before
            before = event.request_id
    return before


def _ask(run: RunRef, state: RunState) -> None:
    deps, tenant_id, run_id = run
    assert state.waiting is not None
    request_id = state.waiting.request_id
    data: dict[str, object] = {"run_id": run_id, "request_id": request_id, "purpose": state.waiting.purpose}
    if state.page_id and not state.page_beyond:  # a page beyond its starter's reach gets no comment
        data["page_id"] = state.page_id
        earlier = _earlier_request(run, request_id)
        if earlier:  # on its page, one comment per run's decisions, updated
            data["replaces"] = f"{run_id}-{earlier}"
    # Nothing more: notify mints a decision's links as it sends, into the mail alone (shared.notify.services.links)
    note = NotifyTask(
        notification_id=f"{run_id}-{request_id}",
        tenant_id=tenant_id,
        run_id=run_id,
        subject=f"Your decision is needed: {_quoted_goal(state.title)}",
        text=state.waiting.prompt[:20_000],
        priority="urgent",  # the run waits for this person (shared/notify/services/notifications.py)
        data=data,
        run_started_at=state.started_at,
    )
    deps.queue.enqueue(Queue.NOTIFY, note, f"notify:{tenant_id}:{note.notification_id}")
    asked = {k: v for k, v in data.items() if k in ("run_id", "request_id", "purpose")}
    text = note.text
    if parse_thread(state.thread) is not None and state.waiting.purpose in ANSWERED_BY_REPLY:
        text = f"{note.text[:19_000].rstrip()}\n\n{REPLY_TO_ANSWER}"  # answered by a reply (decision 0201)
    _answer_in_thread(run, state, note.notification_id, text, asked, subject=note.subject)


def _end_in_thread(run: RunRef, state: RunState) -> None:
    """The run's end in the thread it was asked in (Slack's or a mail's). In a Slack thread, an undo
    run's says what it restored and what it left as conflicts. Another run's, with effects that can be
    undone, carries an "Undo this run" button (``undo_blocks``) and, with several, one per effect:
    each press is checked as the Runs row's."""
    deps, tenant_id, run_id = run
    if parse_thread(state.thread) is None:  # a mail thread, or none: the end as it was written
        _answer_in_thread(run, state, f"{run_id}-{state.status.value}", state.summary, {})
        return
    log = deps.store.list_events(tenant_id, run_id)
    undid = [e.output for e in log if isinstance(e, ToolResult) and e.tool == "undo_effect"]
    text = f"{state.summary}\n{outcome_words(undid)}" if undid else state.summary
    offered = undoables(log) if not undid else []
    data: dict[str, object] = {UNDO_KEY: run_id} if offered else {}
    if len(offered) > 1:  # each also offered alone, newest first, as the undo takes them back
        data[UNDO_EFFECTS_KEY] = [
            [u.effect.id, f"{u.effect.tool} on {u.page}"[:200]] for u in reversed(offered)
        ]
    _answer_in_thread(run, state, f"{run_id}-{state.status.value}", text, data)


def _answer_in_thread(
    run: RunRef, state: RunState, about: str, text: str, data: dict[str, object], *, subject: str = ""
) -> None:
    """A run asked in a Slack or mail thread (``state.thread``) answers there too: its request (with
    ``data`` naming it: in Slack with Approve and Decline buttons, by mail with the run's link to
    decide in the console) or its end. Each is a notification of its own (``<about>-slack`` or
    ``<about>-mail``), its task named by it: a repeated follow-up enqueues nothing new, and notify
    sends it at most once. Urgent: the person who asked is waiting, whatever the quiet hours."""
    deps, tenant_id, run_id = run
    slack, mail = parse_thread(state.thread), parse_mail_thread(state.thread)
    if slack is not None:
        channel, suffix, where = "slack", "slack", {THREAD_KEY: slack.ref}
    elif mail is not None:
        channel, suffix, where = MAIL_THREAD_CHANNEL, "mail", {MAIL_THREAD_KEY: mail.ref}
    else:
        return
    ended = f"Run {state.status.value.replace('_', ' ')}: {state.title}"
    note = NotifyTask(
        notification_id=f"{about}-{suffix}",
        tenant_id=tenant_id,
        run_id=run_id,
        subject=(subject or ended)[:300],
        text=text[:20_000],
        channel=channel,
        priority="urgent",
        data=data | where,
        run_started_at=state.started_at,
    )
    deps.queue.enqueue(Queue.NOTIFY, note, f"notify:{tenant_id}:{note.notification_id}")


def enqueue_row(run: RunRef, before: RunStatus | None, after: RunState) -> None:
    """After a transition: the task that writes the run's row, named so that a start, a wait and an
    end each get theirs and the steps between share one per interval. That interval
    (``run_rows.row_interval_s``) grows while more of the workspace's runs are running. Nothing
    without a Runs database."""
    deps, tenant_id, run_id = run
    tenant = deps.tenants.get(tenant_id) if deps.tenants is not None else None
    if tenant is None or tenant.home is None or tenant.home.runs is None:
        return
    prefix, delay_s = f"row:{tenant_id}:{run_id}", 0.0
    waits = after.status == RunStatus.WAITING_FOR_HUMAN
    task = RowTask(tenant_id=tenant_id, run_id=run_id, create=True, decision=waits)
    if before is None:
        name = f"{prefix}:start"
        task = task.model_copy(update={"note": dpn.on_the_page(tenant.settings, after)})
    elif after.status.terminal:
        name = f"{prefix}:end"
    elif waits:
        name = f"{prefix}:wait:{after.last_seq}"
    else:
        every = row_interval_s(deps.store.count_running(tenant_id), deps.settings.notion_rate_per_s)
        now = deps.clock().timestamp()
        name, delay_s = f"{prefix}:{every:g}:{int(now // every)}", every - now % every
        task = task.model_copy(update={"create": False})
    deps.queue.enqueue(Queue.EXECUTE_STEP, task, name, delay_s=delay_s)
