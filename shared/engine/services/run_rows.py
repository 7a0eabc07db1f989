"""The Runs database as a live view of runs, and the team's decisions made in it. A run's row is
written by the tasks ``followups.enqueue_row`` names. A person's change of a row decides only on the
row the agent made for the run, as the agent wrote it, for the request the row names. Its authors
must hold the role the decision needs; anyone else's is set back and answered (docs/notion-home.md,
"Decisions in Notion"; decision 0049)."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Literal

from shared.engine.services import humans, page_notes
from shared.engine.services.run_log import RunLog
from shared.platform.errors import (
    Conflict,
    ModelFixableError,
    NotFound,
    NothingSent,
    PermanentError,
    TransientError,
)
from shared.platform.topology import Queue
from shared.runs.domain import run_rows
from shared.runs.domain.events import HumanResponded
from shared.runs.domain.notion_events import plain_id
from shared.runs.domain.page_links import known_urls, page_link
from shared.runs.domain.rows_task import DecideTask, RowTask
from shared.runs.domain.state import RunState, Waiting
from shared.runs.services import runs
from shared.runs.services.deps import Deps, RunRef
from shared.runs.services.run_row_index import note_row
from shared.workspace.domain.members import at_least

log = logging.getLogger(__name__)
NOT_THE_OWNER = (
    "Only the workspace's owner, or a member of its team whose role may decide this request, decides "
    "for the agent: this change decided nothing and was set back."
)
NOT_THE_AGENTS = (
    "Notion Agent did not make this row, so its Decision decides nothing. Decide a run on the row "
    "the agent made for it, or in the console."
)
SET_BACK = (
    "Someone other than Notion Agent changed this row's {changed}. The row was set back as the agent "
    "wrote it, and nothing was decided: read its request again before you decide."
)
ROW_CLAIM = timedelta(minutes=2)  # how long a task making a run's row holds the making, at most
ROW_RETRY_S = 2.0  # when a task that found the row being made tries again: making it takes a request
CHANGES_CLAIM = timedelta(minutes=2)  # how long a task acting on a row's changes holds them, at most


def write_row(task: RowTask, deps: Deps) -> Literal["created", "updated", "skipped", "paced"]:
    """Write the run's row as its log has it now: at the page id kept for the run (no query), else
    found by its Run id (one query), else created when ``task.create``; the id is kept. With
    ``task.note``, then the run's start note linking the row. Skipped without a Runs database, a
    run, or a row to update. Paced: a request not sent for the connection's pace; the task is put
    back for its turn."""
    try:
        return _write_row(task, deps)
    except NothingSent as exc:
        if not exc.retry_after_s:
            raise
        turn = int((deps.clock().timestamp() + exc.retry_after_s) * 1000)
        flags = f"{int(task.create)}{int(task.decision)}{int(task.note)}"
        name = f"row:{task.tenant_id}:{task.run_id}:paced:{turn}:{flags}"
        deps.queue.enqueue(Queue.EXECUTE_STEP, task, name, delay_s=exc.retry_after_s)
        return "paced"


def _write_row(
    task: RowTask, deps: Deps, *, set_back: bool = False
) -> Literal["created", "updated", "skipped"]:
    tenant = deps.need_tenants().get(task.tenant_id)
    home = tenant.home if tenant is not None else None
    run = RunLog(deps, task.tenant_id, task.run_id)
    logged = run.read()
    if tenant is None or home is None or home.runs is None or logged is None:
        return "skipped"
    state = logged.state
    url = page_link(
        state.page_id, known_urls([(state.page_id, state.page_url)]), web=deps.settings.notion_web_base_url
    )
    kept = deps.store.row_page(task.tenant_id, task.run_id)
    props = run_rows.properties(
        task.run_id,
        state,
        url,
        deps.clock(),
        decision=task.decision,
        set_back=set_back,
        agent_columns=home.runs.agent_columns,
        decided=_decided(deps, task, state, kept),
    )
    outcome: Literal["created", "updated", "skipped"] = "updated"
    row = _kept_row(deps, task, kept, props)
    if row is None:
        gone = kept.page_id if kept is not None else None
        found = _made_row(deps, task, tenant.bot_id, home.runs.data_source_id, props, gone=gone)
        if found is None:
            return "skipped"
        (row, outcome), kept = found, None
        note_row(run, row)
    written = run_rows.written(props, new_row=outcome == "created")
    if kept is None or any(kept.written.get(k) != v for k, v in written.items()):
        deps.store.keep_row_page(task.tenant_id, task.run_id, str(row["id"]), written)
    if task.note:
        page_notes.send_start(run, state, str(row.get("url") or ""))
    return outcome


def _decided(
    deps: Deps, task: RowTask, state: RunState, kept: run_rows.KeptRow | None
) -> Literal["approve", "reject", "answer", ""] | None:
    """The last decision made on the run, when its row still names a request it no longer waits for
    (decided in the console, by a link, or the run ended): its log read then only. None otherwise,
    and while it still holds a request (waiting, or paused while waiting)."""
    if state.waiting is not None or not run_rows.shows_request(kept):
        return None
    answers = [
        e for e in deps.store.list_events(task.tenant_id, task.run_id) if isinstance(e, HumanResponded)
    ]
    return answers[-1].decision if answers else ""


def _kept_row(
    deps: Deps, task: RowTask, kept: run_rows.KeptRow | None, props: run_rows.JSON
) -> run_rows.JSON | None:
    """The row updated at its kept page id; None when none is kept or that page is gone (in the
    trash, or deleted: then it is looked for again)."""
    if kept is None:
        return None
    try:
        return deps.need_notion(task.tenant_id).update_page_properties(kept.page_id, props)
    except (NotFound, ModelFixableError):  # Notion's 404, or 400 for a page in the trash
        log.info("run %s: its kept Runs row is gone; looking for it again", task.run_id)
        return None


def _made_row(
    deps: Deps, task: RowTask, bot_id: str, source_id: str, props: run_rows.JSON, *, gone: str | None
) -> tuple[run_rows.JSON, Literal["created", "updated"]] | None:
    """The run's row, with no (live) page kept: one another task kept meanwhile, else one the agent
    made that a query by Run id finds, else a new one when ``task.create``; updated with ``props``.
    None: none, and none to make. A task that may make it first claims the making (``claim_row``):
    a start and a wait written at once make one row, not two. A making that fails lets go of its
    claim, so the queue's retry goes on at once."""
    if not task.create:
        row = _row(deps, task, bot_id, source_id)
        notion = deps.need_notion(task.tenant_id)
        return (notion.update_page_properties(str(row["id"]), props), "updated") if row else None
    now = deps.clock()
    try:
        deps.store.claim_row(task.tenant_id, task.run_id, now, now + ROW_CLAIM)
    except TransientError as exc:  # being made: look again soon, not when the lease would end
        raise TransientError(exc.reason, retry_after_s=ROW_RETRY_S) from exc
    try:
        return _make_row(deps, task, bot_id, source_id, props, gone=gone)
    except Exception:  # whatever stopped the making: let go of the lease, then fail as before
        deps.store.release_row(task.tenant_id, task.run_id)
        raise


