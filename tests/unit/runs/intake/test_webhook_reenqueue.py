"""An event whose plan task could not be created is enqueued again by Notion's next retry of it,
however late that comes within the de-duplication record's TTL; a repeat of an event whose task
exists touches the queue no more. Through ``ingest_webhook`` and the ``notion-webhook`` entry point,
with the repo's fakes."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from shared.platform.config import PlatformSecret
from shared.platform.domain.tasks import TaskBody
from shared.platform.errors import TransientError
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask, page_key
from shared.runs.services.notion_intake import Intake, ingest_webhook, task_taken
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.tenants import Tenant
from tests.api_fakes import FakeContainer, client, fakes
from tests.fakes import FakeQueue, FakeSecrets, FakeTenantStore, FakeWebhookEvents
from tests.support.runs.notion_events import signed_event
from tests.support.workspace.tenants import a_tenant

__all__ = ["fakes"]  # the fixture of fakes the entry points answer from

TOKEN = "secret_verification"
PAGE = "3b4c5d6e-0000-4000-8000-000000000002"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TTL_S = 7 * 86400.0


@dataclass
class FlakyQueue(FakeQueue):
    """The fake queue, failing its next ``down`` calls as Cloud Tasks does when unavailable, and
    counting every call."""

    down: int = 0
    calls: list[str] = field(default_factory=list)

    def enqueue(self, queue: Queue, body: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        self.calls.append(task_id)
        if self.down:
            self.down -= 1
            raise TransientError("cloud tasks: ServiceUnavailable")
        return super().enqueue(queue, body, task_id, delay_s)


def tenant() -> Tenant:
    return a_tenant("t1", "ws1", T0, token_secret="notion-token-t1", settings=TenantSettings(page_ids=[PAGE]))


def intake(queue: FlakyQueue) -> Intake:
    tenants = FakeTenantStore()
    tenants.save(tenant())
    secrets = FakeSecrets({PlatformSecret.NOTION_WEBHOOK_TOKEN: TOKEN})
    return Intake(tenants, FakeWebhookEvents(), queue, secrets, TTL_S, 60.0)


def signed(event_id: str, changed: datetime, kind: str = "page.content_updated") -> tuple[bytes, str]:
    if kind == "comment.created":
        return signed_event(
            TOKEN, event_id, kind, changed, {"id": "comment-1", "type": "comment"}, {"page_id": PAGE}
        )
    return signed_event(TOKEN, event_id, kind, changed, {"id": PAGE, "type": "page"}, {})


@pytest.mark.parametrize("later", [timedelta(minutes=31), timedelta(hours=5), timedelta(days=2, hours=23)])
def test_an_event_whose_task_could_not_be_created_is_enqueued_by_a_later_repeat(later: timedelta) -> None:
    """Before: a repeat more than 30 minutes after the first delivery was a duplicate, and the event
    was lost although no task had ever been created."""
    queue = FlakyQueue(down=1)
    i = intake(queue)
    with pytest.raises(TransientError):  # notion-webhook answers 503: Notion retries the delivery
        ingest_webhook(*signed("evt-1", T0), i, now=T0 + timedelta(seconds=1))
    assert not queue.tasks
    again = ingest_webhook(*signed("evt-1", T0), i, now=T0 + later)
    assert again.result == "duplicate"
    [(_, body, name, delay)] = queue.tasks
    window = int(T0.timestamp() // 60)
    # Named as the first delivery would have named it: its window's task, due at once by now.
    assert isinstance(body, PlanTask) and again.detail == body.run_id and delay == 0
    assert name == f"plan:t1:page:{page_key(PAGE)}-{window}"
    task_taken(body, i.events)  # plan takes the task
    calls = len(queue.calls)
    assert (
        ingest_webhook(*signed("evt-1", T0), i, now=T0 + later + timedelta(minutes=1)).result == "duplicate"
    )
    assert len(queue.calls) == calls  # marked now: the next repeat does not touch the queue


def test_once_plan_took_the_task_a_repeat_touches_the_queue_no_more() -> None:
    """However late it comes: also once Cloud Tasks lets the task's name be used again."""
    queue = FlakyQueue()
    i = intake(queue)
    assert ingest_webhook(*signed("evt-1", T0), i, now=T0 + timedelta(seconds=1)).result == "enqueued"
    [(_, body, _, _)] = queue.tasks
    assert isinstance(body, PlanTask)
    task_taken(body, i.events)
    for later in (timedelta(seconds=2), timedelta(minutes=10), timedelta(days=2)):
        assert ingest_webhook(*signed("evt-1", T0), i, now=T0 + later).result == "duplicate"
    assert len(queue.calls) == 1 and len(queue.tasks) == 1


def test_a_repeat_before_plan_took_the_task_finds_it_and_marks_the_record() -> None:
    queue = FlakyQueue()
    i = intake(queue)
    assert ingest_webhook(*signed("evt-1", T0), i, now=T0 + timedelta(seconds=1)).result == "enqueued"
    for later in (timedelta(seconds=2), timedelta(seconds=3)):
        assert ingest_webhook(*signed("evt-1", T0), i, now=T0 + later).result == "duplicate"
    assert len(queue.calls) == 2 and len(queue.tasks) == 1  # the first repeat found the task: marked
    assert isinstance(i.events, FakeWebhookEvents) and i.events.enqueued == {("t1", "evt-1")}


