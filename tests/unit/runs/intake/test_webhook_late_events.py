"""A page's change whose event arrives late (Notion aggregates ``page.content_updated`` and delivers
it after the change's coalescing window) is never lost and never planned twice: webhook intake
(``ingest_webhook``) and the plan tasks it makes, carried out when they are due with the repo's
fakes (``start_run``), checked on when each run read the page."""

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.platform.config import PlatformSecret
from shared.platform.domain.tasks import TaskBody
from shared.platform.topology import Queue
from shared.runs.domain.notion_events import NotionEvent, plan_task
from shared.runs.domain.plan_task import READ_LAG, PlanTask, page_key
from shared.runs.services.deps import Deps
from shared.runs.services.notion_intake import Intake, Outcome, ingest_webhook
from shared.workspace.domain.settings import TenantSettings
from tests.engine_fakes import FakeModel, FakeNotion, make_deps
from tests.fakes import FakeQueue, FakeRunStore, FakeSecrets, FakeTenantStore, FakeWebhookEvents
from tests.support.workspace.tenants import a_tenant

TOKEN = "secret_verification"
PAGE = "3b4c5d6e-0000-4000-8000-000000000002"
WINDOW_S = 60.0
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a window's start (epoch minutes)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class TimedQueue(FakeQueue):
    """The fake queue, remembering when each task it accepted is due (``delay_s`` after its creation)."""

    clock: Clock = field(default_factory=Clock)
    due: dict[str, datetime] = field(default_factory=dict)

    def enqueue(self, queue: Queue, body: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        created = super().enqueue(queue, body, task_id, delay_s)
        if created:
            self.due[task_id] = self.clock.now + timedelta(seconds=delay_s)
        return created


class ReadLog(FakeNotion):
    """The fake Notion, remembering when each page was read."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock, self.reads = clock, list[datetime]()

    def retrieve_page(self, token: str, page_id: str) -> dict[str, Any]:
        self.reads.append(self.clock.now)
        return super().retrieve_page(token, page_id)


@dataclass
class World:
    intake: Intake
    deps: Deps
    queue: TimedQueue
    notion: ReadLog
    clock: Clock

    def deliver(self, event_id: str, changed: datetime, arrives: datetime) -> Outcome:
        self.run_due(arrives)  # the tasks due before the delivery have run by then
        self.clock.now = arrives
        return ingest_webhook(*signed(event_id, changed), self.intake, now=arrives)

    def run_due(self, until: datetime) -> None:
        """Carry out, in time order, every plan task due by ``until`` (the clock at its due time)."""
        while due := sorted(
            (self.queue.due[n], i)
            for i, (q, _, n, _) in enumerate(self.queue.tasks)
            if q == Queue.PLAN and self.queue.due[n] <= until
        ):
            when, i = due[0]
            self.clock.now = max(self.clock.now, when)
            body = self.queue.tasks.pop(i)[1]
            assert isinstance(body, PlanTask)
            start_run(body, self.deps)
        self.clock.now = max(self.clock.now, until)

    def runs(self) -> list[str]:
        assert isinstance(self.deps.store, FakeRunStore)
        return sorted(r for _, r in self.deps.store.runs)

    def plan_tasks(self) -> list[str]:
        return [n for q, _, n, _ in self.queue.tasks if q == Queue.PLAN]


def world() -> World:
    clock = Clock()
    queue, notion = TimedQueue(clock=clock), ReadLog(clock)
    notion.pages[PAGE] = {"id": PAGE, "parent": {}, "properties": {}, "url": f"https://n/{PAGE}"}
    notion.children[PAGE] = []
    tenants = FakeTenantStore()
    tenants.save(
        a_tenant("t1", "ws1", T0, token_secret="notion-token-t1", settings=TenantSettings(page_ids=[PAGE]))
    )
    secrets = FakeSecrets({PlatformSecret.NOTION_WEBHOOK_TOKEN: TOKEN})
    intake = Intake(tenants, FakeWebhookEvents(), queue, secrets, 7 * 86400.0, WINDOW_S)
    deps = make_deps(model=FakeModel(), notion=notion, webhook_coalesce_s=WINDOW_S)
    return World(intake, deps._replace(queue=queue, clock=clock), queue, notion, clock)


def payload(event_id: str, changed: datetime) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "page.content_updated",
        "timestamp": changed.isoformat(),
        "workspace_id": "ws1",
        "authors": [{"id": "person-1", "type": "person"}],
        "entity": {"id": PAGE, "type": "page"},
        "data": {},
    }


def signed(event_id: str, changed: datetime) -> tuple[bytes, str]:
    body = json.dumps(payload(event_id, changed)).encode()
    return body, "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()


def window_task(event_id: str, changed: datetime) -> PlanTask:
    """The task of the change's window, as intake names it (and as it was scheduled before this fix)."""
    return plan_task(NotionEvent.model_validate(payload(event_id, changed)), "t1", WINDOW_S).task


def read_after(w: World, changed: datetime) -> bool:
    """Whether a run read the page READ_LAG or more after ``changed`` (Trigger.seen_by's rule)."""
    return any(read >= changed + READ_LAG for read in w.notion.reads)


def test_a_change_delivered_after_its_windows_end_is_read_by_the_windows_run() -> None:
    """The reviewer's case: A at 09:00:05 plans the window's run; B, changed at 09:00:59, arrives at
    09:01:05. Before: the run read the page at 09:01:00 and B was answered ``coalesced``, never read."""
    w = world()
    assert w.deliver("evt-a", at(5), at(6)).result == "enqueued"
    assert w.deliver("evt-b", at(59), at(65)).result == "coalesced"
    w.run_due(at(600))
    assert read_after(w, at(59)), f"B's change was never read: reads at {w.notion.reads}"
    assert len(w.runs()) == 1 and w.plan_tasks() == []  # one run for the window, B included


def test_an_event_first_received_after_its_windows_run_started_reaches_the_page_claim_once() -> None:
    """B arrives after the window's run claimed and read the page (READ_LAG after the window): B gets
    a task of its own, whose run finds that the page's run read the page after B's change, so it
    starts nothing, now or when that run ends: not lost, not planned twice."""
    w = world()
    w.deliver("evt-a", at(5), at(6))
    w.run_due(at(125))
    assert w.runs() == [f"wh-{page_key(PAGE)}-{int(T0.timestamp() // WINDOW_S)}"]
    late = w.deliver("evt-b", at(59), at(150))
    assert late.result == "enqueued" and late.detail not in w.runs()
    w.run_due(at(600))
    assert read_after(w, at(59))
    assert w.runs() == [f"wh-{page_key(PAGE)}-{int(T0.timestamp() // WINDOW_S)}"]
    [page_run] = w.runs()
    humans.control(w.deps, "t1", page_run, "cancel")
    assert w.plan_tasks() == []  # nothing remembered: the run had read B's change


def test_a_late_change_the_pages_run_read_too_early_is_remembered_and_planned_when_it_ends() -> None:
    """The window's run read the page at the window's end (its task scheduled so before this fix,
    or early for a timestamp ahead of our clock): B, arriving after the window's task time, is
    remembered on the page's claim and planned, once, when that run ends. Before: B was
    ``coalesced`` into the run that had read too early, and never planned."""
    w = world()
    w.deliver("evt-a", at(5), at(6))
    w.queue.tasks.clear()  # the window's task, as it ran before the fix: at the window's end
    w.clock.now = at(60)
    assert start_run(window_task("evt-a", at(5)), w.deps) is True
    [first] = w.runs()
    outcome = w.deliver("evt-b", at(59), at(150))
    assert outcome.result == "enqueued" and outcome.detail != first
    w.run_due(at(600))
    assert w.runs() == [first] and not read_after(w, at(59))  # the page is held: remembered
    w.clock.now = at(700)
    humans.control(w.deps, "t1", first, "cancel")  # the run ends: its page's change is planned
    w.run_due(at(700))
    assert read_after(w, at(59))
    assert w.runs() == sorted([first, outcome.detail])
    humans.control(w.deps, "t1", outcome.detail, "cancel")
    assert w.plan_tasks() == []  # planned once


def test_a_late_batch_shares_one_task_and_repeats_name_it_again() -> None:
    """Late events of one window that arrive in the same window share one task (one claim); a
    repeat of one of them, however late, is a repeat and enqueues nothing more."""
    w = world()
    first = w.deliver("evt-b", at(40), at(130))
    assert first.result == "enqueued"
    assert w.deliver("evt-c", at(50), at(170)).result == "coalesced"
    assert w.deliver("evt-d", at(59), at(185)).detail != first.detail  # arrived in the next window
    window, came = int(T0.timestamp() // WINDOW_S), int(at(130).timestamp() // WINDOW_S)
    assert first.detail == f"wh-{page_key(PAGE)}-{window}-{came}"
    assert w.queue.due[f"plan:t1:page:{page_key(PAGE)}-{window}-{came}"] == at(180)
    created = set(w.queue.names)
    assert w.deliver("evt-b", at(40), at(175)) == ("duplicate", first.detail)
    assert w.deliver("evt-b", at(40), at(3600)) == ("duplicate", first.detail)
    assert w.queue.names == created  # no task created by a repeat


def test_the_windows_task_is_scheduled_read_lag_after_the_window() -> None:
    """So that its read shows every change of the window (Trigger.seen_by), late ones included."""
    w = world()
    w.deliver("evt-a", at(5), at(6))
    [(_, body, name, delay)] = w.queue.tasks
    assert isinstance(body, PlanTask) and body.trigger.changed_before == at(60)
    assert w.queue.due[name] == at(60) + READ_LAG and delay == 114.0
    assert body.trigger.seen_by(w.queue.due[name])
