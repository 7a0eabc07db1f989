"""Runs and their event logs in Firestore: ``tenants/{t}/runs/{r}`` and ``.../events/{seq}``.

Concurrency control without transactions: event documents are named by their dense sequence number
and always *created* (never overwritten). Two writers extending the log from the same point collide
on the same document id, and Firestore refuses the second commit as a whole. A write of events and
the run document (the cached state) is one batch, so the cache moves only with the log.
Normal step: 1 read (the run document) + at most 3 writes; no transaction round trips.
"""

import logging
import random
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.platform.adapters.firestore_docs import TRANSIENT, take_lease
from shared.platform.errors import NotFound, TransientError
from shared.runs.adapters.firestore_run_docs import kept_change, remembered_change, run_doc, run_of
from shared.runs.adapters.firestore_spend import FirestoreSpend
from shared.runs.domain.children.fanout import ended_marker
from shared.runs.domain.events import ModelUsed, event_of
from shared.runs.domain.plan_task import PlanTask, next_start
from shared.runs.domain.run_rows import KeptRow
from shared.runs.domain.run_search import RunFilter
from shared.runs.domain.state import Run, RunEvent, RunState, RunStatus, fold

if TYPE_CHECKING:
    pass

# A page's claim is kept 30 days (TTL on expires_at): a run still waiting for a person after that
# no longer holds its page back. The 30 days count again from each change remembered on it and from
# its release, so a repeated follow-up of the run that released it gets the same answer as long.
PAGE_CLAIM_TTL = timedelta(days=30)
# A run's reserved start is kept a day past it (TTL on expires_at), for a repeat of its plan task.
RUN_START_TTL = timedelta(days=1)
_CLAIM_ATTEMPTS = 5
_RESERVE_ATTEMPTS = 20  # one write each: a plan dispatched during another's read and write retries
# The most a reservation that lost a race waits before it reads again, doubled 3 times at most
# (jittered from 0): under a burst the losers spread out instead of colliding again (decision 0230).
_RESERVE_BACKOFF_S = 0.05
_STALLED_PAGES = 10  # pages of the sweeper's query read past runs waiting for a retry, at most
log = logging.getLogger(__name__)


def _seq_id(seq: int) -> str:
    return f"{seq:08d}"


