"""Firestore indexes and TTL policies, held against the queries and documents of shared/*/adapters/.

Queries: every adapter function that queries (``where``, ``order_by``, ``collection_group``, an
aggregation) is found with ``ast``; each must be in QUERIES below with the composite indexes it needs
(or none, with the reason), the field names of those indexes must appear in that function, and the
indexes of QUERIES must be exactly those in terraform/firestore.tf. A new query fails the test until
someone decides which index it needs.

TTL: the documents the code writes are captured with a stand-in Firestore client, so the TTL field
names come from the code itself; run events (which share the collection-group name ``events`` with
the webhook records) must never carry the TTL field.
"""

import ast
import typing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from unittest.mock import Mock

from tools.infra_drift import Terraform

if TYPE_CHECKING:
    from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[3]
ADAPTERS = ROOT / "shared"  # every capability's adapters: shared/*/adapters/
QUERY_CALLS = {"where", "order_by", "collection_group", "sum", "count", "avg", "start_after"}

Index = tuple[str, str, tuple[tuple[str, str], ...]]  # (collection group, scope, ((field, order), ...))


@dataclass(frozen=True)
class Query:
    what: str
    indexes: tuple[Index, ...]  # empty: served by automatic single-field indexes (why in `what`)


def _idx(collection: str, scope: str, *fields: str) -> Index:
    return (collection, scope, tuple((f, "ASCENDING") for f in fields))


def _ordered(collection: str, scope: str, *fields: tuple[str, str]) -> Index:
    return (collection, scope, tuple(fields))


