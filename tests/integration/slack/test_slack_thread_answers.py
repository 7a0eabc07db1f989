"""A run asked in a Slack thread answers in that thread: its approval request with Approve and Decline
buttons bound to the run and the very request, then its result. Each goes once however often its
follow-up or its notify task is delivered, and a delivery stopped after its post is found again in the
thread (``conversations.replies``) rather than posted twice. On the Firestore emulator (the notification
records) and the code sandbox's Slack through slack_sdk."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.code_sandbox.testing import Admin, RunningSandbox
from shared.engine.services.followups import enqueue_followup
from shared.notify.adapters.firestore_notifications import FirestoreNotificationLog
from shared.notify.adapters.slack import SlackChat
from shared.notify.domain.notifications import NotificationStatus
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.domain.slack_threads import REPLY_TO_ANSWER, SlackThread
from shared.notify.ports import NotificationChannel
from shared.notify.services.channels import SlackMessages
from shared.notify.services.delivery import ChannelDelivery
from shared.notify.services.notifications import deliver_notification
from shared.runs.domain.events import HumanRequested, PlannedStep, RunEvent, RunFinished, RunPlanned
from shared.runs.domain.state import RunStatus, fold
from shared.runs.services.deps import RunRef
from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore
from shared.workspace.domain.integrations import Integration, chat_token_secret
from tests.support.engine.engine_fakes import make_deps
from tests.support.platform.platform_fakes import FakeQueue, FakeSecrets
from tests.support.slack.slack_events import CHANNEL, TEAM
from tests.support.workspace.firestore_tenants import tenant

pytestmark = pytest.mark.integration
BOT_TOKEN = "xoxb-sandbox-acme"
CONSOLE = "http://127.0.0.1:8080"
LEASE_S = 60.0


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class Stopped(Exception):
    """The instance stopped after Slack took the post, before the record said so."""


class StopsAfterPosting(FirestoreNotificationLog):
    def finish(self, *args: Any, **kwargs: Any) -> None:
        raise Stopped


@pytest.fixture
def world(firestore_db: Any, admin: Admin, sandbox: RunningSandbox) -> dict[str, Any]:
    tenants = FirestoreTenantStore(firestore_db)
    one = tenant(
        "ws-thread", tenant_id="t1", owner_email="ada@acme.example", integrations=[Integration.SLACK]
    )
    tenants.save(one)
    [ts] = admin.slack_post(CHANNEL, "<@U0SANDBOX01> tidy the Tasks", user="alice")
    return {
        "db": firestore_db,
        "tenants": tenants,
        "ts": ts,
        "chat": SlackChat(sandbox.slack_url, timeout_s=5),
        "secrets": FakeSecrets({chat_token_secret("t1"): BOT_TOKEN}),
    }


def _log(ts: str, *more: RunEvent) -> list[RunEvent]:
    thread = SlackThread(TEAM, CHANNEL, ts).ref
    steps = [PlannedStep(tool="request_approval", args={"summary": "archive 3 pages?"})]
    head = RunPlanned(seq=1, at=datetime.now(UTC), goal="tidy", trigger="api", steps=steps, thread=thread)
    return [head, *more]


def _asked(seq: int, request_id: str) -> HumanRequested:
    prompt = "Archive 3 pages of Tasks? <https://evil.example|click>"
    return HumanRequested(
        seq=seq, at=datetime.now(UTC), request_id=request_id, step=1, purpose="approval", prompt=prompt
    )


def _thread_tasks(log: list[RunEvent], times: int = 2) -> list[NotifyTask]:
    """The follow-up of the run's state, delivered ``times`` times: the notify tasks it enqueued for
    the thread (a repeated follow-up names the same tasks, which the queue refuses)."""
    deps = make_deps()
    for _ in range(times):
        enqueue_followup(RunRef(deps, "t1", "r-slack"), fold(log))
    assert isinstance(deps.queue, FakeQueue)
    return [b for _, b, _, _ in deps.queue.tasks if isinstance(b, NotifyTask) and b.channel == "slack"]


def _deliver(world: dict[str, Any], task: NotifyTask, clock: Clock, records: Any = None) -> bool:
    channels: list[NotificationChannel] = [SlackMessages(world["chat"], world["secrets"])]
    notifier = ChannelDelivery(records or FirestoreNotificationLog(world["db"]), channels, LEASE_S, clock)
    return deliver_notification(task, notifier, world["tenants"], FakeQueue(), console=CONSOLE).delivered


def _replies(admin: Admin, ts: str) -> list[dict[str, Any]]:
    return [m for m in admin.slack_messages(CHANNEL) if m.get("thread_ts") == ts]


def test_the_approval_goes_in_the_thread_once_with_buttons_bound_to_the_request(
    world: dict[str, Any], admin: Admin
) -> None:
    ts = world["ts"]
    [task] = _thread_tasks(_log(ts, _asked(2, "e1")))
    assert task.priority == "urgent" and task.notification_id == "r-slack-e1-slack"
    assert [_deliver(world, task, Clock()) for _ in range(3)] == [True, False, False]
    [reply] = _replies(admin, ts)
    [section, actions] = reply["blocks"]
    assert [(b["action_id"], b["value"]) for b in actions["elements"]] == [
        ("approve", "r-slack e1"),
        ("decline", "r-slack e1"),
    ]
    words = section["text"]["text"]
    assert f"<{CONSOLE}/#/runs/r-slack|the run>" in words
    assert "&lt;https://evil.example|click&gt;" in words  # the run's words link nothing
    assert "Archive 3 pages of Tasks?" in reply["text"]  # what a notification and a screen reader show


def test_a_question_goes_in_the_thread_once_saying_a_reply_there_answers_it(
    world: dict[str, Any], admin: Admin
) -> None:
    ts = world["ts"]
    asked = _asked(2, "question-1").model_copy(update={"purpose": "question", "prompt": "Which tone?"})
    [task] = _thread_tasks(_log(ts, asked))
    assert task.notification_id == "r-slack-question-1-slack" and task.data["purpose"] == "question"
    assert [_deliver(world, task, Clock()) for _ in range(3)] == [True, False, False]
    [reply] = _replies(admin, ts)
    assert "Which tone?" in reply["text"] and REPLY_TO_ANSWER in reply["text"]
    assert "blocks" not in reply  # no buttons: a reply answers it (decision 0201)


def test_the_result_goes_in_the_thread_once(world: dict[str, Any], admin: Admin) -> None:
    ts = world["ts"]
    ended = RunFinished(seq=2, at=datetime.now(UTC), status=RunStatus.COMPLETED, summary="Archived 3 pages.")
    [task] = _thread_tasks(_log(ts, ended))
    assert [_deliver(world, task, Clock()) for _ in range(2)] == [True, False]
    [reply] = _replies(admin, ts)
    assert "Archived 3 pages." in reply["text"] and "blocks" not in reply


def test_a_delivery_stopped_after_its_post_is_found_in_the_thread_not_posted_again(
    world: dict[str, Any], admin: Admin
) -> None:
    ts = world["ts"]
    [task] = _thread_tasks(_log(ts, _asked(2, "e2")), times=1)
    clock = Clock()
    with pytest.raises(Stopped):
        _deliver(world, task, clock, StopsAfterPosting(world["db"]))
    clock.now += timedelta(seconds=LEASE_S + 1)  # its lease ran out: the queue's retry takes it over
    assert _deliver(world, task, clock) is False
    [reply] = _replies(admin, ts)
    [record] = FirestoreNotificationLog(world["db"]).recent("t1", 5) or []
    assert (record.status, record.message_ts) == (NotificationStatus.SENT, reply["ts"])  # found, not given up


def test_a_run_asked_nowhere_in_slack_sends_nothing_to_a_thread(world: dict[str, Any]) -> None:
    plain = RunPlanned(seq=1, at=datetime.now(UTC), goal="tidy", trigger="api", steps=[])
    assert _thread_tasks([plain, _asked(2, "e3")]) == []
