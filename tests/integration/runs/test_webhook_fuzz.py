"""Fuzzing notion-webhook through functions-framework's app (test client) with hypothesis: 2,000+
requests of random bytes, JSON trees, mutated and mis-signed events, handshakes, oversize bodies and
wrong methods, against the real Firestore emulator and the local Cloud Tasks emulator.

Every answer must be 200/400/401/405/413 (never 5xx); a request that is not answered 200 must not
reach the event ledger or the queue (checked per request by spies on the two ports, and at the end
on the emulators: the records and tasks are exactly those of the events answered ``enqueued``)."""

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.notion_sandbox import signature
from shared.platform.config import PlatformSecret
from shared.platform.domain.tasks import TaskBody
from shared.platform.ports import TaskQueue
from shared.platform.topology import Queue
from shared.runs.domain.notion_events import SIGNATURE_HEADER
from shared.workspace.domain.settings import TenantSettings
from shared.workspace.domain.skipped_edits import SkippedEdit
from shared.workspace.domain.tenants import EventRecord
from shared.workspace.ports import WebhookEventLedger
from tests.integration.notion_stack import VERIFICATION_TOKEN, Stack
from tests.support.platform.fake_container import json_body
from tests.support.platform.strategies import sampled

pytestmark = pytest.mark.integration
EXAMPLES = 2000
LIMIT = 4096  # a small body limit for this test, so oversize cases stay cheap


@dataclass
class Spy:
    """Counts what reaches the ledger and the queue, then lets the real adapter do it."""

    ledger: WebhookEventLedger
    queue: TaskQueue
    calls: list[str] = field(default_factory=list)
    skips: list[str] = field(default_factory=list)

    def record(self, *args: Any, **kwargs: Any) -> EventRecord:
        """Forwards as it was called: the port's signature is the ledger's, not repeated here."""
        self.calls.append("record")
        return self.ledger.record(*args, **kwargs)

    def mark_enqueued(self, tenant_id: str, event_id: str) -> None:
        self.calls.append("mark_enqueued")
        self.ledger.mark_enqueued(tenant_id, event_id)

    def skip(self, tenant_id: str, edit: SkippedEdit) -> None:
        """Kept apart from ``calls``: an edit the rules skip is kept, though it makes no record or task."""
        self.skips.append(edit.slot)
        self.ledger.skip(tenant_id, edit)

    def skipped(self, tenant_id: str, since: datetime, limit: int = 50) -> list[SkippedEdit]:
        return self.ledger.skipped(tenant_id, since, limit)

    def enqueue(self, queue: Queue, body: TaskBody, task_id: str, delay_s: float = 0.0) -> bool:
        self.calls.append("enqueue")
        return self.queue.enqueue(queue, body, task_id, delay_s)


latin1 = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=80)
ids = st.one_of(st.uuids().map(str), st.text(max_size=30), st.integers(), st.none())
json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
json_tree = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
AN_HOUR_AGO = (datetime.now(UTC) - timedelta(hours=1)).isoformat()  # within the age events may have
EVENT_TYPES = ["page.created", "page.properties_updated", "page.content_updated", "comment.created"]
OTHER_TYPES = ["data_source.content_updated", "page.deleted", "database.created", "", "PAGE.CREATED"]
# Each strategy the composites draw from made once (tests/support/platform/strategies.py): made at
# each draw, hypothesis' checks of the new strategies were a tenth of this test's CPU.
UUID_INTS = st.integers(0, 2**128 - 1)
JUNK = st.one_of(ids, json_tree)
EVENT_KEYS = ["authors", "data", "entity", "id", "timestamp", "type", "workspace_id"]
REPLACED = st.lists(st.sampled_from(EVENT_KEYS), max_size=3, unique=True)
BODIES = st.binary(max_size=600)
TOKENS = st.text(max_size=60)
OVERSIZE = st.integers(LIMIT, LIMIT * 3)


@st.composite
def events(draw: st.DrawFn, workspace_id: str, data_source_id: str, bot_id: str) -> dict[str, Any]:
    """An event close to Notion's shape, with some fields replaced by junk."""
    event: dict[str, Any] = {
        "id": str(uuid.UUID(int=draw(UUID_INTS))),
        "timestamp": AN_HOUR_AGO,
        "workspace_id": draw(sampled([workspace_id, workspace_id, "ws-unknown"])),
        "type": draw(sampled(EVENT_TYPES + OTHER_TYPES)),
        "authors": [{"id": draw(sampled(["person-1", bot_id])), "type": "person"}],
        "entity": {"id": str(uuid.uuid4()), "type": "page"},
        "data": {
            "parent": {"id": "db", "type": "database", "data_source_id": data_source_id},
            "page_id": "p",
        },
    }
    assert sorted(event) == EVENT_KEYS
    for key in draw(REPLACED):
        if draw(st.booleans()):
            event.pop(key)
        else:
            event[key] = draw(JUNK)
    return event


