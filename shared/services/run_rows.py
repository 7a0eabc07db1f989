"""The Runs database as a live view of runs, and the owner's decisions made in it. A run's row is
written by the tasks ``followups.enqueue_row`` names. A person's change of a row decides only when
the owner alone made it, for the request the row names; anyone else's is set back and answered
(docs/notion-home.md, "Decisions in Notion")."""

import logging
from typing import Literal

from shared.config import Queue
from shared.domain import run_rows
from shared.domain.runs import Waiting
from shared.domain.tasks.rows import DecideTask, RowTask
from shared.errors import Conflict, ModelFixableError, NotFound, NothingSent
from shared.services import humans, page_notes, run_log, runs
from shared.services.deps import Deps
from shared.services.run_row_index import note_row

log = logging.getLogger(__name__)
NOT_THE_OWNER = (
    "Only the workspace's owner (the person who connected Notion Agent) decides for the agent: this "
    "change decided nothing and was set back."
)


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


def _write_row(task: RowTask, deps: Deps) -> Literal["created", "updated", "skipped"]:
    tenant = deps.need_tenants().get(task.tenant_id)
    home = tenant.home if tenant is not None else None
    logged = run_log.read(deps, task.tenant_id, task.run_id)
    if home is None or home.runs is None or logged is None:
        return "skipped"
    state = logged.state
    page = (state.page_id or "").replace("-", "")
    url = f"https://www.notion.so/{page}" if page else ""
    props = run_rows.properties(task.run_id, state, url, deps.clock(), decision=task.decision)
    notion = deps.need_notion(task.tenant_id)
    outcome: Literal["created", "updated", "skipped"] = "updated"
    row = _kept_row(deps, task, props)
    if row is None:
        row = _row(deps, task.tenant_id, home.runs.data_source_id, task.run_id)
        if row is not None:
            row = notion.update_page_properties(str(row["id"]), props)
        elif task.create:
            where = {"type": "data_source_id", "data_source_id": home.runs.data_source_id}
            row, outcome = notion.create_page(where, props), "created"
        else:
            return "skipped"
        deps.store.keep_row_page(task.tenant_id, task.run_id, str(row["id"]))
        note_row(deps, task.tenant_id, task.run_id, row)
    if task.note:
        page_notes.send_start(deps, task.tenant_id, task.run_id, state, str(row.get("url") or ""))
    return outcome


def _kept_row(deps: Deps, task: RowTask, props: run_rows.JSON) -> run_rows.JSON | None:
    """The row updated at its kept page id; None when none is kept or that page is gone (in the
    trash, or deleted: then it is looked for again)."""
    kept = deps.store.row_page(task.tenant_id, task.run_id)
    if kept is None:
        return None
    try:
        return deps.need_notion(task.tenant_id).update_page_properties(kept, props)
    except (NotFound, ModelFixableError):  # Notion's 404, or 400 for a page in the trash
        log.info("run %s: its kept Runs row is gone; looking for it again", task.run_id)
        return None


def _row(deps: Deps, tenant_id: str, source_id: str, run_id: str) -> dict[str, object] | None:
    where = {"property": "Run id", "rich_text": {"equals": run_id}}
    return next(iter(deps.need_notion(tenant_id).query_data_source(source_id, filter=where)), None)


def apply_row_decision(task: DecideTask, deps: Deps) -> str:
    """Act on a person's change of a Runs row. The owner's Approve or Reject of the request the row
    names is recorded once; a repeat, or a change for an older request, decides nothing. Anyone
    else's is set back to Waiting and answered with a comment. Returns what happened, in words."""
    notion = deps.need_notion(task.tenant_id)
    asked = run_rows.decision_of(notion.retrieve_page(task.page_id))
    decision = asked.decision
    if decision == "" or not asked.run_id:
        return "the row asks nothing"
    try:
        waiting = owned_waiting(deps, task.tenant_id, asked.run_id)
    except NotFound:
        return "no such run of this owner"
    current = waiting is not None and waiting.request_id == asked.request_id
    if not task.by_owner:
        if current:
            notion.update_page_properties(task.page_id, {"Decision": {"select": {"name": "Waiting"}}})
        notion.add_comment(task.page_id, NOT_THE_OWNER)
        log.warning("a Runs row's decision by someone other than the owner was refused and set back")
        return "refused: not the owner"
    if not current:
        return "decides nothing: the run does not wait for that request"
    try:
        humans.respond(
            deps, task.tenant_id, asked.run_id, decision, request_id=asked.request_id, via="notion"
        )
    except Conflict as exc:  # decided meanwhile (this change delivered twice, a link, the console)
        return f"decides nothing: {exc.reason}"
    return f"{decision}d request {asked.request_id} of run {asked.run_id}"


def owned_waiting(deps: Deps, tenant_id: str, run_id: str) -> Waiting | None:
    """What run ``run_id`` waits for, as its log has it (None: nothing); NotFound unless it is a run
    of the workspace's current owner (``runs.owned_run``)."""
    runs.owned_run(tenant_id, run_id, deps.store, deps.need_tenants())
    logged = run_log.read(deps, tenant_id, run_id)
    return logged.state.waiting if logged is not None else None