# (adapter file, qualified function) -> the query it makes and the composite indexes it needs.
QUERIES: dict[tuple[str, str], Query] = {
    ("firestore_store.py", "FirestoreRunStore._ended"): Query(
        "tenants/{t}/runs/{r}/ended: map_step == ? (a map's ended children, decision 0073); one field: automatic",
        (),
    ),
    ("firestore_store.py", "FirestoreRunStore.count_ended"): Query(
        "tenants/{t}/runs/{r}/ended: map_step == ?, count() (the fan-in's look); one field: automatic", ()
    ),
    ("firestore_audit.py", "FirestoreAudit.newest"): Query(
        "tenants/{t}/audit: at < ?, at >= ? order by at DESC (the audit log); one field: automatic", ()
    ),
    ("firestore_tenants.py", "FirestoreWebhookEvents.skipped"): Query(
        "tenants/{t}/skipped_edits: at >= ? order by at DESC (GET /skipped-edits); one field: automatic", ()
    ),
    ("firestore_erasure.py", "FirestoreErasure._delete_named"): Query(
        "workspaces, api_keys, dead_letters, slack_teams: tenant_id == ? (a workspace's erasure); one field: automatic",
        (),
    ),
    ("firestore_erasure.py", "FirestoreErasure._leave_recipients"): Query(
        "email_recipients: tenants array-contains ? (a workspace's erasure); one field: automatic", ()
    ),
    ("firestore_doctor.py", "FirestoreDoctorChecks.due_for_judgement"): Query(
        "doctor_checks: judge_after <= ? order by judge_after (the scheduled doctor's round); one field, "
        "collection scope: automatic",
        (),
    ),
    ("firestore_dead_letters.py", "FirestoreDeadLetters.recent"): Query(
        "dead_letters order by received_at DESC (an operator's listing); one field, collection scope: automatic",
        (),
    ),
    **{
        (module, name): Query(what + "; one field: automatic", ())
        for module, name, what in (
            (
                "firestore_mailboxes.py",
                "FirestoreMailboxes.of_tenant",
                "mail_mailboxes: tenant_id == ? (an erasure)",
            ),
        )
    },
    **{
        ("firestore_links.py", f"FirestoreCalendarLinks.{name}"): Query(what + "; one field: automatic", ())
        for name, what in (
            ("by_channel", "calendar_links: channel_id == ? (a calendar's push)"),
            ("of_tenant", "calendar_links: tenant_id == ? (GET /integrations)"),
            ("expiring", "calendar_links: channel_expires_at < ? order by it (the tick's renewals)"),
            ("keep", "calendar_meetings: person == ? (a full sync's stale meetings)"),
            ("forget", "calendar_meetings: person == ? (a calendar disconnected)"),
        )
    },
    ("firestore_links.py", "FirestoreCalendarLinks._window"): Query(
        "calendar_meetings: start or end in [?, ?) order by it (the tick), or tenant_id == ? with start in "
        "[?, ?) order by start (the day's plan)",
        (_idx("calendar_meetings", "COLLECTION", "tenant_id", "start"),),
    ),
    ("firestore_sessions.py", "FirestoreSessions.sessions"): Query(
        "tenants/{t}/agent_sessions: member_id == ? [created_at < ?] order by created_at DESC (a "
        "person's sessions, newest first): an equality and an order on another field",
        (_ordered("agent_sessions", "COLLECTION", ("member_id", "ASCENDING"), ("created_at", "DESCENDING")),),
    ),
    ("firestore_sessions.py", "FirestoreSessions.messages"): Query(
        "tenants/{t}/agent_sessions/{s}/messages: place > n order by place; one field: automatic", ()
    ),
    ("firestore_store.py", "FirestoreRunStore.list_events"): Query(
        "tenants/{t}/runs/{r}/events: seq > n order by seq; one field, collection scope: automatic", ()
    ),
    ("firestore_store.py", "FirestoreRunStore.list_runs"): Query(
        "tenants/{t}/runs [status == ?] [trigger == ?] [agent == ?] [created_at >= ?] order by created_at DESC, "
        "run_id DESC, start_after a cursor (GET /runs): two orders need a composite index, one per "
        "combination of the equalities. With search_terms array_contains ? (GET /runs?q=): the "
        "runs_search resource's indexes, which `make check-indexes` holds against the queries sent",
        (
            *(  # each combination of the equalities, the agent's last
                _ordered(
                    "runs",
                    "COLLECTION",
                    *((name, "ASCENDING") for name in (*equalities, *agent)),
                    ("created_at", "DESCENDING"),
                    ("run_id", "DESCENDING"),
                )
                for agent in ((), ("agent",))
                for equalities in ((), ("status",), ("trigger",), ("status", "trigger"))
            ),
        ),
    ),
    ("firestore_sessions.py", "FirestoreSessions.in_thread"): Query(
        "tenants/{t}/agent_sessions: thread == ? (a Slack thread's sessions, decision 0201); one field", ()
    ),
    ("firestore_store.py", "FirestoreRunStore.children"): Query(
        "tenants/{t}/runs: parent == ? order by created_at, run_id (GET /runs/{id}/related): an equality "
        "and two orders need a composite index; its count(), the equality alone: automatic",
        (
            _ordered(
                "runs",
                "COLLECTION",
                ("parent", "ASCENDING"),
                ("created_at", "ASCENDING"),
                ("run_id", "ASCENDING"),
            ),
        ),
    ),
    ("firestore_store.py", "FirestoreRunStore.held"): Query(
        "tenants/{t}/runs: status in [waiting_for_human, paused] (a disconnect cancels them); one "
        "field, collection scope: automatic",
        (),
    ),
    ("firestore_store.py", "FirestoreRunStore.count_running"): Query(
        "tenants/{t}/runs: status == 'running', count() (a Runs row's interval); one field, "
        "collection scope: automatic",
        (),
    ),
    ("firestore_store.py", "FirestoreRunStore.stalled"): Query(
        "collection group runs: status == ?, updated_at < ? (the sweeper)",
        (_idx("runs", "COLLECTION_GROUP", "status", "updated_at"),),
    ),
    ("firestore_sync.py", "ToolSync.read_log"): Query(
        "tenants/{t}/sync_log (Linear's), tenants/{t}/gitlab_log (GitLab's): at >= ? order by at DESC "
        "(GET /sync/linear/log, GET /sync/gitlab/log); one field: automatic",
        (),
    ),
    ("minilm.py", "encode"): Query("not Firestore: numpy's sum in the local embedder's pooling", ()),
    ("minilm.py", "_forward"): Query("not Firestore: numpy's where and sum in the encoder's layers", ()),
    ("firestore_spend.py", "FirestoreSpend.stale_holds"): Query(
        "collection group spend_holds: release_after < ? order by release_after (the sweeper, decision "
        "0101); one field, collection-group scope: the single-field index firestore_field_indexes adds",
        (),
    ),
    ("firestore_notifications.py", "FirestoreNotificationLog.recent"): Query(
        "tenants/{t}/notifications order by created_at DESC (GET /notifications), from after a cursor's "
        "record (start_after its snapshot: the implicit document-id order); one field, collection scope: "
        "automatic",
        (),
    ),
    ("firestore_tenants.py", "FirestoreTenantStore.stream_active"): Query(
        "tenants: status == 'active' order by __name__ (daily planning, streamed); an equality and the "
        "document id: the automatic single-field index on status serves it",
        (),
    ),
    ("firestore_api_keys.py", "FirestoreApiKeys.list_for"): Query(
        "api_keys: tenant_id == ? (GET and POST /api-keys; sorted in memory, a workspace has a few "
        "keys); one equality: the automatic single-field index serves it",
        (),
    ),
    ("firestore_spend.py", "FirestoreSpend.spend_days"): Query(
        "collection group events: tenant_id == ?, kind == 'model_used', day == ?, sum(cost_usd), one "
        "per day of GET /usage's chart: the spend query's day index",
        (_idx("events", "COLLECTION_GROUP", "tenant_id", "kind", "day", "cost_usd"),),
    ),
    ("firestore_passages.py", "FirestorePassages.nearest"): Query(
        "tenants/{t}/passages [scope in ?] nearest to embedding (workspace search): vector indexes, "
        "written as literal resources passages_nearest and passages_nearest_in_scope (a vector field "
        "has no order); make check-indexes holds the recorded queries to them",
        (),
    ),
    ("firestore_passages.py", "FirestorePassages.keyword"): Query(
        "tenants/{t}/passages: terms array-contains-any (workspace search, keyword candidates); one "
        "array field, collection scope: automatic",
        (),
    ),
    ("firestore_spend.py", "FirestoreSpend.spend"): Query(
        "collection group events: tenant_id == ?, kind == 'model_used', day|month == ?, sum(cost_usd); "
        "sum() reads the summed field from the index, so it comes last",
        (
            _idx("events", "COLLECTION_GROUP", "tenant_id", "kind", "day", "cost_usd"),
            _idx("events", "COLLECTION_GROUP", "tenant_id", "kind", "month", "cost_usd"),
        ),
    ),
    ("firestore_hooks.py", "FirestoreHooks.deliveries"): Query(
        "tenants/{t}/hook_endpoints/{e}/hook_deliveries order by created_at DESC, start after a delivery "
        "(GET …/deliveries); one field: automatic",
        (),
    ),
    ("firestore_hooks.py", "FirestoreHooks.taking"): Query(
        "tenants/{t}/hook_endpoints: events array-contains ? (an event's fan-out); one field: automatic", ()
    ),
    ("firestore_installs.py", "FirestoreSlackInstalls.delete_for"): Query(
        "slack_teams: tenant_id == ? (a Slack disconnect); automatic", ()
    ),
}


