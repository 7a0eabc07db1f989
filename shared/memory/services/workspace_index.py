"""Keeping a tenant's workspace index: a page read whole, split into passages, only new passages
embedded (content hash), stored per tenant. A page gone, trashed or no longer shared leaves the
index; a disconnect deletes it; the nightly reconcile catches what events missed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.memory.domain.passages import IndexedPage, StoredPassage, passage_id, split
from shared.notify.domain.provenance import without_signatures
from shared.notion.services.page_read import WHOLE, ReadBudget, read_loaded
from shared.platform.errors import BudgetSpent, PermanentError
from shared.workspace.domain.settings import plain_notion_id
from shared.workspace.domain.tenants import Tenant, TenantStatus

if TYPE_CHECKING:
    from shared.memory.ports import Embedder, PassageStore
    from shared.notion.ports import TenantNotion
    from shared.platform.domain.index_task import IndexTask, ReconcileTask
    from shared.runs.services.deps import Deps
    from shared.workspace.ports import TenantStore

log = logging.getLogger(__name__)
# Seconds one reconcile request indexes before it hands the rest to its next part: under plan's
# request timeout (300 s, terraform/functions.tf), as 2,000 rows take about 11 minutes at Notion's pace.
RECONCILE_SLICE_S = 200.0


class Indexed(NamedTuple):
    """What indexing one page did: passages embedded (paid for), kept, removed; read or not."""

    embedded: int = 0
    kept: int = 0
    removed: int = 0
    read: bool = False
    cost_usd: float = 0.0
    cut_short: str = ""


def _gone(error: PermanentError) -> bool:
    """Notion's 404 (deleted, or no longer shared with the integration) or 403 (access withdrawn)."""
    return getattr(error, "status", 0) in (403, 404)


def scope_of(page: dict[str, object]) -> str:
    """A page's scope in the index: its data source (plain id), else ``page:<id>``."""
    parent = page.get("parent")
    source = parent.get("data_source_id") if isinstance(parent, dict) else None
    return plain_notion_id(str(source)) if source else f"page:{plain_notion_id(str(page['id']))}"


def index_page(
    tenant_id: str,
    page_id: str,
    notion: TenantNotion,
    embedder: Embedder,
    store: PassageStore,
    *,
    budget: ReadBudget = WHOLE,
    loaded: dict[str, Any] | None = None,
) -> Indexed:
    """Bring ``page_id``'s passages in the tenant's index up to date with Notion. A page Notion no
    longer shows (deleted, trashed, unshared) leaves the index. One unchanged since it was indexed
    (same last edit, same model) is not read further; an unchanged passage is never embedded again.
    ``loaded``: the page object a data source query already returned (not retrieved again)."""
    plain = plain_notion_id(page_id)
    try:
        page = loaded if loaded is not None else notion.retrieve_page(page_id)
    except PermanentError as error:
        if not _gone(error):
            raise
        return Indexed(removed=store.delete_page(tenant_id, plain))
    if page.get("in_trash") or page.get("archived"):
        return Indexed(removed=store.delete_page(tenant_id, plain))
    known = store.indexed_page(tenant_id, plain)
    edited = str(page.get("last_edited_time", ""))
    if known is not None and known.last_edited_time == edited and known.model == embedder.model and edited:
        return Indexed(kept=len(known.digests))
    read = read_loaded(notion, page, budget)
    text = without_signatures(read.markdown)  # the agent's signature lines: no key is indexed or quoted
    passages = list({p.digest: p for p in split(embedder.model, read.title, text)}.values())
    had = set(known.digests if known is not None else [])
    new = [p for p in passages if p.digest not in had]
    embedded = embedder.embed([p.embedded_text for p in new], "document") if new else None
    scope = scope_of(page)
    added = [
        StoredPassage(
            passage_id(plain, p.digest), plain, scope, read.title, read.url, p.heading, p.text, p.digest,
            embedder.model, p.position, vector,
        )
        for p, vector in zip(new, embedded.vectors if embedded else [], strict=True)
    ]  # fmt: skip
    now = {p.digest for p in passages}
    removed = [passage_id(plain, d) for d in had - now]
    record = IndexedPage(plain, scope, read.title, read.url, edited, [p.digest for p in passages],
                         embedder.model, read.cut_short)  # fmt: skip
    store.write_page(tenant_id, record, added, removed)
    cost = embedded.cost_usd if embedded else 0.0
    return Indexed(len(added), len(passages) - len(added), len(removed), True, cost, read.cut_short)