def _make_row(
    deps: Deps, task: RowTask, bot_id: str, source_id: str, props: run_rows.JSON, *, gone: str | None
) -> tuple[run_rows.JSON, Literal["created", "updated"]]:
    """With the making claimed: the row kept meanwhile, or the agent's own found, or a new one."""
    notion = deps.need_notion(task.tenant_id)
    kept = deps.store.row_page(task.tenant_id, task.run_id)  # made by another task meanwhile?
    if kept is not None and kept.page_id != gone:
        return notion.update_page_properties(kept.page_id, props), "updated"
    row = _row(deps, task, bot_id, source_id)
    if row is not None:
        return notion.update_page_properties(str(row["id"]), props), "updated"
    where = {"type": "data_source_id", "data_source_id": source_id}
    return notion.create_page(where, props), "created"


def _row(deps: Deps, task: RowTask, bot_id: str, source_id: str) -> dict[str, object] | None:
    """The row of the task's run the agent itself made (a query by Run id); a row anyone else made,
    even naming this run, is never taken for it."""
    where = {"property": "Run id", "rich_text": {"equals": task.run_id}}
    rows = deps.need_notion(task.tenant_id).query_data_source(source_id, filter=where)
    bot = plain_id(bot_id)
    return next(
        (r for r in rows if bot and plain_id(str((r.get("created_by") or {}).get("id", ""))) == bot), None
    )