def test_an_event_that_makes_its_task_costs_intake_no_mark_the_others_one() -> None:
    """Intake's store writes per event: the record's create; one update marking it where the task was
    there already (an event joining its page's task, a repeat). The event that made a task is
    marked by plan as it takes it (``task_taken``), off the webhook's answer."""
    queue = FlakyQueue()
    i = intake(queue)
    assert isinstance(i.events, FakeWebhookEvents)
    outcomes = [
        ingest_webhook(*signed("evt-1", T0), i, now=T0 + timedelta(seconds=1)).result,
        ingest_webhook(*signed("evt-2", T0 + timedelta(seconds=9)), i, now=T0 + timedelta(seconds=10)).result,
        ingest_webhook(*signed("c-1", T0, "comment.created"), i, now=T0 + timedelta(seconds=11)).result,
        ingest_webhook(*signed("evt-1", T0), i, now=T0 + timedelta(seconds=12)).result,
    ]
    assert outcomes == ["enqueued", "coalesced", "enqueued", "duplicate"]
    assert i.events.marks == 2 and len(i.events.records) == 3
    assert i.events.enqueued == {("t1", "evt-2"), ("t1", "evt-1")}
    comment = next(body for _, body, name, _ in queue.tasks if name.endswith(":c-1"))
    assert isinstance(comment, PlanTask)
    task_taken(comment, i.events)
    assert i.events.marks == 3 and ("t1", "c-1") in i.events.enqueued


def test_a_late_events_repeat_names_the_task_of_the_window_it_first_came_in() -> None:
    """An event received after its window's task time names a task from the window it first came
    in (kept in the record), so its re-enqueue, however much later, names the same task."""
    queue = FlakyQueue(down=1)
    i = intake(queue)
    first_came = T0 + timedelta(seconds=150)  # after the window's task time (09:02:00)
    with pytest.raises(TransientError):
        ingest_webhook(*signed("evt-1", T0 + timedelta(seconds=59)), i, now=first_came)
    [failed] = queue.calls
    again = ingest_webhook(*signed("evt-1", T0 + timedelta(seconds=59)), i, now=T0 + timedelta(hours=2))
    [(_, body, name, _)] = queue.tasks
    window, came = int(T0.timestamp() // 60), int(first_came.timestamp() // 60)
    assert name == failed == f"plan:t1:page:{page_key(PAGE)}-{window}-{came}"
    assert isinstance(body, PlanTask) and again == ("duplicate", body.run_id)


def test_through_the_entry_point_a_retry_after_half_an_hour_recovers_the_event(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fakes.secrets.put(PlatformSecret.NOTION_WEBHOOK_TOKEN, TOKEN)
    fakes.tenants.save(tenant())
    body, signature = signed("evt-1", datetime.now(UTC) - timedelta(seconds=5))
    real = fakes.queue.enqueue

    def unavailable(queue: Queue, task: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        raise TransientError("cloud tasks: ServiceUnavailable")

    monkeypatch.setattr(fakes.queue, "enqueue", unavailable)
    webhook = client("notion_webhook", fakes)
    first = webhook.post("/", data=body, headers={"X-Notion-Signature": signature})
    assert first.status_code == 503 and not fakes.queue.tasks
    # Notion's later retry: the record was made 40 minutes ago and the queue works again.
    [(key, (seen, kind))] = fakes.webhook_events.records.items()
    fakes.webhook_events.records[key] = (seen - timedelta(minutes=40), kind)
    monkeypatch.setattr(fakes.queue, "enqueue", real)
    retry = webhook.post("/", data=body, headers={"X-Notion-Signature": signature})
    assert retry.status_code == 200 and retry.json is not None and retry.json["result"] == "duplicate"
    [(queue, task, _, _)] = fakes.queue.tasks
    assert queue == Queue.PLAN and getattr(task, "run_id", None) == retry.json["detail"]
    assert not fakes.webhook_events.enqueued  # the retry made the task: plan marks the record
    taken = client("plan", fakes).post("/", json=task.model_dump(mode="json"))
    assert taken.status_code == 200, taken.json
    assert fakes.webhook_events.enqueued == {key}


def test_a_repeat_enqueues_the_task_its_first_delivery_made_whatever_it_says_now() -> None:
    """The record keeps the first delivery's task: a repeat that would name another one (the rules,
    the window or the body seen differently) makes no second task for the event."""
    queue = FlakyQueue(down=1)
    i = intake(queue)
    with pytest.raises(TransientError):
        ingest_webhook(*signed("evt-1", T0), i, now=T0 + timedelta(seconds=1))
    [first] = queue.calls
    moved = signed("evt-1", T0 + timedelta(hours=3))  # another window, were it named again
    assert ingest_webhook(*moved, i, now=T0 + timedelta(hours=3, seconds=1)).result == "duplicate"
    assert [name for _, _, name, _ in queue.tasks] == [first]