@st.composite
def requests(draw: st.DrawFn, workspace_id: str, data_source_id: str, bot_id: str) -> dict[str, Any]:
    kind = draw(sampled(["bytes", "tree", "event", "event", "event", "handshake", "oversize"]))
    if kind == "bytes":
        body = draw(BODIES)
    elif kind == "tree":
        body = json.dumps(draw(json_tree)).encode()
    elif kind == "handshake":
        body = json.dumps({"verification_token": draw(TOKENS)}).encode()
    elif kind == "oversize":
        body = b'{"pad": "' + b"x" * draw(OVERSIZE) + b'"}'
    else:
        body = json.dumps(draw(events(workspace_id, data_source_id, bot_id))).encode()
    signing = draw(sampled(["good", "good", "none", "wrong_token", "other_body", "junk"]))
    headers = {"Content-Type": draw(sampled(["application/json", "text/plain", ""]))}
    if signing == "good":
        headers[SIGNATURE_HEADER] = signature(VERIFICATION_TOKEN, body)
    elif signing == "wrong_token":
        headers[SIGNATURE_HEADER] = signature("secret_not_ours", body)
    elif signing == "other_body":
        headers[SIGNATURE_HEADER] = signature(VERIFICATION_TOKEN, body + b"\n")
    elif signing == "junk":
        headers[SIGNATURE_HEADER] = draw(latin1)
    method = draw(sampled(["POST"] * 12 + ["GET", "PUT", "DELETE"]))
    return {"method": method, "body": body, "headers": headers}


def test_fuzzed_requests_never_fail_and_rejected_ones_store_nothing(stack: Stack) -> None:
    tenant_id = stack.connect()["tenant_id"]
    ws = next(w for w in stack.admin.get("/workspaces") if w["key"] == "demo")
    tenant = stack.container.workspace.tenants.get(tenant_id)
    assert tenant is not None
    data_source = ws["ids"]["tasks_data_source"]
    stack.container.workspace.tenants.save(
        tenant.model_copy(update={"settings": TenantSettings(data_source_ids=[data_source])})
    )
    stack.container.platform.secrets.put(PlatformSecret.NOTION_WEBHOOK_TOKEN, VERIFICATION_TOKEN)
    spy = Spy(stack.container.workspace.webhook_events, stack.container.platform.queue)
    stack.container.instance.built["webhook_events"] = spy
    stack.container.instance.built["queue"] = spy
    stack.container.settings = stack.settings.replace(webhook_max_body_bytes=LIMIT)
    client = stack.client("notion_webhook")
    statuses: Counter[int] = Counter()
    results: Counter[str] = Counter()
    enqueued: set[str] = set()
    runs: set[str] = set()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests(ws["workspace_id"], data_source, ws["bot_id"]))
    def one(request: dict[str, Any]) -> None:
        before = len(spy.calls)
        answer = client.open("/", method=request["method"], data=request["body"], headers=request["headers"])
        statuses[answer.status_code] += 1
        assert answer.status_code in (200, 400, 401, 405, 413), answer.get_data(as_text=True)
        if answer.status_code != 200:
            assert len(spy.calls) == before, f"{answer.status_code} but the ledger or queue was used"
            return
        result = json_body(answer)["result"]
        results[result] += 1
        if result in ("enqueued", "coalesced", "duplicate"):
            enqueued.add(json.loads(request["body"])["id"])
            if result != "duplicate":  # a repeat (fuzzed ids recur with other bodies) enqueues nothing
                runs.add(json_body(answer)["detail"])
        else:
            assert len(spy.calls) == before

    one()
    print(f"fuzz: {sum(statuses.values())} requests, statuses {dict(statuses)}, results {dict(results)}")
    assert sum(statuses.values()) >= EXAMPLES
    assert statuses[400] and statuses[401] and statuses[413] and statuses[405] and results["enqueued"]
    assert stack.event_ids(tenant_id) == sorted(enqueued)
    assert stack.all_event_records() == [f"tenants/{tenant_id}/events/{i}" for i in sorted(enqueued)]
    tasks = stack.plan_tasks()
    assert sorted(t.run_id for t in tasks) == sorted(runs)  # one task per run an answer named
    assert {t.trigger.event_id for t in tasks} <= enqueued  # each started by an accepted event
    assert stack.secrets_file()[PlatformSecret.NOTION_WEBHOOK_TOKEN.value] == VERIFICATION_TOKEN