@contextmanager
def one_at_a_time(tenant_id: str, page_id: str, deps: Deps) -> Iterator[None]:
    """Hold the acting on people's changes of the agent's row at ``page_id`` for this task alone,
    then let go. Two tasks reading the row at once would each set back the same change; the later
    write would then undo what the owner decided on the row in between, unseen. A task that finds the
    row held raises TransientError: the queue delivers it again, and it reads the row as it is then.
    A page that is no row of the agent's is not held (what it answers changes nothing)."""
    run_id = deps.need_tenants().run_of_row(tenant_id, plain_id(page_id))
    if run_id is None:
        yield
        return
    now = deps.clock()
    try:
        deps.store.claim_row_changes(tenant_id, run_id, now, now + CHANGES_CLAIM)
    except TransientError as exc:  # another task acts on this row: again soon, not at its lease's end
        raise TransientError(exc.reason, retry_after_s=ROW_RETRY_S) from exc
    try:
        yield
    finally:
        deps.store.release_row_changes(tenant_id, run_id)


# Starts the undo a person asked on an ended run's row (the task, deps, the run, with its child runs):
# shared.engine.planning.row_undo, which this layer cannot import, given by the task's entry point.
UndoAsked = Callable[[DecideTask, Deps, str, bool], str]


def apply_row_decision(task: DecideTask, deps: Deps, undo: UndoAsked | None = None) -> str:
    """Act on a person's change of a Runs row. It counts only on the row the agent made for a run
    (its page id kept), whose Run id, Request and Goal are as the agent wrote them. A row changed
    there by anyone else is set back and the owner told; a row the agent did not make is answered.
    The owner's Approve or Reject of the request the row names is then recorded once. A repeat, or a
    change for an older request, decides nothing. Anyone else's is set back to Waiting and answered
    with a comment. A row Notion cannot read decides nothing (no retry). One task at a time acts on
    a row's changes (:func:`one_at_a_time`). A Decision asking an undo is given to ``undo`` (none:
    it decides nothing). Returns what happened, in words."""
    with one_at_a_time(task.tenant_id, task.page_id, deps):
        return _decide(task, deps, undo)


def _decide(task: DecideTask, deps: Deps, undo: UndoAsked | None = None) -> str:
    bound = bound_row(task.tenant_id, task.page_id, deps, told=True)
    if isinstance(bound, str):
        return bound
    run_id, asked = bound
    if asked.undo:
        return undo(task, deps, run_id, asked.undo == "children") if undo else "decides nothing: no undo here"
    decision = asked.decision or None
    if decision is None:
        return "the row asks nothing"
    refused = _why_not(task, deps, run_id, asked.request_id, decision)
    if refused:
        return refused
    author = "" if task.by_owner or not task.authors else task.authors[0]
    by = humans.decider(deps, task.tenant_id, author)
    try:  # _may_decide checked the authors' role
        humans.respond(
            deps, task.tenant_id, run_id, decision, request_id=asked.request_id, via="notion", by=by
        )
    except Conflict as exc:  # decided meanwhile (this change delivered twice, a link, the console)
        return f"decides nothing: {exc.reason}"
    humans.record_decision(RunRef(deps, task.tenant_id, run_id), author, "notion", decision)
    return f"{decision}d request {asked.request_id} of run {run_id}"