def forget_page(tenant_id: str, page_id: str, store: PassageStore) -> int:
    """A page deleted or trashed (its event says so): its passages leave the index."""
    return store.delete_page(tenant_id, plain_notion_id(page_id))


def forget_workspace(tenant_id: str, store: PassageStore) -> int:
    """A disconnect: the tenant's whole index goes."""
    return store.delete_all(tenant_id)


Wanted = str | dict[str, Any]  # a chosen page's id, or a row its data source's query returned


def _plain(wanted: Wanted) -> str:
    return plain_notion_id(wanted if isinstance(wanted, str) else str(wanted["id"]))


def chosen_pages(
    notion: TenantNotion, page_ids: Iterable[str], data_source_ids: Iterable[str]
) -> list[Wanted]:
    """The pages the workspace chose to index, each once: its chosen pages (plain ids) and every row
    of its chosen data sources (the page objects the query returned, so none is retrieved again)."""
    out: dict[str, Wanted] = {plain_notion_id(p): plain_notion_id(p) for p in page_ids}
    for source in data_source_ids:
        for row in notion.query_data_source(source):
            out.setdefault(_plain(row), row)
    return list(out.values())


def reconcile(
    tenant_id: str,
    notion: TenantNotion,
    embedder: Embedder,
    store: PassageStore,
    wanted: Sequence[Wanted],
    *,
    start: int = 0,
    until: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, int]:
    """The nightly synchronisation: every page in ``wanted`` from ``start`` on indexed (an unchanged
    chosen page costs one read, an unchanged row none), then every indexed page no longer wanted, or
    gone, removed. At ``until`` (of ``clock``) it stops with ``left`` pages not reached, none dropped."""
    totals = {"pages": 0, "embedded": 0, "removed": 0, "dropped": 0, "left": 0}
    for n, chosen in enumerate(wanted[start:]):
        if until is not None and n and clock() >= until:  # each part indexes one page at least
            totals["left"] = len(wanted) - start - n
            return totals
        page_id, loaded = (chosen, None) if isinstance(chosen, str) else (str(chosen["id"]), chosen)
        done = index_page(tenant_id, page_id, notion, embedder, store, loaded=loaded)
        totals["pages"] += 1
        totals["embedded"] += done.embedded
        totals["removed"] += done.removed
    keep = {_plain(p) for p in wanted}
    for indexed in list(store.indexed_pages(tenant_id)):
        if indexed.page_id not in keep:
            totals["dropped"] += 1
            totals["removed"] += store.delete_page(tenant_id, indexed.page_id)
    return totals


def run_index_task(task: IndexTask, deps: Deps) -> dict[str, object]:
    """``POST /index`` on plan: one page of an active tenant brought up to date in its index."""
    ready = _ready(deps, task.tenant_id)
    if isinstance(ready, str):
        return {"indexed": False, "why": ready}
    _, embedder, store = ready
    try:
        done = index_page(task.tenant_id, task.page_id, deps.need_notion(task.tenant_id), embedder, store)
    except BudgetSpent as stop:
        return {"indexed": False, "why": stop.reason}
    outcome: dict[str, object] = {"indexed": True}
    return outcome | done._asdict()


