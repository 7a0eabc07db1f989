"""The workspace index stays fresh: a chosen page's events queue one index task per page and window
(any author's, a deletion's too), the task brings the page up to date, daily planning queues the
day's reconcile, and a disconnect deletes the workspace's index."""

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.agents.domain.schedule_task import ScheduleTask
from shared.agents.services.daily_schedule import plan_due_tenants
from shared.memory.services.workspace_index import index_page, run_index_task, run_reconcile_task
from shared.notion.services.disconnect import disconnect
from shared.platform.config import PlatformSecret
from shared.platform.domain.index_task import IndexTask, ReconcileTask
from shared.runs.services.notion_intake import Intake, ingest_webhook
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant, tenant_id_for
from tests.engine_fakes import FakeNotion, make_deps, raise_budget
from tests.fakes import FakeQueue, FakeSecrets, FakeTenantStore, FakeWebhookEvents
from tests.support.agents.daily_planning import deps_with, queued, tenant
from tests.support.memory.memory import FakePassages, WordCountEmbedder
from tests.support.notion.connection_services import connect
from tests.support.notion.connection_services import deps as connecting
from tests.support.runs.notion_events import signed_event
from tests.support.workspace.tenants import a_tenant

TOKEN = "secret_verification"
CHOSEN = "3b4c5d6e00004000800000000000000a"
ROW = "3b4c5d6e00004000800000000000000b"
OTHER = "3b4c5d6e00004000800000000000000c"
T0 = datetime(2026, 1, 5, 9, 0, 10, tzinfo=UTC)


def intake(queue: FakeQueue, index: bool = True) -> Intake:
    tenants = FakeTenantStore()
    settings = TenantSettings(page_ids=[CHOSEN], data_source_ids=["ds-chosen"])
    tenants.save(a_tenant("t1", "ws1", T0, settings=settings))
    secrets = FakeSecrets({PlatformSecret.NOTION_WEBHOOK_TOKEN: TOKEN})
    return Intake(tenants, FakeWebhookEvents(), queue, secrets, 86400.0, 60.0, index_pages=index)


def signed(
    event_id: str, page: str, kind: str, at: datetime, parent: dict[str, Any] | None = None
) -> tuple[bytes, str]:
    page_entity = {"id": page, "type": "page"}
    return signed_event(TOKEN, event_id, kind, at, page_entity, {"parent": parent} if parent else {})


def index_tasks(queue: FakeQueue) -> list[tuple[str, IndexTask, float]]:
    return [(name, body, delay) for _, body, name, delay in queue.tasks if isinstance(body, IndexTask)]


def test_chosen_pages_events_queue_one_index_task_per_page_and_window() -> None:
    queue = FakeQueue()
    intake_ = intake(queue)
    row = {"type": "data_source_id", "id": "ds-chosen", "data_source_id": "ds-chosen"}
    events: list[tuple[str, str, dict[str, Any] | None]] = [
        (CHOSEN, "page.content_updated", None),
        (CHOSEN, "page.properties_updated", None),  # the same window: the same task
        (ROW, "page.created", row),
        (ROW, "page.deleted", row),  # a deletion leaves the index through the same task
        (OTHER, "page.content_updated", None),  # not chosen: nothing
    ]
    for n, (page, kind, parent) in enumerate(events):
        at = T0 + timedelta(seconds=n)
        ingest_webhook(*signed(f"e{n}", page, kind, at, parent), intake_, now=at)
    tasks = index_tasks(queue)
    assert sorted({body.page_id for _, body, _ in tasks}) == [CHOSEN, ROW]
    assert len({name for name, _, _ in tasks}) == 2  # one name per page and window
    assert all(0 < delay <= 60.0 for _, _, delay in tasks)  # due at the window's end
    off = FakeQueue()
    deleted = signed("e9", CHOSEN, "page.deleted", T0)
    assert ingest_webhook(*deleted, intake(off, index=False), now=T0).result == "ignored"
    assert index_tasks(off) == []  # with the index off, no task


def test_an_index_task_follows_the_page_and_a_reconcile_drops_what_is_no_longer_chosen() -> None:
    notion = FakeNotion()
    made = [
        notion.add_page("Pricing", {"data_source_id": "ds-tasks"}, text="Three pricing tiers."),
        notion.add_page("Hiring", text="Hiring in Berlin."),
    ]
    kept, gone = ROW, OTHER
    for old, pid in zip(made, (kept, gone), strict=True):  # Notion's ids, as reconcile names them
        notion.pages[pid] = notion.pages.pop(old) | {"id": pid, "last_edited_time": "2026-01-05T09:00:00Z"}
        notion.children[pid] = notion.children.pop(old)
    store, embedder = FakePassages(), WordCountEmbedder()
    deps = make_deps(notion=notion)._replace(memory=lambda: (embedder, store))
    for pid in (kept, gone):
        assert run_index_task(IndexTask(tenant_id="t1", page_id=pid), deps)["embedded"] == 1
    assert {p.title for p in store.indexed_pages("t1")} == {"Pricing", "Hiring"}
    deps.need_tenants().update("t1", choose_tasks)
    done = run_reconcile_task(ReconcileTask(tenant_id="t1", day=T0.date()), deps)
    assert done["reconciled"] and done["dropped"] == 1 and done["embedded"] == 0
    assert {p.title for p in store.indexed_pages("t1")} == {"Pricing"}


