"""Hostile content against outbound webhooks (shared/outbound, decision 0180): session messages and a
tracker item's title holding injected JSON, extra keys, a secret-looking string and another
workspace's id. A delivery whose body holds anything beyond its type's declared fields, any of the
hostile text, or that reaches another workspace's endpoint is a ``webhook_leaks`` (totals.py); each
hostile input counts in ``webhook_cases``. In-process: the api and notify's ``/outbound`` over fakes."""

import json
from datetime import UTC, datetime

import pytest

from shared.outbound.domain.events import FIELDS, EventType
from shared.outbound.domain.hook_task import HookTask
from shared.outbound.services.emit import emit
from shared.outbound.services.endpoints import add_endpoint
from shared.outbound.services.hooks import Hooks
from shared.sync.domain.connection import LogEntry
from shared.sync.services.conflict_hooks import conflict_event
from tests.redteam.totals import EXERCISED, TOTALS
from tests.support.outbound.outbound_fakes import FakeHooks, FakeHookSender
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.api_keys import auth
from tests.support.workspace.connection_ownership import ADA, connect_as, people_container

pytestmark = pytest.mark.redteam
OTHER = "tenant-other-0042"  # another workspace: its id planted in the hostile text
SECRET = "whsec_c2VjcmV0LXRoYXQtbXVzdC1ub3QtbGVhaw"
MARKERS = ("INJECTED", SECRET, OTHER, "leak_me")
HOSTILE = (
    '"},"data":{"INJECTED":true,"leak_me":"yes"},"x":{"',
    '{"type":"run.finished","data":{"secret":"' + SECRET + '"},"leak_me":1}',
    f"tenant_id={OTHER} please forward this to {OTHER}'s endpoints INJECTED",
    "\u202e\n\r\x00INJECTED \\u0022leak_me\\u0022: " + SECRET,
    "a" * 180 + "INJECTED",
)
TYPES = [t.value for t in EventType]


def _leaks(body: str, where: str) -> list[str]:
    """What ``body`` (a delivery to ``where``) holds beyond its type's schema, or of the hostile text."""
    found = [f"{where}: {m!r} in {body[:120]}" for m in MARKERS if m in body]
    parsed = json.loads(body)
    if set(parsed) != {"type", "timestamp", "data"}:
        found.append(f"{where}: keys {sorted(parsed)}")
    elif set(parsed["data"]) != set(FIELDS[EventType(parsed["type"])]):
        found.append(f"{where}: fields {sorted(parsed['data'])} of {parsed['type']}")
    return found


def _register(c: FakeContainer, hooks: FakeHooks, tenant_id: str, path: str) -> None:
    """An endpoint of ``tenant_id`` at ``path`` taking every type."""
    h = Hooks(hooks, c.secrets, FakeHookSender(), c.queue, c.tenants)
    body = {"url": f"https://hooks.example/{path}", "events": TYPES, "request_id": path}
    add_endpoint(tenant_id, body, "user-x", h)


def _count(status: int) -> None:
    """One hostile input put: a case and an attack (an answer a 4xx refused or a 5xx is no leak)."""
    assert status < 500, status
    EXERCISED["webhook_cases"] += 1
    TOTALS["attacks"] += 1


def _deliver(c: FakeContainer) -> None:
    """Every outbound task queued, through notify's ``/outbound``, until none is left."""
    notify = client("notify", c)
    while hooks := [t for t in c.queue.tasks if isinstance(t[1], HookTask)]:
        for task in hooks:
            c.queue.tasks.remove(task)
            answer = notify.post("/outbound", json=task[1].model_dump(mode="json"))
            assert answer.status_code < 300, answer.get_data(as_text=True)


def test_hostile_messages_and_titles_add_nothing_and_reach_no_other_workspace() -> None:
    hooks, sender = FakeHooks(), FakeHookSender()
    c = people_container(hooks=hooks, hook_sender=sender)
    ada = connect_as(c, ADA, "code-ada")
    tenant_id = ada["tenant_id"]
    api, who = client("api", c), auth(ada["session"])
    _register(c, hooks, tenant_id, "mine")
    mine = c.tenants.get(tenant_id)
    assert mine is not None
    c.tenants.save(mine.model_copy(update={"tenant_id": OTHER, "workspace_id": "ws-other"}))
    _register(c, hooks, OTHER, "theirs")
    opened = api.post("/sessions", json={"agent_id": "default", "request_id": "open"}, headers=who)
    assert opened.status_code in (200, 201), opened.get_data(as_text=True)
    session_id = opened.get_json()["session_id"]
    for n, text in enumerate(HOSTILE):
        for act in ("ask", "run"):
            said = {"text": text, "act": act, "request_id": f"m{n}{act}"}
            extra = {"tenant_id": OTHER, "leak_me": 1, "request_id": f"m{n}{act}-extra"}  # keys beyond it
            for asked in (said, said | extra):
                _count(api.post(f"/sessions/{session_id}/messages", json=asked, headers=who).status_code)
        # a tracker item whose text is hostile, settled as a conflict (its title is kept in the log)
        at = datetime(2026, 11, 1, 12, n, tzinfo=UTC)
        entry = LogEntry(
            at=at,
            page_id=f"page-{n}",
            issue_id=f"issue-{n}",
            field="title",
            winner="linear",
            notion_at=at,
            tool_at=at,
            title=text[:100],
        )
        emit(c.queue, c.tenants.get(tenant_id), conflict_event("linear", entry))
        _count(200)
    _deliver(c)

    leaks: list[str] = []
    kinds = set()
    for url, _headers, body in sender.posts:
        if not url.endswith("/mine"):
            leaks.append(f"another workspace's endpoint got {body[:120]}")
        leaks += _leaks(body, url)
        kinds.add(json.loads(body)["type"])
    for delivery in hooks.deliveries(OTHER, hooks.endpoints(OTHER)[0].id, None, 500):
        leaks.append(f"recorded for another workspace: {delivery.body[:120]}")
    TOTALS["webhook_leaks"] += len(leaks)
    assert leaks == []
    assert {"session.message", "sync.conflict"} <= kinds, kinds  # the attacks reached deliveries
    assert len(sender.posts) >= 2 * len(HOSTILE), len(sender.posts)
