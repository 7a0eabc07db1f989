"""Tenants, workspace routing, OAuth states, webhook event records and the daily tick in Firestore.

Documents: ``tenants/{t}`` (never a token, only its secret's name), ``workspaces/{workspace_id}``
(written with the tenant in one batch), ``oauth_states/{sha256(nonce)}``, ``invites/{sha256(code)}``, ``tenants/{t}/events/{id}``
and ``tenants/{t}/day_plans/{day}`` (TTL on ``expires_at``), ``tenants/{t}/row_pages/{page}`` (Runs
rows) and ``schedule/daily`` (docs/architecture.md). Every method builds the path from the tenant id.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.field_path import FieldPath

from shared.platform.adapters.firestore_docs import plain_times, take_lease, transient
from shared.platform.errors import TransientError
from shared.workspace.domain.skipped_edits import SkippedEdit
from shared.workspace.domain.tenants import EventRecord, EventSeen, Tenant, TenantStatus, tenant_id_for

if TYPE_CHECKING:  # the day plan's module loads with plan's day-plan task, not every tenant read
    from shared.workspace.domain.day_plans import Kept

_UPDATE_ATTEMPTS = 10  # each a read and a conditioned write: updates of one tenant are rare


def _tenant_doc(tenant: Tenant) -> dict[str, Any]:
    doc: dict[str, Any] = tenant.model_dump(mode="json")
    doc["created_at"], doc["updated_at"] = tenant.created_at, tenant.updated_at
    doc["owner_since"], doc["signed_out_at"] = tenant.owner_since, tenant.signed_out_at
    return doc


def _tenant(doc: dict[str, Any] | None) -> Tenant:
    return Tenant.model_validate(plain_times(doc))


def tenant_ref(db: firestore.Client, tenant_id: str) -> Any:
    """``tenants/{tenant_id}``: for a read made together with another document's."""
    return db.collection("tenants").document(tenant_id)


def tenant_of(snap: Any) -> Tenant | None:
    """The tenant a snapshot of ``tenants/{t}`` holds (None: no such document)."""
    return _tenant(snap.to_dict()) if snap.exists else None


def _update_doc(tenant: Tenant, stored: dict[str, Any]) -> dict[str, Any]:
    """The fields an update writes: the tenant's document, and a delete of each stored field it now
    leaves out (emptied: ``agent_triggers`` of a workspace whose last agent with rules was paused)."""
    doc = _tenant_doc(tenant)
    return doc | {
        name: firestore.DELETE_FIELD for name in Tenant.model_fields if name in stored and name not in doc
    }


def _route_doc(tenant: Tenant) -> dict[str, Any]:
    return {"tenant_id": tenant.tenant_id, "status": tenant.status.value, "updated_at": tenant.updated_at}