def test_a_reconcile_indexes_a_data_sources_rows_from_its_query_without_retrieving_them() -> None:
    notion = FakeNotion()
    for n in range(3):
        row = notion.add_page(f"Row {n}", {"data_source_id": "ds-tasks"}, text=f"Row {n} says something.")
        notion.pages[row]["last_edited_time"] = "2026-01-05T09:00:00Z"
    notion.fail["retrieve_page"] = [AssertionError("a row the query returned was retrieved again")]
    store, embedder = FakePassages(), WordCountEmbedder()
    deps = make_deps(notion=notion)._replace(memory=lambda: (embedder, store))
    deps.need_tenants().update("t1", choose_tasks)
    done = run_reconcile_task(ReconcileTask(tenant_id="t1", day=T0.date()), deps)
    assert done["reconciled"] and done["pages"] == 3 and done["embedded"] == 3
    assert notion.fail["retrieve_page"]  # never called
    assert {p.title for p in store.indexed_pages("t1")} == {"Row 0", "Row 1", "Row 2"}


def test_a_reconcile_longer_than_its_slice_hands_the_rest_to_its_next_part(monkeypatch: Any) -> None:
    from shared.memory.services import workspace_index

    notion = FakeNotion()
    for n in range(3):
        row = notion.add_page(f"Row {n}", {"data_source_id": "ds-tasks"}, text=f"Row {n} says something.")
        notion.pages[row]["last_edited_time"] = "2026-01-05T09:00:00Z"
    stale = notion.add_page("Stale", text="No longer chosen.")
    store, embedder = FakePassages(), WordCountEmbedder()
    deps = make_deps(notion=notion)._replace(memory=lambda: (embedder, store))
    index_page("t1", stale, notion.with_token("t"), embedder, store)
    deps.need_tenants().update("t1", choose_tasks)
    monkeypatch.setattr(workspace_index, "RECONCILE_SLICE_S", 0.0)  # each part: one page
    queue = deps.queue
    assert isinstance(queue, FakeQueue)
    done = run_reconcile_task(ReconcileTask(tenant_id="t1", day=T0.date()), deps)
    assert not done["reconciled"] and done["pages"] == 1 and done["left"] == 2 and done["dropped"] == 0
    parts = []
    while queue.tasks:
        _, body, name, _ = queue.take()
        assert isinstance(body, ReconcileTask)
        parts.append(name)
        done = run_reconcile_task(body, deps)
    assert parts == [f"reconcile:t1:{T0:%Y%m%d}:{n}" for n in (1, 2)]
    assert done["reconciled"] and done["left"] == 0 and done["dropped"] == 1
    assert {p.title for p in store.indexed_pages("t1")} == {"Row 0", "Row 1", "Row 2"}
    again = run_reconcile_task(ReconcileTask(tenant_id="t1", day=T0.date(), part=1, start=1), deps)
    assert not queue.tasks and again["embedded"] == 0  # a repeated part: its next is named as before


def choose_tasks(tenant: Tenant | None) -> Tenant:
    assert tenant is not None
    return tenant.model_copy(
        update={"settings": tenant.settings.model_copy(update={"data_source_ids": ["ds-tasks"]})}
    )


def test_daily_planning_queues_the_days_reconcile_when_the_index_is_on() -> None:
    nine = datetime(2026, 1, 5, 9, tzinfo=UTC)
    deps = deps_with(tenant("t-at-9", "UTC", 9), now=nine, workspace_index=True)
    plan_due_tenants(ScheduleTask(), deps)
    names = [name for _, body, name, _ in queued(deps).tasks if isinstance(body, ReconcileTask)]
    assert names == ["reconcile:t-at-9:20260105"]
    off = deps_with(tenant("t-at-9", "UTC", 9), now=nine)
    plan_due_tenants(ScheduleTask(), off)
    assert not [b for _, b, _, _ in queued(off).tasks if isinstance(b, ReconcileTask)]


def test_a_disconnect_deletes_the_workspaces_index() -> None:
    d = connecting()
    forgotten: list[str] = []

    def forget(tenant_id: str) -> int:
        forgotten.append(tenant_id)
        return 3

    d = d._replace(forget_index=forget)
    connect(d)
    disconnect(tenant_id_for("ws-1"), d, lambda tenant_id, reason: 0)
    assert forgotten == [tenant_id_for("ws-1")]