def _query_functions() -> dict[tuple[str, str], set[str]]:
    """(file, qualified name) of every adapter function that builds a query -> its string constants."""
    found: dict[tuple[str, str], set[str]] = {}
    for path in sorted(ADAPTERS.glob("*/adapters/*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))

        def visit(node: ast.AST, prefix: str, file: str = path.name) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.ClassDef):
                    visit(child, f"{prefix}{child.name}.")
                elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    calls = {
                        n.func.attr
                        for n in ast.walk(child)
                        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                    }
                    if calls & QUERY_CALLS:
                        strings = {
                            n.value
                            for n in ast.walk(child)
                            if isinstance(n, ast.Constant) and isinstance(n.value, str)
                        }
                        found[(file, f"{prefix}{child.name}")] = strings
                    visit(child, f"{prefix}{child.name}.")

        visit(tree, "")
    return found


def _terraform_indexes(tf: Terraform) -> set[Index]:
    return {
        (i["collection"], i["query_scope"], tuple((path, order) for path, order in i["fields"]))
        for i in tf.locals["firestore_indexes"].values()
    }


def test_every_query_of_the_code_is_in_the_table() -> None:
    assert set(_query_functions()) == set(QUERIES), (
        "an adapter function queries Firestore (or stopped doing so): add it to QUERIES with the "
        "composite indexes it needs, and those to terraform/firestore.tf"
    )


def test_the_table_matches_the_code() -> None:
    functions = _query_functions()
    for where, query in QUERIES.items():
        for collection, _, fields in query.indexes:
            names = {collection, *(name for name, _ in fields)}
            assert names <= functions[where], f"{where}: no longer uses {sorted(names - functions[where])}"


def test_composite_indexes_match_the_queries_both_ways(tf: Terraform) -> None:
    needed = {index for query in QUERIES.values() for index in query.indexes}
    present = _terraform_indexes(tf)
    assert needed - present == set(), "indexes the code needs but terraform/firestore.tf lacks"
    assert present - needed == set(), "indexes in terraform/firestore.tf that no query of the code uses"
    assert tf.resources["google_firestore_index"]["composite"]["for_each"] == "${local.firestore_indexes}"


def test_the_spend_query_is_a_sum_over_events_filtered_in_that_order() -> None:
    """The index field order follows the code's filters (tenant, kind, day|month) and the summed field."""
    source = (ADAPTERS / "runs" / "adapters" / "firestore_spend.py").read_text()
    tree = ast.parse(source)
    spend = next(
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "spend"
    )  # FirestoreSpend.spend
    filters = [
        ast.unparse(n.args[0])
        for n in ast.walk(spend)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "FieldFilter"
    ]
    assert filters[:2] == ["'tenant_id'", "'kind'"]
    loop = next(
        n for n in ast.walk(spend) if isinstance(n, ast.For)
    )  # for field, value in (("day", day), ...)
    assert isinstance(loop.iter, ast.Tuple)
    looped = [pair.elts[0] for pair in loop.iter.elts if isinstance(pair, ast.Tuple)]
    assert [c.value for c in looped if isinstance(c, ast.Constant)] == ["day", "month"]
    assert isinstance(loop.target, ast.Tuple)
    assert filters[2:] == [ast.unparse(loop.target.elts[0])]
    sums = [
        n.args[0].value
        for n in ast.walk(spend)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == "sum"
        and isinstance(n.args[0], ast.Constant)
    ]
    assert sums == ["cost_usd"]
    assert "collection_group('events')" in ast.unparse(spend)


# --- TTL ---------------------------------------------------------------------------------------------


class _Ref:
    """Just enough of a Firestore client/reference to capture what the adapters write, by path."""

    def __init__(self, writes: dict[str, dict[str, Any]], path: tuple[str, ...] = ()) -> None:
        self.writes, self.path = writes, path

    def collection(self, name: str) -> "_Ref":
        return _Ref(self.writes, (*self.path, name))

    def document(self, name: str) -> "_Ref":
        return _Ref(self.writes, (*self.path, name))

    def create(self, doc: dict[str, Any], **_: Any) -> None:  # timeout and retry are the client's
        self.writes["/".join(self.path)] = doc

    def set(self, doc: dict[str, Any], **_: Any) -> None:
        self.writes["/".join(self.path)] = doc

    @property
    def reference(self) -> "_Ref":  # as a snapshot: of a document that does not exist
        return self

    @property
    def exists(self) -> bool:
        return False

    def get(self, **_: Any) -> "_Ref":  # a read (in a transaction too): of a document that does not exist
        return self

    def to_dict(self) -> None:
        return None

    def get_all(self, refs: list["_Ref"]) -> list["_Ref"]:
        return refs

    def batch(self) -> "_Batch":
        return _Batch()

    def transaction(self) -> "_Transaction":
        return _Transaction()


class _Transaction:
    """Just enough of a transaction for the client's ``transactional``: its writes land at once."""

    _id, _read_only, _max_attempts = b"t", False, 1

    def _clean_up(self) -> None: ...
    def _begin(self, **_: Any) -> None: ...
    def _commit(self) -> None: ...
    def _rollback(self) -> None: ...

    def set(self, ref: _Ref, doc: dict[str, Any], **_: Any) -> None:
        ref.set(doc)


class _Batch:
    def __init__(self) -> None:
        self.written = 0

    def create(self, ref: _Ref, doc: dict[str, Any]) -> None:
        ref.create(doc)

    def set(self, ref: _Ref, doc: dict[str, Any], **_: Any) -> None:
        ref.set(doc)
        self.written += 1

    def commit(self) -> list[Any]:  # as the counters read it: each write's first transform gave 1
        one = SimpleNamespace(transform_results=[SimpleNamespace(integer_value=1)])
        return [one] * self.written


def _written_by_the_code() -> dict[str, dict[str, Any]]:
    from shared.platform.adapters.firestore_dead_letters import FirestoreDeadLetters
    from shared.platform.adapters.firestore_doctor import FirestoreDoctorChecks
    from shared.runs.adapters.firestore_store import FirestoreRunStore
    from shared.team.adapters.firestore_api_keys import FirestoreApiKeys
    from shared.team.domain.api_keys import ApiKey
    from shared.workspace.adapters.firestore_tenants import (
        FirestoreOAuthStates,
        FirestoreTenantStore,
        FirestoreWebhookEvents,
    )
    from shared.workspace.domain.day_plans import Kept
    from shared.workspace.domain.tenants import EventSeen

    writes: dict[str, dict[str, Any]] = {}
    now = datetime(2026, 1, 1, tzinfo=UTC)
    client: Any = _Ref(writes)
    FirestoreWebhookEvents(client).record("t1", "ev1", EventSeen("page.created", now, now))
    assert FirestoreOAuthStates(client).use("k1", now)
    assert FirestoreTenantStore(client).ask_recipient("h1", "20260101", "t1", 3, now)
    key = ApiKey(key_id="k1", tenant_id="t1", name="CI", secret_sha256="0" * 64, created_at=now, epoch="e")
    FirestoreApiKeys(client).create(key)
    from shared.platform.domain.dead_letters import dead_letter

    assert FirestoreDeadLetters(client).keep(dead_letter("plan", b"{}", "invalid", now))
    from shared.platform.services.doctor import new_record

    FirestoreDoctorChecks(client).begin("c1", new_record(now))
    from shared.team.adapters.firestore_audit import FirestoreAudit
    from shared.team.domain.audit import new_entry

    entry = new_entry(now, "m_1", "console", "PATCH /settings", retention_days=30, status=200)
    FirestoreAudit(client).record("t1", entry.model_copy(update={"entry_id": "a1"}))
    store = FirestoreRunStore(client)
    assert store.claim_page("t1", "p1", "r1", now, timedelta(minutes=1)) is None
    assert store.reserve_start("t1", "r1", now, timedelta(seconds=10), 1) == now
    tenants = FirestoreTenantStore(client)
    tenants.claim_day_plan("t1", "20260101", now, now)
    tenants.keep_day_plan("t1", "20260102", Kept("p1", ("a",)), now)
    from tests.support.workspace.skipped_edits import skipped

    FirestoreWebhookEvents(client).skip("t1", skipped("s001", "r", now))
    from shared.platform.adapters.firestore_paces import FirestorePaces

    assert FirestorePaces(client).add(["person:t1:m_1:10:1"], now) == [1]
    from shared.agents.adapters.firestore_agents import FirestoreAgents
    from shared.agents.domain.records import RunEntry

    assert FirestoreAgents(client).keep_entry("t1", "a", now.date(), "r1", RunEntry(status="completed"))
    from shared.outbound.adapters.firestore_hooks import FirestoreHooks
    from shared.outbound.domain.endpoints import Delivery
    from shared.outbound.domain.events import EventType

    delivery = Delivery(
        id="msg_1",
        endpoint_id="h1",
        event_id="e",
        type=EventType.RUN_FAILED,
        created_at=now,
        body="{}",
        expires_at=now,
    )
    assert FirestoreHooks(client).create_delivery("t1", delivery)
    from shared.calendar.adapters.firestore_links import FirestoreCalendarLinks, meeting_key
    from shared.calendar.domain.connections import CalendarLink, Meeting

    link = CalendarLink(person="ada@a.example", tenant_id="t1", token_secret="s", connected_at=now)
    met = Meeting(tenant_id="t1", person=link.person, event_id="e1", start=now, end=now)
    FirestoreCalendarLinks(client).keep(link, [met], [], replace=False)
    assert meeting_key("t1", link.person, "e1") in {p.split("/")[-1] for p in writes}
    return writes


def _collection_group(path: str) -> str:
    return path.split("/")[-2]


def test_ttl_policies_are_on_the_fields_the_code_writes(tf: Terraform) -> None:
    from shared.calendar.adapters.firestore_links import meeting_key
    from shared.platform.adapters.firestore_paces import doc_id as paces_doc_id

    writes = _written_by_the_code()
    assert set(writes) == {
        "tenants/t1/events/ev1",
        "oauth_states/k1",
        "tenants/t1/page_runs/p1",
        "tenants/t1/limits/webhook_runs",
        "tenants/t1/run_starts/r1",
        "email_recipients/h1-20260101",
        "api_keys/k1",
        "dead_letters/plan-44136fa355b3678a1146ad16f7e8649e94fb4fc2",
        "doctor_checks/c1",
        "tenants/t1/audit/a1",
        "tenants/t1/day_plans/20260101",
        "tenants/t1/day_plans/20260102",
        "tenants/t1/skipped_edits/s001",
        f"api_paces/{paces_doc_id('person:t1:m_1:10:1')}",
        "tenants/t1/agent_days/a-20260101",
        "tenants/t1/agent_ends/r1",
        "tenants/t1/hook_endpoints/h1/hook_deliveries/msg_1",
        f"calendar_meetings/{meeting_key('t1', 'ada@a.example', 'e1')}",
    }
    # One a tenant, rewritten in place; and API keys, which live until deleted: never expire.
    kept = {"tenants/t1/limits/webhook_runs", "api_keys/k1"}
    policies = {(t["collection"], t["field"]) for t in tf.locals["firestore_ttls"].values()}
    assert not {group for group, _ in policies} & {_collection_group(p) for p in kept}
    writes = {path: doc for path, doc in writes.items() if path not in kept}
    for path, doc in writes.items():
        fields = {f for group, f in policies if group == _collection_group(path)}
        assert len(fields) == 1, f"{path}: expected one TTL policy on its collection group"
        (field,) = fields
        assert isinstance(doc.get(field), datetime), f"{path}: TTL field {field} is not a timestamp"
    assert policies == {(_collection_group(p), "expires_at") for p in writes}
    field = tf.resources["google_firestore_field"]["ttl"]
    assert field["for_each"] == "${local.firestore_ttls}"
    assert "ttl_config" in field


def _sample(cls: type["BaseModel"]) -> Any:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    values = {
        "seq": 1, "at": now, "goal": "g", "trigger": "t", "steps": [], "step": 1, "tool": "x", "key": "k",
        "lease_until": now, "error": "transient", "message": "m", "request_id": "r", "purpose": "approval",
        "prompt": "p", "decision": "approve", "model": "m", "input_tokens": 1, "output_tokens": 1,
        "cost_usd": 0.5, "text": "t", "status": "failed", "summary": "s", "reason": "r", "phase": 2,
        "passed": True, "reasons": "r",
    }  # fmt: skip
    return cls.model_validate(values)


def _run_event_models() -> list[type["BaseModel"]]:
    from shared.runs.domain.events import RunEvent

    return list(typing.get_args(typing.get_args(RunEvent)[0]))  # the union, inside its Annotated


def test_run_events_never_carry_the_ttl_field(tf: Terraform) -> None:
    """Run logs share the collection group `events` (and its TTL policy) with webhook records."""
    from google.cloud import firestore

    from shared.runs.adapters.firestore_store import FirestoreRunStore

    ttl_fields = {t["field"] for t in tf.locals["firestore_ttls"].values() if t["collection"] == "events"}
    models = _run_event_models()
    assert len(models) >= 10  # the union was read, not an empty list
    store = FirestoreRunStore(client=Mock(spec=firestore.Client))  # never called: it only builds documents
    for model in models:
        assert ttl_fields.isdisjoint(model.model_fields), f"{model.__name__} has a TTL field"
        stored = store._event_doc("t1", "r1", _sample(model))
        assert ttl_fields.isdisjoint(stored), f"the stored {model.__name__} has a TTL field"
    # The spend ledger fields exist on model_used documents only, and webhook records lack them.
    from shared.runs.domain.events import ModelUsed

    used = store._event_doc("t1", "r1", _sample(ModelUsed))
    assert {"tenant_id", "kind", "day", "month", "cost_usd"} <= set(used)
    webhook_record = _written_by_the_code()["tenants/t1/events/ev1"]
    assert {"tenant_id", "kind"}.isdisjoint(webhook_record)


def test_both_events_subcollections_are_named_events() -> None:
    """The sharing documented in firestore.tf: if either is renamed, the TTL and indexes need a look."""
    store_source = (ADAPTERS / "runs" / "adapters" / "firestore_store.py").read_text()
    assert '.collection("events")' in store_source
    assert "tenants/t1/events/ev1" in _written_by_the_code()