class FirestoreTenantStore:
    def __init__(self, client: firestore.Client, routing_ttl_s: float = 0.0) -> None:
        self._db = client
        self._routing_ttl_s = routing_ttl_s
        self._routes: dict[str, tuple[float, Tenant]] = {}
        self._lock = threading.Lock()

    def _tenant_ref(self, tenant_id: str) -> Any:
        return tenant_ref(self._db, tenant_id)

    def _route_ref(self, workspace_id: str) -> Any:
        return self._db.collection("workspaces").document(workspace_id)

    def get(self, tenant_id: str, fresh: bool = False) -> Tenant | None:  # always fresh: no cache here
        with transient():
            snap = self._tenant_ref(tenant_id).get()
        return tenant_of(snap)

    def remember(self, tenant_id: str, tenant: Tenant | None) -> None:
        return None  # no cache here: every get reads

    def active_page(self, after: str | None, limit: int) -> list[Tenant]:
        return list(self.stream_active(after, limit))

    def stream_active(self, after: str | None, limit: int, fields: tuple[str, ...] = ()) -> Iterator[Tenant]:
        """One bounded query, streamed: equality on ``status``, ordered by document id (the automatic
        single-field index serves it; no composite index); ``fields``, a projection (``select``).
        The client resumes it after the last tenant on a retryable error (with its limit afresh:
        ``islice`` keeps the bound)."""
        query = (
            self._db.collection("tenants")
            .where(filter=FieldFilter("status", "==", TenantStatus.ACTIVE.value))
            .order_by(FieldPath.document_id())
            .limit(limit)
        )
        if fields:
            query = query.select(fields)
        if after is not None:
            query = query.start_after({FieldPath.document_id(): self._tenant_ref(after)})
        with transient():
            for snap in islice(query.stream(), limit):
                yield _tenant(snap.to_dict())

    def by_workspace(self, workspace_id: str) -> Tenant | None:
        with self._lock:
            cached = self._routes.get(workspace_id)
        if cached is not None and time.monotonic() - cached[0] < self._routing_ttl_s:
            return cached[1]
        tenant = self._route(workspace_id)
        if tenant is not None and self._routing_ttl_s > 0:
            with self._lock:
                self._routes[workspace_id] = (time.monotonic(), tenant)
        return tenant

    def _route(self, workspace_id: str) -> Tenant | None:
        """One round trip in the usual case: the routing document and the tenant whose id derives
        from the workspace are read together; a routing document naming another tenant costs a second."""
        route_ref, guess_ref = self._route_ref(workspace_id), self._tenant_ref(tenant_id_for(workspace_id))
        with transient():
            snaps = {snap.reference.path: snap for snap in self._db.get_all([route_ref, guess_ref])}
        route = snaps.get(route_ref.path)
        if route is None or not route.exists:
            return None
        tenant_id = str(route.get("tenant_id"))
        if tenant_id != guess_ref.id:
            return self.get(tenant_id)
        snap = snaps.get(guess_ref.path)
        return _tenant(snap.to_dict()) if snap is not None and snap.exists else None

    def save(self, tenant: Tenant) -> None:
        batch = self._db.batch()
        batch.set(self._tenant_ref(tenant.tenant_id), _tenant_doc(tenant))
        batch.set(self._route_ref(tenant.workspace_id), _route_doc(tenant))
        with transient():
            batch.commit()
        self._remember(tenant)

    def update(self, tenant_id: str, change: Callable[[Tenant | None], Tenant]) -> Tenant:
        """A create, or an update conditioned on the document's last update time, in one batch with
        the routing document: a write that lost to another is refused as a whole, and read again."""
        ref = self._tenant_ref(tenant_id)
        with transient():
            for _ in range(_UPDATE_ATTEMPTS):
                snap = ref.get()
                stored = _tenant(snap.to_dict()) if snap.exists else None
                tenant = change(stored)
                if tenant == stored:
                    return tenant
                batch = self._db.batch()
                if snap.exists:
                    unchanged = self._db.write_option(last_update_time=snap.update_time)
                    batch.update(ref, _update_doc(tenant, snap.to_dict() or {}), option=unchanged)
                else:
                    batch.create(ref, _tenant_doc(tenant))
                batch.set(self._route_ref(tenant.workspace_id), _route_doc(tenant))
                try:
                    batch.commit()
                except (gexc.AlreadyExists, gexc.Conflict, gexc.FailedPrecondition):
                    continue  # another update came first: apply the change to what it stored
                self._remember(tenant)
                return tenant
        raise TransientError("firestore: the workspace changed too often at once to update it; try again")

    def _tick_ref(self) -> Any:
        return self._db.collection("schedule").document("daily")

    def last_tick(self) -> datetime | None:
        with transient():
            snap = self._tick_ref().get()
        tick = (snap.to_dict() or {}).get("last_tick") if snap.exists else None
        return tick if isinstance(tick, datetime) else None

    def record_tick(self, tick: datetime) -> None:
        """Set, conditioned on what was read, unless a later tick is there: never moves back."""
        ref = self._tick_ref()
        with transient():
            for _ in range(_UPDATE_ATTEMPTS):
                snap = ref.get()
                stored = (snap.to_dict() or {}).get("last_tick") if snap.exists else None
                if isinstance(stored, datetime) and stored >= tick:
                    return
                try:
                    if snap.exists:
                        unchanged = self._db.write_option(last_update_time=snap.update_time)
                        ref.update({"last_tick": tick}, option=unchanged)
                    else:
                        ref.create({"last_tick": tick})
                except (gexc.AlreadyExists, gexc.Conflict, gexc.FailedPrecondition):
                    continue  # another tick was recorded meanwhile: compare with it
                return
        raise TransientError("firestore: the daily schedule changed too often at once; try again")

    def ask_recipient(
        self, recipient: str, day: str, tenant_id: str, limit: int, expires_at: datetime
    ) -> bool:
        """``email_recipients/{recipient}-{day}``: the workspaces that asked that address on that day,
        added by a create or an update conditioned on what was read (two at once cannot both take the
        last place); TTL on ``expires_at``."""
        ref = self._db.collection("email_recipients").document(f"{recipient}-{day}")
        with transient():
            for _ in range(_UPDATE_ATTEMPTS):
                snap = ref.get()
                asked = list((snap.to_dict() or {}).get("tenants") or []) if snap.exists else []
                if tenant_id in asked:
                    return True
                if len(asked) >= limit:
                    return False
                doc = {"tenants": [*asked, tenant_id], "expires_at": expires_at}
                try:
                    if snap.exists:
                        ref.update(doc, option=self._db.write_option(last_update_time=snap.update_time))
                    else:
                        ref.create(doc)
                except (gexc.AlreadyExists, gexc.Conflict, gexc.FailedPrecondition):
                    continue  # another workspace asked meanwhile: count again
                return True
        raise TransientError("firestore: this address was asked too often at once; try again")

    def _run_row_ref(self, tenant_id: str, page_id: str) -> Any:
        return self._tenant_ref(tenant_id).collection("row_pages").document(page_id)

    def note_run_row(self, tenant_id: str, page_id: str, run_id: str) -> None:
        with transient():
            self._run_row_ref(tenant_id, page_id).set({"run_id": run_id})

    def is_run_row(self, tenant_id: str, page_id: str) -> bool:
        with transient():
            return bool(self._run_row_ref(tenant_id, page_id).get().exists)

    def run_of_row(self, tenant_id: str, page_id: str) -> str | None:
        with transient():
            snap = self._run_row_ref(tenant_id, page_id).get()
        run = (snap.to_dict() or {}).get("run_id") if snap.exists else None
        return str(run) if run else None

    def _day_plan_ref(self, tenant_id: str, day: str) -> Any:
        return self._tenant_ref(tenant_id).collection("day_plans").document(day)

    def claim_day_plan(self, tenant_id: str, day: str, now: datetime, until: datetime) -> "Kept":
        """A create, or an update conditioned on what was read: of two at once one takes it."""
        from shared.workspace.domain.day_plans import KEPT

        ref = self._day_plan_ref(tenant_id, day)
        with transient():
            new = {"expires_at": until + KEPT}
            doc = take_lease(
                self._db, ref, now, until, new=new, what="this day's plan", attempts=_UPDATE_ATTEMPTS
            )
            return _kept(doc)

    def kept_day_plan(self, tenant_id: str, day: str) -> "Kept | None":
        with transient():
            snap = self._day_plan_ref(tenant_id, day).get()
        return _kept(snap.to_dict() or {}) if snap.exists else None

    def keep_day_plan(self, tenant_id: str, day: str, kept: "Kept", expires_at: datetime) -> None:
        doc = {
            "page_id": kept.page_id,
            "task_ids": list(kept.task_ids),
            "text": kept.text,
            "url": kept.url,
            "waiting": [{"run_id": r, "title": t} for r, t in kept.waiting],
            "lease_until": None,
            "expires_at": expires_at,
        }
        with transient():
            self._day_plan_ref(tenant_id, day).set(doc)

    def _remember(self, tenant: Tenant) -> None:
        with self._lock:
            if tenant.workspace_id in self._routes:
                self._routes[tenant.workspace_id] = (time.monotonic(), tenant)