def _may_decide(task: DecideTask, deps: Deps, waiting: Waiting | None, decision: str) -> bool:
    """Whether the change's authors may make ``decision`` on ``waiting``: the owner alone always; else
    each a member of the team, the least of their roles enough (an editor rejects; approving needs
    the role the owner chose for the request's classes). None waiting: only the owner's counts."""
    if task.by_owner:
        return True
    tenant = deps.need_tenants().get(task.tenant_id)
    role = tenant.role_of_authors(task.authors) if tenant is not None else ""
    if not role or waiting is None:
        return False
    needed = "editor" if decision == "reject" else humans.needed_role(deps, task.tenant_id, waiting)
    return at_least(role, needed)


def _why_not(task: DecideTask, deps: Deps, run_id: str, request_id: str, decision: str) -> str:
    """Why the change of a bound row decides nothing ("" when it decides). The run is not the
    owner's, or the change's authors may not make it (then set back to Waiting and answered), or the
    run does not wait for that request."""
    try:
        waiting = owned_waiting(RunLog(deps, task.tenant_id, run_id))
    except NotFound:
        return "no such run of this owner"
    current = waiting is not None and waiting.request_id == request_id
    if not _may_decide(task, deps, waiting if current else None, decision):
        notion = deps.need_notion(task.tenant_id)
        if current:
            notion.update_page_properties(task.page_id, {"Decision": {"select": {"name": "Waiting"}}})
        notion.add_comment(task.page_id, NOT_THE_OWNER)
        log.warning("a Runs row's decision by someone whose role may not make it was refused and set back")
        return "refused: not the owner nor a member whose role may decide it"
    return "" if current else "decides nothing: the run does not wait for that request"


def bound_row(
    tenant_id: str, page_id: str, deps: Deps, *, told: bool
) -> tuple[str, run_rows.RowDecision] | str:
    """The run whose row the agent made at ``page_id`` and what the row asks, when the row is as the
    agent wrote it; else why it decides nothing, in words. A row whose Run id, Request or Goal
    someone else changed is written again as the agent writes it, with a comment saying so. With
    ``told``, a row the agent did not make that asks a decision gets a comment saying it decides
    nothing. The run comes from the agent's own records, never from the row."""
    notion = deps.need_notion(tenant_id)
    run_id = deps.need_tenants().run_of_row(tenant_id, plain_id(page_id))
    kept = deps.store.row_page(tenant_id, run_id) if run_id else None
    try:
        row = notion.retrieve_page(page_id)
    except (NotFound, PermanentError) as exc:  # gone, closed to the agent, the connection revoked
        log.info("a Runs row could not be read, so it decides nothing: %s", exc.reason)
        return "decides nothing: the row could not be read"
    asked = run_rows.decision_of(row)
    if run_id is None or kept is None or plain_id(kept.page_id) != plain_id(page_id):
        if told and asked.decision:
            notion.add_comment(page_id, NOT_THE_AGENTS)
        log.warning("a decision on a Runs row the agent did not make decided nothing")
        return "decides nothing: not a row the agent made"
    changed = run_rows.changed(kept.written, row)
    if changed:
        _write_row(RowTask(tenant_id=tenant_id, run_id=run_id), deps, set_back=True)
        notion.add_comment(page_id, SET_BACK.format(changed=", ".join(changed)))
        log.warning("a Runs row changed by someone other than the agent was set back: %s", changed)
        return f"set back: {', '.join(changed)} changed"
    return run_id, asked


def owned_waiting(run: RunLog) -> Waiting | None:
    """What ``run`` waits for, as its log has it (None: nothing); NotFound unless it is a run of the
    workspace's current owner (``runs.owned_run``)."""
    runs.owned_run(run.tenant_id, run.run_id, run.deps.store, run.deps.need_tenants())
    logged = run.read()
    return logged.state.waiting if logged is not None else None
