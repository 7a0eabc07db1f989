"""notify and GET /notifications through functions-framework with fakes; the engine puts the page."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.engine.services.followups import enqueue_followup
from shared.engine.services.run_log import RunLog
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.ports import TaskQueue
from shared.runs.domain.state import RunState, RunStatus, Waiting
from shared.team.services.sessions import start_session
from shared.tools.base import ToolContext
from shared.tools.flow import SendNotificationArgs, send_notification
from shared.workspace.domain.tenants import Tenant
from tests.support.engine.engine_fakes import make_deps
from tests.support.notify.notifications_api import LiveContainer
from tests.support.platform.fake_container import client, json_body
from tests.support.platform.platform_fakes import FakeQueue


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> LiveContainer:
    container = LiveContainer()
    now = datetime.now(UTC)
    container.tenants.save(
        Tenant(tenant_id="t1", workspace_id="w1", token_secret="s", created_at=now, updated_at=now)
    )
    container.notifier = container.live
    return container


def body(notification_id: str, page_id: str | None = None, **data: str) -> dict[str, object]:
    return {
        "notification_id": notification_id,
        "tenant_id": "t1",
        "subject": f"About {notification_id}",
        "text": "Details.",
        "data": ({"page_id": page_id} if page_id else {}) | data,
    }


def test_notify_twice_comments_once_and_get_notifications_lists_newest_first(fakes: LiveContainer) -> None:
    page = fakes.comments_on.add_page("Launch")
    notify = client("notify", fakes)
    first = notify.post("/", json=body("n-sent", page))
    again = notify.post("/", json=body("n-sent", page))
    assert first.json == {"notification_id": "n-sent", "delivered": True}
    assert again.status_code == 200 and again.json == {"notification_id": "n-sent", "delivered": False}
    assert len(fakes.comments_on.comments[page]) == 1
    approve = "https://api.example/links/tok"
    later = notify.post("/", json=body("n-daily", None, approve_url=approve))
    assert later.status_code == 200 and json_body(later)["delivered"] is False
    fakes.notifications.records[("t1", "n-daily")] = fakes.notifications.records[
        ("t1", "n-daily")
    ].model_copy(
        update={"created_at": datetime.now(UTC)}  # strictly newer than n-sent
    )

    auth = {"Authorization": f"Bearer {start_session('t1', fakes.secrets)}"}
    listed = client("api", fakes).get("/notifications", headers=auth)
    assert listed.status_code == 200
    rows = json_body(listed)["notifications"]
    assert [(r["notification_id"], r["status"]) for r in rows] == [
        ("n-daily", "undeliverable"),
        ("n-sent", "sent"),
    ]
    assert "no page" in rows[0]["reason"] and approve not in json.dumps(rows[0])  # a link is never kept
    assert set(rows[0]) >= {"subject", "text", "status", "created_at"}
    other = {"Authorization": f"Bearer {start_session('t2', fakes.secrets)}"}
    empty: dict[str, Any] = {"notifications": [], "next_cursor": None}
    assert client("api", fakes).get("/notifications", headers=other).json == empty
    first_page = json_body(client("api", fakes).get("/notifications?limit=1", headers=auth))
    assert [r["notification_id"] for r in first_page["notifications"]] == ["n-daily"]
    cursor = first_page["next_cursor"]
    last_page = json_body(client("api", fakes).get(f"/notifications?limit=1&cursor={cursor}", headers=auth))
    assert [r["notification_id"] for r in last_page["notifications"]] == ["n-sent"]
    assert last_page["next_cursor"] is None and json_body(listed)["next_cursor"] is None
    # another workspace's cursor names nothing of this one: a 400, nothing listed
    stranger = client("api", fakes).get(f"/notifications?cursor={cursor}", headers=other)
    assert stranger.status_code == 400 and "start again" in json_body(stranger)["reason"]


@pytest.mark.parametrize("limit", ["0", "101", "ten", "-1"])
def test_get_notifications_bounds_its_page_size(fakes: LiveContainer, limit: str) -> None:
    auth = {"Authorization": f"Bearer {start_session('t1', fakes.secrets)}"}
    answer = client("api", fakes).get(f"/notifications?limit={limit}", headers=auth)
    assert answer.status_code == 400 and "limit" in json_body(answer)["reason"]


@pytest.mark.parametrize("cursor", ["nobody", "a" * 201, "caf\u00e9"])
def test_a_cursor_the_api_never_gave_is_a_400(fakes: LiveContainer, cursor: str) -> None:
    auth = {"Authorization": f"Bearer {start_session('t1', fakes.secrets)}"}
    answer = client("api", fakes).get("/notifications", query_string={"cursor": cursor}, headers=auth)
    assert answer.status_code == 400 and "cursor" in json_body(answer)["reason"]


def test_get_notifications_needs_a_session(fakes: LiveContainer) -> None:
    assert client("api", fakes).get("/notifications").status_code == 401


def test_a_transient_notion_error_is_a_503(fakes: LiveContainer) -> None:
    from shared.platform.errors import TransientError

    page = fakes.comments_on.add_page("Launch")
    fakes.comments_on.fail["add_comment"] = [TransientError("Notion answered 503")]
    assert client("notify", fakes).post("/", json=body("n1", page)).status_code == 503
    assert json_body(client("notify", fakes).post("/", json=body("n1", page)))["delivered"] is True


# -- the engine says which page a notification is about -------------------------------------------


def notified(queue: TaskQueue) -> NotifyTask:
    assert isinstance(queue, FakeQueue)
    [(_, note, _, _)] = queue.tasks
    assert isinstance(note, NotifyTask)
    return note


def test_a_finished_run_notifies_about_its_trigger_page() -> None:
    deps = make_deps()
    enqueue_followup(
        RunLog(deps, "t1", "r1"), RunState(goal="g", page_id="page-9", status=RunStatus.COMPLETED)
    )
    note = notified(deps.queue)
    assert note.data == {"page_id": "page-9"} and note.priority == "normal"


def test_a_decision_request_is_urgent_and_about_the_trigger_page() -> None:
    deps = make_deps()
    waiting = Waiting(request_id="approval-2", purpose="approval", prompt="Publish?", step=2)
    state = RunState(goal="g", page_id="page-9", status=RunStatus.WAITING_FOR_HUMAN, waiting=waiting)
    enqueue_followup(RunLog(deps, "t1", "r1"), state)
    note = notified(deps.queue)
    assert note.priority == "urgent" and note.data["page_id"] == "page-9"
    assert note.data == {
        "page_id": "page-9",
        "run_id": "r1",
        "request_id": "approval-2",
        "purpose": "approval",
    }


def test_a_run_without_a_page_notifies_about_none() -> None:
    deps = make_deps()
    enqueue_followup(
        RunLog(deps, "t1", "daily-20260105"), RunState(goal="Plan my day", status=RunStatus.FAILED)
    )
    assert "page_id" not in notified(deps.queue).data


def test_the_send_notification_tool_carries_the_runs_page() -> None:
    queue = FakeQueue()
    model: Any = None  # the tool calls no model
    ctx = ToolContext("t1", "r1", 3, "r1:3:1", None, model, queue, str, page_id="page-9")  # nor Notion
    send_notification(ctx, SendNotificationArgs(subject="Hi", text="There"))
    assert notified(queue).data == {"page_id": "page-9"}