def _kept(doc: dict[str, Any]) -> "Kept":
    from shared.workspace.domain.day_plans import Kept

    ids = doc.get("task_ids") or []
    waiting = [w for w in doc.get("waiting") or [] if isinstance(w, dict)]
    return Kept(
        str(doc.get("page_id") or ""),
        tuple(str(i) for i in ids if isinstance(i, str)),
        str(doc.get("text") or ""),
        str(doc.get("url") or ""),
        tuple((str(w.get("run_id") or ""), str(w.get("title") or "")) for w in waiting),
    )


class FirestoreOAuthStates:
    def __init__(self, client: firestore.Client) -> None:
        self._db = client

    def use(self, key: str, expires_at: datetime) -> bool:
        """One create: of concurrent users of one state, only one creates its record."""
        with transient():
            try:
                self._db.collection("oauth_states").document(key).create({"expires_at": expires_at})
            except gexc.AlreadyExists:
                return False
        return True


class FirestoreInvites:
    """``invites/{sha256(code)}``: ``uses_left``, ``created_at``. A use is an update conditioned on the
    document as read, so concurrent connects with one code take at most the uses it has."""

    def __init__(self, client: firestore.Client) -> None:
        self._db = client

    def _ref(self, key: str) -> Any:
        return self._db.collection("invites").document(key)

    def create(self, key: str, uses: int, now: datetime) -> None:
        with transient():
            self._ref(key).create({"uses_left": uses, "created_at": now})

    def uses_left(self, key: str) -> int | None:
        with transient():
            snap = self._ref(key).get()
        return int(snap.get("uses_left")) if snap.exists else None

    def use(self, key: str) -> bool:
        ref = self._ref(key)
        with transient():
            for _ in range(_UPDATE_ATTEMPTS):
                snap = ref.get()
                if not snap.exists or int(snap.get("uses_left")) <= 0:
                    return False
                unchanged = self._db.write_option(last_update_time=snap.update_time)
                try:
                    ref.update({"uses_left": int(snap.get("uses_left")) - 1}, option=unchanged)
                except gexc.FailedPrecondition:
                    continue  # another connect took a use since the read: read again
                return True
        raise TransientError("firestore: this invite is being used by too many connects at once")

    def give_back(self, key: str) -> None:
        with transient(), suppress(gexc.NotFound):
            self._ref(key).update({"uses_left": firestore.Increment(1)})


