"""The session-message and sync-conflict emitters through the code that decides them, against the
Firestore emulator and the local receiver (local/hook_receiver.py): a message posted to a session
through the api, a field changed on both sides of Linear's sync (the Linear and Notion sandboxes).
Each endpoint taking the type records one delivery, its body exactly the type's fields with the
ids of what happened, and receives it signed; an endpoint not taking the type gets nothing."""

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from local.hook_receiver import HookReceiver
from local.linear_sandbox.app import KEY, TEAM_ID
from local.notion_sandbox import SandboxServer
from local.wsgi_thread import ThreadedServer
from shared.outbound.adapters.firestore_hooks import FirestoreHooks
from shared.outbound.adapters.http_sender import HttpHookSender
from shared.outbound.domain.endpoints import Delivery
from shared.outbound.domain.events import FIELDS, EventType
from shared.outbound.domain.hook_task import HookTask
from shared.outbound.ports import HookStore
from shared.outbound.services.deliver import run_hook_task
from shared.outbound.services.endpoints import add_endpoint
from shared.outbound.services.hooks import Hooks
from shared.sessions.adapters.firestore_sessions import FirestoreSessions
from shared.sync.domain.fields import issue_id_for
from shared.sync.domain.sync_task import SyncTask
from shared.sync.services.connect import connect_linear, set_people
from shared.sync.services.mirror import Mirroring, run_sync_task
from shared.workspace.adapters.firestore_tenants import FirestoreTenantStore
from tests.support.platform.fake_container import client
from tests.support.platform.platform_fakes import FakeQueue
from tests.support.sync.sync_stack import IDS, SyncStack, sync_stack
from tests.support.sync.sync_storm import DiesAfter, Killed
from tests.support.team.api_keys import auth
from tests.support.workspace.connection_ownership import ADA, connect_as, people_container

pytestmark = pytest.mark.integration

ENDPOINTS = {  # path at the receiver -> the types its endpoint takes
    "messages": ["session.message"],
    "both": ["session.message", "sync.conflict"],
    "conflicts": ["sync.conflict"],
    "runs": ["run.started", "run.finished"],
}


@pytest.fixture
def stack(firestore_emulator: Any, running_sandbox: SandboxServer, tmp_path: Path) -> Iterator[SyncStack]:
    """Linear's sync stack (tests/support/sync/sync_stack.py) on a new workspace of the emulator."""
    with sync_stack(firestore_emulator.client(), running_sandbox.url, tmp_path) as built:
        yield built


def _deliver_all(queue: FakeQueue, run: Callable[[HookTask], object]) -> None:
    """Every outbound task queued, run once, until none is left: fan-outs, then their deliveries."""
    while hooks := [t for t in queue.tasks if isinstance(t[1], HookTask)]:
        for task in hooks:
            queue.tasks.remove(task)
            body = task[1]
            assert isinstance(body, HookTask)
            run(body)


def _recorded(store: HookStore, tenant_id: str, ids: dict[str, str]) -> dict[str, list[Delivery]]:
    """Each endpoint's deliveries as recorded, by its path at the receiver."""
    return {path: store.deliveries(tenant_id, ident, None, 50) for path, ident in ids.items()}


def _check(app: HookReceiver, recorded: dict[str, list[Delivery]], kind: str, data: dict[str, Any]) -> None:
    """One delivery of ``kind``, its type's fields holding ``data``, at each endpoint taking it, received
    once and verified there; nothing recorded or received at the others."""
    for path, kinds in ENDPOINTS.items():
        got = recorded[path]
        arrived = [a for a in app.arrivals if a.path == f"/{path}"]
        if kind not in kinds:
            assert got == [] and arrived == [], path
            continue
        [delivery] = got
        body = json.loads(delivery.body)
        assert (delivery.type, delivery.status) == (kind, "delivered"), path
        assert set(body) == {"type", "timestamp", "data"} and body["type"] == kind
        assert set(body["data"]) == set(FIELDS[EventType(kind)]), path  # its fields, no others
        assert {k: body["data"][k] for k in data} == data, path
        [arrival] = arrived
        assert (
            arrival.verified is True and arrival.webhook_id == delivery.id and arrival.body == delivery.body
        )