def test_a_spent_budget_stops_the_index_as_it_stops_model_calls() -> None:
    notion = FakeNotion()
    made = notion.add_page("Pricing", {"data_source_id": "ds-tasks"}, text="Three pricing tiers.")
    notion.pages[ROW] = notion.pages.pop(made) | {"id": ROW}
    notion.children[ROW] = notion.children.pop(made)
    store, embedder = FakePassages(), WordCountEmbedder()
    deps = make_deps(notion=notion)._replace(memory=lambda: (embedder, store))
    raise_budget(deps, "t1", max_cost_per_day_usd=0.0)  # spent: nothing more today
    done = run_index_task(IndexTask(tenant_id="t1", page_id=ROW), deps)
    assert done["indexed"] is False and "budget" in str(done["why"]) and embedder.texts == 0
    assert run_reconcile_task(ReconcileTask(tenant_id="t1", day=T0.date()), deps)["reconciled"] is False


def priced_pages(count: int) -> tuple[FakeNotion, list[str]]:
    """A chosen data source of ``count`` pages, one passage each."""
    notion, ids = FakeNotion(), []
    for n in range(count):
        made = notion.add_page(f"Tier {n}", {"data_source_id": "ds-tasks"}, text=f"Pricing tier {n}.")
        pid = f"3b4c5d6e00004000800000000000010{n}"
        notion.pages[pid] = notion.pages.pop(made) | {"id": pid, "last_edited_time": "2026-01-05T09:00:00Z"}
        notion.children[pid] = notion.children.pop(made)
        ids.append(pid)
    return notion, ids


def test_embedding_calls_are_counted_in_spend_and_stopped_by_the_budget_midway() -> None:
    notion, ids = priced_pages(4)
    store, embedder = FakePassages(), WordCountEmbedder(usd_per_text=0.01)
    deps = make_deps(notion=notion)._replace(memory=lambda: (embedder, store))
    day = deps.clock()
    first = run_index_task(IndexTask(tenant_id="t1", page_id=ids[0]), deps)
    assert first["embedded"] == 1 and first["cost_usd"] == 0.01
    assert deps.store.spend("t1", f"{day:%Y-%m-%d}", f"{day:%Y-%m}") == (0.01, 0.01)  # the ledger
    # The deployment's cap counter: what was paid, and the share this instance holds (decision 0061).
    held = deps.spend.cap_held.get(f"{day:%Y-%m-%d}", 0.0)
    assert round(deps.store.day_spend(f"{day:%Y-%m-%d}") - held, 6) == 0.01 and held < 1.0 + 1e-9
    raise_budget(deps, "t1", max_cost_per_day_usd=0.025)
    deps.need_tenants().update("t1", choose_tasks)
    done = run_reconcile_task(ReconcileTask(tenant_id="t1", day=T0.date()), deps)
    assert done["reconciled"] is False and "daily budget" in str(done["why"])
    # One more page embedded (0.02 spent); the next call's reservation (0.01) would pass the daily
    # budget of 0.025, so it is refused before it is made (decision 0084): the budget is never passed.
    assert embedder.texts == 2
    assert round(deps.store.spend("t1", f"{day:%Y-%m-%d}", f"{day:%Y-%m}")[0], 6) == 0.02


def test_choosing_pages_queues_their_first_index_at_once_one_per_choice() -> None:
    from shared.memory.services.workspace_index import index_the_choice

    embedder, store = WordCountEmbedder(), FakePassages()
    deps = make_deps(workspace_index=True)._replace(memory=lambda: (embedder, store))
    tenants = deps.need_tenants()
    tenants.update("t1", choose_tasks)
    assert index_the_choice(deps, tenants, "t1", {"data_source_ids": ["ds-tasks"]})
    assert index_the_choice(deps, tenants, "t1", {"data_source_ids": ["ds-tasks"]})  # the same choice
    tasks = [(b, n) for _, b, n, _ in queued(deps).tasks if isinstance(b, ReconcileTask)]
    assert len(tasks) == 1 and tasks[0][0].chosen and tasks[0][1].endswith(f":chosen-{tasks[0][0].chosen}")
    assert run_reconcile_task(tasks[0][0], deps)["reconciled"] is True
    assert not index_the_choice(deps, tenants, "t1", {"timezone": "UTC"})  # not a choice of pages
    off = make_deps()._replace(memory=lambda: (embedder, store))
    assert not index_the_choice(off, off.need_tenants(), "t1", {"data_source_ids": ["ds-tasks"]})
    assert not [b for _, b, _, _ in queued(off).tasks if isinstance(b, ReconcileTask)]