class FirestoreWebhookEvents:
    def __init__(self, client: firestore.Client) -> None:
        self._db = client

    def record(self, tenant_id: str, event_id: str, seen: EventSeen) -> EventRecord:
        """A record past its ``expires_at`` counts as gone, though the TTL sweep (which may take a
        day) has not deleted it yet. It is replaced, conditioned on its last update: of two callers
        replacing it at once, one creates the record and the other finds it."""
        event_type, now, expires_at, task = seen
        ref = self._ref(tenant_id, event_id)
        # ``enqueued`` written false, not left out: a replaced record must not keep the old one's mark.
        doc = {"event_type": event_type, "first_seen": now, "expires_at": expires_at, "enqueued": False}
        # The task as one JSON string: encoded as a nested map it was most of the handler's CPU per
        # event. None written too: a replaced record must not keep the old one's task.
        doc["task"] = None if task is None else json.dumps(task, separators=(",", ":"))
        with transient():
            try:
                ref.create(doc)
            except gexc.AlreadyExists:
                snap = ref.get()
                expired = (snap.to_dict() or {}).get("expires_at") if snap.exists else None
                if not (isinstance(expired, datetime) and expired <= now):
                    return _existing(snap, now, event_type)
                try:
                    ref.update(doc, option=self._db.write_option(last_update_time=snap.update_time))
                except (gexc.FailedPrecondition, gexc.NotFound):
                    return _existing(ref.get(), now, event_type)  # replaced (or swept) meanwhile
        return EventRecord(created=True, first_seen=now, event_type=event_type, task=task)

    def mark_enqueued(self, tenant_id: str, event_id: str) -> None:
        """One update (a field of the record; no read). A record gone meanwhile (expired and swept)
        stays gone: a repeat then counts as a new event."""
        with transient(), suppress(gexc.NotFound):
            self._ref(tenant_id, event_id).update({"enqueued": True})

    def skip(self, tenant_id: str, edit: SkippedEdit) -> None:
        """One write, whatever the slot held: the store holds at most ``SLOTS`` per tenant."""
        with transient():
            self._skips(tenant_id).document(edit.slot).set(edit.model_dump(exclude={"slot"}))

    def skipped(self, tenant_id: str, since: datetime, limit: int = 50) -> list[SkippedEdit]:
        """A range and an order on one field (``at``): the automatic single-field index serves it."""
        query = (
            self._skips(tenant_id)
            .where(filter=FieldFilter("at", ">=", since))
            .order_by("at", direction=firestore.Query.DESCENDING)
            .limit(limit)
        )
        with transient():
            return [
                SkippedEdit.model_validate(plain_times(s.to_dict()) | {"slot": s.id}) for s in query.stream()
            ]

    def _skips(self, tenant_id: str) -> Any:
        return self._db.collection("tenants").document(tenant_id).collection("skipped_edits")

    def _ref(self, tenant_id: str, event_id: str) -> Any:
        return self._db.collection("tenants").document(tenant_id).collection("events").document(event_id)


def _existing(snap: Any, now: datetime, event_type: str) -> EventRecord:
    """The record that was there (gone again, expired by TTL in between: taken as seen now)."""
    doc = snap.to_dict() if snap.exists else None
    first_seen, stored = (doc or {}).get("first_seen"), (doc or {}).get("event_type")
    return EventRecord(
        created=False,
        first_seen=first_seen if isinstance(first_seen, datetime) else now,
        event_type=stored if isinstance(stored, str) else event_type,
        enqueued=(doc or {}).get("enqueued") is True,
        task=_kept_task((doc or {}).get("task")),
    )


def _kept_task(stored: object) -> dict[str, Any] | None:
    """A record's task: a JSON string, or a map in a record written before records kept a string;
    None for none or anything unreadable (the caller then names the task from the event again)."""
    if isinstance(stored, str):
        try:
            stored = json.loads(stored)
        except ValueError:
            return None
    return stored if isinstance(stored, dict) else None
