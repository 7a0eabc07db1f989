"""Notes a run leaves on the page that started it (``trigger_page_notes``), as notify tasks on the
``notion_comment`` channel, each named by its fixed notification id so it is posted at most once. The
start note goes once the run's Runs row exists (``run_rows.write_row`` links it), or at once without a
Runs database; step notes after each finished step; the end note is ``followups``' end message.
Why: docs/notion-home.md, "Notes on the trigger page"."""

from shared.notify.domain.notify_task import NotifyTask
from shared.platform.topology import Queue
from shared.runs.domain import page_notes
from shared.runs.domain.state import RunState, RunStatus
from shared.runs.services.deps import Deps, RunRef
from shared.workspace.domain.tenants import Tenant


def _tenant(deps: Deps, tenant_id: str) -> Tenant | None:
    return deps.tenants.get(tenant_id) if deps.tenants is not None else None


def after_transition(run: RunRef, before: RunStatus | None, after: RunState) -> None:
    """The notes a transition from ``before`` (None: created) to ``after`` calls for. A run created
    unfinished gets its start note here when there is no Runs database (with one, the row's task
    sends it, linking the row). With ``every_step``, the step that just finished gets its note."""
    if page_notes.map_child(run.run_id, after):
        return
    tenant = _tenant(run.deps, run.tenant_id)
    settings = tenant.settings if tenant is not None else None
    if not page_notes.on_the_page(settings, after):
        return
    if before is None:
        rows = tenant is not None and tenant.home is not None and tenant.home.runs is not None
        if not after.status.terminal and not rows:
            enqueue(run, after, page_notes.start(run.run_id, after, ""))
    elif after.status == RunStatus.RUNNING and after.cursor > 1 and page_notes.every_step(settings, after):
        enqueue(run, after, page_notes.step(run.run_id, after, after.cursor - 1))


def send_start(run: RunRef, state: RunState, row_url: str) -> None:
    """The start note linking the run's row at ``row_url``, unless the owner chose none or the run is
    a map's child."""
    if page_notes.map_child(run.run_id, state):
        return
    tenant = _tenant(run.deps, run.tenant_id)
    if page_notes.on_the_page(tenant.settings if tenant is not None else None, state):
        enqueue(run, state, page_notes.start(run.run_id, state, row_url))


def enqueue(run: RunRef, state: RunState, note: page_notes.Note) -> None:
    """``note`` as a comment on the run's page, by name: a repeat is refused by the queue, and notify's
    record of the id keeps a later one from posting it again."""
    deps, tenant_id, run_id = run
    task = NotifyTask(
        notification_id=note.notification_id,
        tenant_id=tenant_id,
        run_id=run_id,
        channel="notion_comment",
        subject=note.subject,
        text=note.text[:20_000],
        data={"page_id": state.page_id},
        run_started_at=state.started_at,
    )
    deps.queue.enqueue(Queue.NOTIFY, task, f"notify:{tenant_id}:{note.notification_id}")