class FirestoreRunStore(FirestoreSpend):
    def __init__(self, client: firestore.Client) -> None:
        self._db = client

    def _tenant(self, tenant_id: str) -> Any:
        return self._db.collection("tenants").document(tenant_id)

    def _run_ref(self, tenant_id: str, run_id: str) -> Any:
        return self._tenant(tenant_id).collection("runs").document(run_id)

    def _event_doc(self, tenant_id: str, run_id: str, event: RunEvent) -> dict[str, Any]:
        doc: dict[str, Any] = event.model_dump(mode="json") | {"tenant_id": tenant_id, "run_id": run_id}
        if isinstance(event, ModelUsed):  # the tenant's append-only spend ledger (budgets)
            doc |= {"day": event.at.strftime("%Y-%m-%d"), "month": event.at.strftime("%Y-%m")}
        return doc

    def _commit(self, batch: Any) -> bool:
        try:
            batch.commit()
        except (gexc.AlreadyExists, gexc.Conflict):
            return False
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        return True

    def _add_events(self, batch: Any, tenant_id: str, run_id: str, events: list[RunEvent]) -> None:
        ref = self._run_ref(tenant_id, run_id).collection("events")
        for event in events:
            batch.create(ref.document(_seq_id(event.seq)), self._event_doc(tenant_id, run_id, event))

    def create_run(self, tenant_id: str, run_id: str, events: list[RunEvent]) -> bool:
        state, now = fold(events), datetime.now(UTC)
        batch = self._db.batch()
        batch.create(
            self._run_ref(tenant_id, run_id), run_doc(tenant_id, run_id, state, now) | {"created_at": now}
        )
        self._add_events(batch, tenant_id, run_id, events)
        self._mark_ended(batch, tenant_id, run_id, None, state)
        return self._commit(batch)

    def _mark_ended(
        self, batch: Any, tenant_id: str, run_id: str, before: RunState | None, after: RunState
    ) -> None:
        """With the write that ends a map's child, its marker under the parent (``fanout``): set, not
        created, so a commit retried after it went through writes the same marker again."""
        marker = ended_marker(run_id, before, after)
        if marker is not None:
            ref = self._run_ref(tenant_id, after.parent_run_id).collection("ended").document(run_id)
            batch.set(ref, marker)

    def count_ended(self, tenant_id: str, parent_run_id: str, map_step: int) -> int:
        """One aggregation (one read per 1,000 markers): the automatic single-field index serves it."""
        (result,) = self._ended(tenant_id, parent_run_id, map_step).count().get()[0]
        return int(result.value)

    def ended_children(self, tenant_id: str, parent_run_id: str, map_step: int) -> list[dict[str, Any]]:
        return [s.to_dict() or {} for s in self._ended(tenant_id, parent_run_id, map_step).stream()]

    def _ended(self, tenant_id: str, parent_run_id: str, map_step: int) -> Any:
        markers = self._run_ref(tenant_id, parent_run_id).collection("ended")
        return markers.where(filter=FieldFilter("map_step", "==", map_step))

    def get_run(self, tenant_id: str, run_id: str) -> Run | None:
        snap = self._run_ref(tenant_id, run_id).get()
        return run_of(snap) if snap.exists else None

    def list_events(self, tenant_id: str, run_id: str, after: int = 0) -> list[RunEvent]:
        events = self._run_ref(tenant_id, run_id).collection("events")
        query = events.where(filter=FieldFilter("seq", ">", after)).order_by("seq")
        return [event_of(d.to_dict() or {}) for d in query.stream()]

    def get_event(self, tenant_id: str, run_id: str, seq: int) -> RunEvent | None:
        snap = self._run_ref(tenant_id, run_id).collection("events").document(_seq_id(seq)).get()
        return event_of(snap.to_dict() or {}) if snap.exists else None

    def append(self, tenant_id: str, run_id: str, state: RunState, events: list[RunEvent]) -> RunState | None:
        """Extend the log from ``state`` and cache the result; None when another writer got there first."""
        new_state = fold(events, state)
        batch = self._db.batch()
        self._add_events(batch, tenant_id, run_id, events)
        batch.update(
            self._run_ref(tenant_id, run_id), run_doc(tenant_id, run_id, new_state, datetime.now(UTC))
        )
        self._mark_ended(batch, tenant_id, run_id, state, new_state)
        try:
            return new_state if self._commit(batch) else None
        except gexc.NotFound as exc:
            raise NotFound(f"run {run_id} does not exist") from exc

    def add_event(self, tenant_id: str, run_id: str, event: RunEvent) -> bool:
        """Create one event without touching the run document (a step's intent: one write)."""
        batch = self._db.batch()
        self._add_events(batch, tenant_id, run_id, [event])
        return self._commit(batch)

    def list_runs(self, tenant_id: str, limit: int = 50, where: RunFilter | None = None) -> list[Run]:
        """Equalities on status, trigger and agent, array_contains on search_terms, a range on created_at, ordered by created_at and run_id
        (a total order, so a page starts exactly after the last one): terraform/firestore.tf's
        runs_by_* indexes serve each combination."""
        w = where or RunFilter()
        query: Any = self._tenant(tenant_id).collection("runs")
        filters = (
            ("status", "==", w.status),
            ("trigger", "==", w.trigger),
            ("agent", "==", w.agent),
            ("search_terms", "array_contains", w.term or None),
            ("created_at", ">=", w.since),
            ("created_at", "<", w.until),
        )
        for field, op, value in filters:
            if value is not None:
                query = query.where(filter=FieldFilter(field, op, value))
        query = query.order_by("created_at", direction="DESCENDING")
        query = query.order_by("run_id", direction="DESCENDING")
        if w.after is not None:
            query = query.start_after({"created_at": w.after[0], "run_id": w.after[1]})
        return [run_of(s) for s in query.limit(limit).stream()]

    def children(self, tenant_id: str, run_id: str, limit: int = 50) -> tuple[list[Run], int]:
        """parent == ? order by created_at, run_id (terraform/firestore.tf's runs_by_parent_created),
        and the same equality counted (one read per 1,000 runs counted; its single-field index)."""
        runs = self._tenant(tenant_id).collection("runs").where(filter=FieldFilter("parent", "==", run_id))
        found = [run_of(s) for s in runs.order_by("created_at").order_by("run_id").limit(limit).stream()]
        (result,) = runs.limit(1000).count().get()[0]
        return found, int(result.value)

    def held(self, tenant_id: str, limit: int = 100) -> list[str]:
        """One field, ``in``, in the tenant's own collection: the automatic single-field index serves it."""
        query = (
            self._tenant(tenant_id)
            .collection("runs")
            .where(filter=FieldFilter("status", "in", [s.value for s in RunStatus if s.held]))
            .select(["run_id"])
            .limit(limit)
        )
        return [snap.get("run_id") for snap in query.stream()]

    def count_running(self, tenant_id: str, cap: int = 1000) -> int:
        """One equality in the tenant's own collection, counted by an aggregation (one read per
        1,000 runs counted): the automatic single-field index serves it."""
        query = (
            self._tenant(tenant_id)
            .collection("runs")
            .where(filter=FieldFilter("status", "==", RunStatus.RUNNING.value))
            .limit(cap)
        )
        (result,) = query.count().get()[0]
        return int(result.value)

    def row_page(self, tenant_id: str, run_id: str) -> KeptRow | None:
        snap = self._tenant(tenant_id).collection("run_rows").document(run_id).get()
        doc = (snap.to_dict() or {}) if snap.exists else {}
        page, written = doc.get("page_id"), doc.get("written")
        return KeptRow(str(page), dict(written or {})) if page else None

    def keep_row_page(
        self, tenant_id: str, run_id: str, page_id: str, written: dict[str, str] | None = None
    ) -> None:
        doc: dict[str, Any] = {"run_id": run_id, "page_id": page_id, "lease_until": None}
        if written:  # merged: each digest replaces its own, the others kept (an empty map would not)
            doc["written"] = written
        self._tenant(tenant_id).collection("run_rows").document(run_id).set(doc, merge=True)

    def claim_row(self, tenant_id: str, run_id: str, now: datetime, until: datetime) -> None:
        ref = self._tenant(tenant_id).collection("run_rows").document(run_id)
        take_lease(self._db, ref, now, until, new={"run_id": run_id}, what="this run's row")

    def release_row(self, tenant_id: str, run_id: str) -> None:
        self._let_go_of_row(tenant_id, run_id, "lease_until")

    def claim_row_changes(self, tenant_id: str, run_id: str, now: datetime, until: datetime) -> None:
        ref = self._tenant(tenant_id).collection("run_rows").document(run_id)
        what = "a change of this run's row"
        take_lease(self._db, ref, now, until, new={"run_id": run_id}, what=what, field="changes_until")

    def release_row_changes(self, tenant_id: str, run_id: str) -> None:
        self._let_go_of_row(tenant_id, run_id, "changes_until")

    def _let_go_of_row(self, tenant_id: str, run_id: str, lease: str) -> None:
        ref = self._tenant(tenant_id).collection("run_rows").document(run_id)
        try:
            ref.update({lease: None})
        except gexc.NotFound:
            return  # nothing claimed

    def stalled(self, status: RunStatus, before: datetime, limit: int = 200) -> list[tuple[str, str]]:
        """Runs in ``status`` idle since ``before``: not updated since, and no retry scheduled at or
        after it (``retry_at``, a long Retry-After: :attr:`Run.idle_since`). Oldest first.

        The query uses the one index (collection group ``runs``: status, updated_at). Runs waiting
        for a retry are read (only the fields this needs) and skipped here; the query goes on past
        them page by page (up to ``_STALLED_PAGES``), so a page full of them hides no stalled run.
        A delayed run costs a read a sweep while it waits; why no second index:
        docs/decisions/0019-a-failing-step-is-bounded-by-a-day.md."""
        query = (
            self._db.collection_group("runs")
            .where(filter=FieldFilter("status", "==", status.value))
            .where(filter=FieldFilter("updated_at", "<", before))
            .order_by("updated_at")
            .select(["tenant_id", "run_id", "updated_at", "retry_at"])
            .limit(limit)
        )
        found: list[tuple[str, str]] = []
        page = query
        for _ in range(_STALLED_PAGES):
            snaps = list(page.stream())
            for snap in snaps:
                retry_at = (snap.to_dict() or {}).get("retry_at")  # absent: a document from before it
                if retry_at is None or retry_at < before:
                    found.append((snap.get("tenant_id"), snap.get("run_id")))
                    if len(found) == limit:
                        return found
            if len(snaps) < limit:
                return found
            page = query.start_after(snaps[-1])
        log.warning("sweeper: %d pages of runs waiting for a retry read; the rest next time", _STALLED_PAGES)
        return found

    def claim_page(
        self,
        tenant_id: str,
        page_key: str,
        run_id: str,
        now: datetime,
        hold: timedelta,
        *,
        change: PlanTask | None = None,
    ) -> str | None:
        """``tenants/{t}/page_runs/{page}`` names the page's active run. Created if absent; taken over
        only from a finished, released or expired holder. A change is remembered only on the claim as
        it was read. Both are updates conditioned on the document not having changed since. So of two
        runs claiming at once exactly one gets the page, and a change remembered on a holder being
        released is never lost (the release changes the document first)."""
        ref = self._page(tenant_id, page_key)
        claim = {
            "run_id": run_id,
            "claimed_at": now,
            "hold_until": now + hold,
            "expires_at": now + PAGE_CLAIM_TTL,
        }
        try:
            for _ in range(_CLAIM_ATTEMPTS):
                try:
                    ref.create(claim)
                    return None
                except (gexc.AlreadyExists, gexc.Conflict):
                    snap = ref.get()
                if not snap.exists:  # deleted by TTL between the two calls: create it again
                    continue
                held = snap.to_dict() or {}
                holder = str(held.get("run_id", ""))
                if holder == run_id:
                    return None
                if (
                    held.get("released")
                    and change is not None
                    and change.trigger.seen_by(held.get("claimed_at"))
                ):
                    return holder  # its run ended and had read the page after this change
                unchanged = self._db.write_option(last_update_time=snap.update_time)
                try:
                    if not held.get("released") and self._active(
                        tenant_id, holder, held.get("hold_until"), now
                    ):
                        if change is not None and not change.trigger.seen_by(held.get("claimed_at")):
                            remember = change.model_dump(mode="json")
                            if remember != held.get("change"):  # a repeat of the same change: no write
                                ref.update(
                                    {"change": remember, "expires_at": now + PAGE_CLAIM_TTL}, option=unchanged
                                )
                        return holder
                    ref.update(claim | kept_change(held, now), option=unchanged)
                    return None
                except (gexc.FailedPrecondition, gexc.NotFound):
                    continue  # claimed, released or remembered on since the read: look again
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        raise TransientError("firestore: the page's active run kept changing")

    def release_page(self, tenant_id: str, page_key: str, run_id: str) -> PlanTask | None:
        """Marks the claim released by an update conditioned on the claim as read: a change
        remembered after that read makes it fail, and the next read returns that change."""
        ref = self._page(tenant_id, page_key)
        try:
            for _ in range(_CLAIM_ATTEMPTS):
                snap = ref.get()
                held = (snap.to_dict() or {}) if snap.exists else {}
                if held.get("run_id") != run_id:
                    return None
                if not held.get("released"):
                    unchanged = self._db.write_option(last_update_time=snap.update_time)
                    expires = datetime.now(UTC) + PAGE_CLAIM_TTL  # housekeeping only: the wall clock
                    try:
                        ref.update({"released": True, "expires_at": expires}, option=unchanged)
                    except (gexc.FailedPrecondition, gexc.NotFound):
                        continue
                return remembered_change(held)
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        raise TransientError("firestore: the page's claim kept changing")

    def reserve_start(
        self, tenant_id: str, run_id: str, now: datetime, interval: timedelta, burst: int
    ) -> datetime:
        """``tenants/{t}/limits/webhook_runs`` keeps the limit's next due time and
        ``tenants/{t}/run_starts/{r}`` each run's reserved start (a day beyond it: TTL on
        ``expires_at``). A reservation is one batch: the due time, created or updated conditioned
        on the document as read, and the run's start, created. Of two reservations made at once the
        second is refused as a whole and reads again: a different run gets the next start, the
        same run (its plan task delivered twice) the start the first got."""
        limit = self._tenant(tenant_id).collection("limits").document("webhook_runs")
        mine = self._tenant(tenant_id).collection("run_starts").document(run_id)
        try:
            for attempt in range(_RESERVE_ATTEMPTS):
                snaps = {snap.reference.path: snap for snap in self._db.get_all([limit, mine])}
                held, snap = snaps[mine.path], snaps[limit.path]
                reserved: datetime | None = (held.to_dict() or {}).get("start") if held.exists else None
                if reserved is not None:
                    return reserved
                due = (snap.to_dict() or {}).get("due") if snap.exists else None
                start, after = next_start(due, now, interval, burst)
                batch = self._db.batch()
                if snap.exists:
                    unchanged = self._db.write_option(last_update_time=snap.update_time)
                    batch.update(limit, {"due": after}, option=unchanged)
                else:
                    batch.create(limit, {"due": after})
                batch.create(mine, {"start": start, "expires_at": start + RUN_START_TTL})
                try:
                    batch.commit()
                    return start
                except (gexc.AlreadyExists, gexc.Conflict, gexc.FailedPrecondition, gexc.NotFound):
                    # Another reservation came first: read what it wrote, after a jittered wait, so
                    # the others that lost with this one do not all read and collide again.
                    time.sleep(random.uniform(0.0, _RESERVE_BACKOFF_S) * 2 ** min(attempt, 3))  # noqa: S311 (a jitter)
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        raise TransientError("firestore: too many runs of this workspace are starting at once")

    def _page(self, tenant_id: str, page_key: str) -> Any:
        return self._tenant(tenant_id).collection("page_runs").document(page_key)

    def _active(self, tenant_id: str, run_id: str, hold_until: datetime | None, now: datetime) -> bool:
        run = self.get_run(tenant_id, run_id) if run_id else None
        if run is not None:
            return not run.state.status.terminal
        return hold_until is not None and hold_until > now  # being planned, or its planner died