def run_reconcile_task(task: ReconcileTask, deps: Deps) -> dict[str, object]:
    """``POST /reconcile`` on plan: the daily synchronisation of an active tenant's index."""
    ready = _ready(deps, task.tenant_id)
    if isinstance(ready, str):
        return {"reconciled": False, "why": ready}
    tenant, embedder, store = ready
    notion = deps.need_notion(task.tenant_id)
    began = time.monotonic()
    wanted = chosen_pages(notion, tenant.settings.page_ids, tenant.settings.data_source_ids)
    try:
        done = reconcile(
            task.tenant_id, notion, embedder, store, wanted, start=task.start, until=began + RECONCILE_SLICE_S
        )
    except BudgetSpent as stop:  # the next reconcile goes on where this one stopped
        return {"reconciled": False, "why": stop.reason}
    if done["left"]:  # the next part goes on from the first page this one did not reach
        from shared.platform.domain.index_task import reconcile_task_name
        from shared.platform.topology import Queue

        more = task.model_copy(update={"part": task.part + 1, "start": task.start + done["pages"]})
        deps.queue.enqueue(Queue.PLAN, more, reconcile_task_name(more))
    totals: dict[str, object] = {"reconciled": not done["left"]}
    return totals | done


def index_the_choice(deps: Deps, tenants: TenantStore, tenant_id: str, changes: dict[str, Any]) -> bool:
    """After the owner changed which pages or data sources are chosen (``changes`` holds
    ``page_ids`` or ``data_source_ids``), with the index on: a reconcile of the new choice queued now.
    It is named by the choice's digest (a choice sent twice is one task), so Ask and the planner find
    the chosen pages without waiting for the day's reconcile. ``tenants``: read as stored (not a cache), the
    choice just made. True when one was queued."""
    import hashlib
    from datetime import UTC, datetime

    from shared.platform.domain.index_task import ReconcileTask, reconcile_task_name
    from shared.platform.topology import Queue

    if deps.memory is None or not deps.settings.workspace_index:
        return False
    if "page_ids" not in changes and "data_source_ids" not in changes:
        return False
    tenant = tenants.get(tenant_id)
    if tenant is None or tenant.status != TenantStatus.ACTIVE:
        return False
    choice = [*sorted(tenant.settings.page_ids), "|", *sorted(tenant.settings.data_source_ids)]
    digest = hashlib.sha256("\n".join(choice).encode()).hexdigest()[:16]
    task = ReconcileTask(tenant_id=tenant_id, day=datetime.now(UTC).date(), chosen=digest)
    deps.queue.enqueue(Queue.PLAN, task, reconcile_task_name(task))
    return True


def _ready(deps: Deps, tenant_id: str) -> tuple[Tenant, Embedder, PassageStore] | str:
    """What an index task works with: the tenant, active, and its index's embedder (paid for) and
    store; or why there is nothing to do now (not connected, the index off, the budgets spent)."""
    tenant = deps.need_tenants().get(tenant_id)
    if tenant is None or tenant.status != TenantStatus.ACTIVE or deps.memory is None:
        return "the workspace is not connected"
    if (spent := _over_budget(deps, tenant_id)) is not None:
        return spent
    return (tenant, *_paid_memory(deps, tenant_id))


def _paid_memory(deps: Deps, tenant_id: str) -> tuple[Embedder, PassageStore]:
    """The index's embedder and store, each embedding call paid for as a model call (spend.py)."""
    from shared.runs.services.spend import PaidEmbedder

    assert deps.memory is not None
    embedder, store = deps.memory()
    return PaidEmbedder(deps, tenant_id, embedder), store


def _over_budget(deps: Deps, tenant_id: str) -> str | None:
    """Why the workspace's budgets stop its embedding calls now, as they stop its model calls (the
    day's reconcile catches up once they allow it); None while they allow them."""
    from shared.runs.services.spend import tenant_over_budget

    spent = tenant_over_budget(deps, tenant_id)
    if spent is None:
        return None
    log.info("workspace index: not updated, %s", spent.reason, extra={"fields": {"tenant": tenant_id}})
    return spent.reason