def test_a_session_message_is_delivered_once_to_each_endpoint_taking_it(
    firestore_db: Any, receiver: tuple[HookReceiver, ThreadedServer]
) -> None:
    app, server = receiver
    hooks = FirestoreHooks(firestore_db)
    fakes = people_container(
        {"hooks_allow_loopback": True},
        hooks=hooks,
        hook_sender=HttpHookSender(),
        sessions=FirestoreSessions(firestore_db),
    )
    ada = connect_as(fakes, ADA, "code-ada")
    api, who = client("api", fakes), auth(ada["session"])
    ids = {}
    for path, kinds in ENDPOINTS.items():
        body = {"url": f"{server.url}/{path}", "events": kinds, "request_id": path}
        made = api.post("/webhooks/endpoints", json=body, headers=who).get_json()
        ids[path], app.secrets[f"/{path}"] = made["id"], made["secret"]
    opened = api.post("/sessions", json={"agent_id": "default", "request_id": "open-1"}, headers=who)
    assert opened.status_code in (200, 201), opened.get_data(as_text=True)
    session = opened.get_json()
    said = {"text": "Draft the launch note", "act": "run", "request_id": "m1"}
    answers = [
        api.post(f"/sessions/{session['session_id']}/messages", json=said, headers=who) for _ in range(2)
    ]  # the message sent, then its repeat
    assert [a.status_code for a in answers] == [200, 200], answers[0].get_data(as_text=True)
    message = answers[0].get_json()
    assert message["state"] == "started" and message["run_id"]
    notify = client("notify", fakes)
    _deliver_all(fakes.queue, lambda task: notify.post("/outbound", json=task.model_dump(mode="json")))

    data = {
        "session_id": session["session_id"],
        "agent_id": "default",
        "member_id": session["member_id"],
        "place": 1,
        "act": "run",
        "state": "started",
        "run_id": message["run_id"],
        "at": message["created_at"],
    }
    _check(app, _recorded(hooks, ada["tenant_id"], ids), "session.message", data)


def _conflicted(
    stack: SyncStack, receiver: tuple[HookReceiver, ThreadedServer]
) -> tuple[Hooks, Mirroring, dict[str, str], SyncTask]:
    """The four endpoints registered, Linear connected and its issues made, then the invoices' title
    changed on both sides (Linear's later): the hooks, the mirror with its tenants, the endpoints' ids
    by path and the scan to run."""
    app, server = receiver
    tenants, hooks = FirestoreTenantStore(stack.db), FirestoreHooks(stack.db)
    h = Hooks(hooks, stack.secrets, HttpHookSender(), stack.queue, tenants, allow_loopback=True)
    mirroring = stack.mirroring._replace(tenants=tenants)  # as the container's sync part builds it
    ids = {}
    for path, kinds in ENDPOINTS.items():
        body = {"url": f"{server.url}/{path}", "events": kinds, "request_id": path}
        made, _ = add_endpoint(stack.tenant_id, body, "user-ada", h)
        ids[path], app.secrets[f"/{path}"] = made["id"], made["secret"]
    connect_linear(stack.tenant_id, {"api_key": KEY, "team_id": TEAM_ID}, stack.linking)
    set_people(stack.tenant_id, {"people": {"ada@demo.example": IDS["owner"]}}, stack.store)
    since = stack.clock[0] - timedelta(hours=1)
    scan = SyncTask(tenant_id=stack.tenant_id, kind="scan", since=since)
    run_sync_task(scan, mirroring)  # the pages become issues, linked
    stack.notion.update_page_properties(
        IDS["task_invoices"], {"Name": {"title": [{"text": {"content": "Notion's"}}]}}
    )
    stack.linear.edit(_invoices_issue(stack), title="Linear's")  # later than Notion's edit: Linear's wins
    stack.linear.outbox.clear()
    return h, mirroring, ids, scan


def _invoices_issue(stack: SyncStack) -> str:
    """The id of the Linear issue made for the invoices' page."""
    return issue_id_for(stack.tenant_id, IDS["task_invoices"])


def test_a_sync_conflict_is_delivered_once_to_each_endpoint_taking_it(
    stack: SyncStack, receiver: tuple[HookReceiver, ThreadedServer]
) -> None:
    h, mirroring, ids, scan = _conflicted(stack, receiver)
    for _ in range(2):  # the scan, then its task run again: the same conflict's event
        run_sync_task(scan, mirroring)
    _deliver_all(stack.queue, lambda task: run_hook_task(task, h))

    [entry] = stack.store.read_log(stack.tenant_id, stack.clock[0] - timedelta(days=1))
    assert entry.page_id.replace("-", "") == IDS["task_invoices"].replace("-", "")
    data = {
        "tool": "linear",
        "page_id": entry.page_id,
        "issue_id": _invoices_issue(stack),
        "field": "title",
        "winner": "linear",
        "notion_at": entry.notion_at.isoformat(),
        "tool_at": entry.tool_at.isoformat(),
        "at": entry.at.isoformat(),
    }
    _check(receiver[0], _recorded(h.store, stack.tenant_id, ids), "sync.conflict", data)


def test_a_conflict_whose_task_dies_after_its_write_is_still_delivered_once(
    stack: SyncStack, receiver: tuple[HookReceiver, ThreadedServer]
) -> None:
    h, mirroring, ids, scan = _conflicted(stack, receiver)
    dying = DiesAfter(mirroring.notion_for(stack.tenant_id), "update_page_properties")
    with pytest.raises(Killed):  # Linear's title written to the page, then the instance gone
        run_sync_task(scan, mirroring._replace(notion_for=lambda _t: dying))
    run_sync_task(scan, mirroring)  # the queue's retry: both sides agree now
    _deliver_all(stack.queue, lambda task: run_hook_task(task, h))

    page_id = IDS["task_invoices"].replace("-", "")
    ids_of = {
        "tool": "linear",
        "page_id": page_id,
        "issue_id": _invoices_issue(stack),
        "field": "title",
        "winner": "linear",
    }
    _check(receiver[0], _recorded(h.store, stack.tenant_id, ids), "sync.conflict", ids_of)
