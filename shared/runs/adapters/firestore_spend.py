"""A tenant's spend in Firestore: the half of the run store (``FirestoreRunStore``) that counts
money. It sums the runs' ``model_used`` events and keeps the deployment's daily cap counter. It
keeps the budget counters under ``tenants/{t}/spend/`` that a model call reserves on and settles
(decision 0084). Each reservation's record stays under ``tenants/{t}/spend_holds/`` until it is
settled or the sweeper gives it back (0101)."""

import contextlib
import logging
import random
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.platform.adapters.firestore_docs import TRANSIENT
from shared.platform.errors import TransientError
from shared.runs.domain.run_limits import Hold, Refused

if TYPE_CHECKING:
    from shared.platform.domain.model_calls import ModelUsage

_CENTS_EPSILON = 1e-9  # sums of float dollars: a total equal to the cap is not refused by rounding
# Batches of the spend counters aborted by contention (nothing written), made again at most this often.
_COUNTER_ATTEMPTS = 8
_SETTLE_ATTEMPTS = 24
_NO_CAPS = (float("inf"), float("inf"), float("inf"))  # a hold read back to be released: no cap applies
log = logging.getLogger(__name__)


class FirestoreSpend:
    """The spend half of the run store; ``_db`` and ``_tenant`` are the store's."""

    _db: firestore.Client

    def _tenant(self, tenant_id: str) -> Any:
        return self._db.collection("tenants").document(tenant_id)

    def spend(self, tenant_id: str, day: str, month: str) -> tuple[float, float]:
        """The tenant's model spend today and this month, summed from its ``model_used`` events."""
        base = self._db.collection_group("events").where(filter=FieldFilter("tenant_id", "==", tenant_id))
        base = base.where(filter=FieldFilter("kind", "==", "model_used"))
        totals = []
        for field, value in (("day", day), ("month", month)):
            query: Any = base.where(filter=FieldFilter(field, "==", value)).sum("cost_usd")
            result = query.get()
            totals.append(float(result[0][0].value or 0.0) if result and result[0] else 0.0)
        return totals[0], totals[1]

    def spend_days(self, tenant_id: str, days: list[str]) -> list[float]:
        """One sum per day over the tenant's ``model_used`` events (the spend query's day index)."""
        base = self._db.collection_group("events").where(filter=FieldFilter("tenant_id", "==", tenant_id))
        base = base.where(filter=FieldFilter("kind", "==", "model_used"))
        totals = []
        for day in days:
            query: Any = base.where(filter=FieldFilter("day", "==", day)).sum("cost_usd")
            result = query.get()
            totals.append(float(result[0][0].value or 0.0) if result and result[0] else 0.0)
        return totals

    def record_usage(
        self, tenant_id: str, usage_id: str, at: datetime, purpose: str, usage: "ModelUsage"
    ) -> None:
        """``tenants/{t}/usage/{day}/events/{usage_id}``: a collection named ``events``, so the spend
        queries (a collection group) sum it with the runs' ledger; created once per ``usage_id``. A
        ledger entry, not a run's event: the fields the sums read, and no run or place in a log."""
        day = at.strftime("%Y-%m-%d")
        ref = self._tenant(tenant_id).collection("usage").document(day).collection("events")
        entry = {"kind": "model_used", "at": at, "purpose": purpose, **usage._asdict()}
        entry |= {"tenant_id": tenant_id, "run_id": "", "day": day, "month": at.strftime("%Y-%m")}
        try:
            ref.document(usage_id).create(entry)
        except (gexc.AlreadyExists, gexc.Conflict):
            return
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc

    def reserve_spend(self, day: str, usd: float, cap_usd: float) -> bool:
        """One increment, its result read back (no transaction, so no retries under contention): each
        caller sees the total its own increment made. Past the cap, the increment is taken back, so a
        refused call may briefly refuse another that would have fit, but never lets one past."""
        ref = self._db.collection("spend_days").document(day)
        try:
            written = ref.set({"usd": firestore.Increment(float(usd)), "day": day}, merge=True)
            total = float(written.transform_results[0].double_value)
            if total <= cap_usd + _CENTS_EPSILON:
                return True
            ref.update({"usd": firestore.Increment(-float(usd))})
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        return False

    def day_spend(self, day: str) -> float:
        try:
            snap = self._db.collection("spend_days").document(day).get()
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        return float(snap.get("usd")) if snap.exists else 0.0

    def settle_spend(self, day: str, usd: float) -> None:
        ref = self._db.collection("spend_days").document(day)
        try:
            ref.set({"usd": firestore.Increment(float(usd)), "day": day}, merge=True)
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc

    def _counters(self, tenant_id: str, hold: Hold) -> list[tuple[str, Any, float]]:
        """(budget, counter, cap) of each budget ``hold`` counts against, in ``Hold.caps``' order:
        ``tenants/{t}/spend/run-{r}``, ``day-{YYYY-MM-DD}``, ``month-{YYYY-MM}``."""
        spend = self._tenant(tenant_id).collection("spend")
        named = [("run", f"run-{hold.run_id}"), ("day", f"day-{hold.day}"), ("month", f"month-{hold.month}")]
        return [
            (budget, spend.document(doc_id), cap)
            for (budget, doc_id), cap in zip(named, hold.caps, strict=True)
            if budget != "run" or hold.run_id
        ]

    def _hold_ref(self, tenant_id: str, hold_id: str) -> Any:
        return self._tenant(tenant_id).collection("spend_holds").document(hold_id)

    def _hold_record(self, tenant_id: str, hold: Hold) -> tuple[Any, dict[str, Any]] | None:
        """``tenants/{t}/spend_holds/{hold_id}``: what the sweeper needs to give the reservation
        back (no content, no prompt); None for a hold with no record."""
        if not hold.hold_id:
            return None
        fields = {"tenant_id": tenant_id, "hold_id": hold.hold_id, "run_id": hold.run_id, "usd": hold.usd}
        fields |= {"day": hold.day, "month": hold.month, "release_after": hold.release_after}
        return self._hold_ref(tenant_id, hold.hold_id), fields

    def hold_budgets(self, tenant_id: str, hold: Hold) -> Refused | None:
        """One batch of increments over the counters, their results read back (a batch is atomic;
        no transaction, so no reads to retry): each caller sees the totals its own increments made.
        The same batch creates the hold's record (:meth:`_hold_record`), so a reservation made is
        always one the sweeper can find. Past a cap, a second batch takes them all back, so a
        refused call may briefly refuse another that would have fit, but never lets one past. The
        counters are updated, not set: a missing one fails the batch, is created at what was
        recorded, and the batch is made again (once a day and a month, and for a run that spent
        before its counter existed). A run that has spent nothing has its counter created by the batch."""
        counters = self._counters(tenant_id, hold)
        record = self._hold_record(tenant_id, hold)
        # A run that has spent nothing yet starts its counter at 0: this batch creates it if missing,
        # at 0 plus the reservation, as starting it first would (decision 0230: a round trip less).
        fresh = (tenant_id, "run") if hold.run_id and hold.run_seed == 0 else None
        try:
            written = self._add_to_counters(counters, hold.usd, record=record, fresh=fresh)
        except gexc.NotFound:
            self._start_counters(tenant_id, hold, counters)
            try:
                written = self._add_to_counters(counters, hold.usd, record=record)
            except gexc.NotFound as exc:
                raise TransientError("firestore: the spend counters could not be created") from exc
        totals = [float(w.transform_results[0].double_value) for w in written[: len(counters)]]
        over = [
            Refused(budget, total - hold.usd, cap, hold.usd)  # type: ignore[arg-type]  # budget: one of Hold.caps' names
            for (budget, _, cap), total in zip(counters, totals, strict=True)
            if total > cap + _CENTS_EPSILON
        ]
        if not over:
            return None
        self.settle_hold(tenant_id, hold, 0.0)
        return min(over, key=lambda r: r.cap_usd - r.counted_usd)  # the tightest: its room fits all

    def _start_counters(self, tenant_id: str, hold: Hold, counters: list[tuple[str, Any, float]]) -> None:
        """Create the counters that do not exist yet at what was recorded before them: the run's at
        ``hold.run_seed``, the day's and the month's at the ``model_used`` sums. Of two creators,
        the first wins and the second finds it there."""
        try:
            found = {
                snap.reference.path
                for snap in self._db.get_all([ref for _, ref, _ in counters])
                if snap.exists
            }
            missing = [(budget, ref) for budget, ref, _ in counters if ref.path not in found]
            sums = (
                self.spend(tenant_id, hold.day, hold.month) if any(b != "run" for b, _ in missing) else (0, 0)
            )
            start = {"run": hold.run_seed, "day": sums[0], "month": sums[1]}
            for budget, ref in missing:
                with contextlib.suppress(gexc.AlreadyExists, gexc.Conflict):
                    ref.create({"usd": float(start[budget]), "tenant_id": tenant_id, "budget": budget})
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc

    def _add_to_counters(
        self,
        counters: list[tuple[str, Any, float]],
        usd: float,
        attempts: int = _COUNTER_ATTEMPTS,
        record: tuple[Any, dict[str, Any]] | None = None,
        fresh: tuple[str, str] | None = None,
    ) -> list[Any]:
        """Add ``usd`` to each counter in one batch (with ``record`` created, last): its write
        results, the counters' first. ``fresh`` (tenant, budget): that budget's counter is created at
        ``usd`` if it is missing (one that starts at 0), the others must exist. A batch aborted by contention
        on a counter (Firestore's ABORTED: nothing of it was written) is made again, up to
        ``attempts`` times, waiting longer each time (jittered, at most a second); NotFound (a
        counter missing) is the caller's."""
        for attempt in range(attempts):
            batch = self._db.batch()
            for budget, ref, _ in counters:
                if fresh is not None and budget == fresh[1]:
                    started = {"tenant_id": fresh[0], "budget": budget}
                    batch.set(ref, {"usd": firestore.Increment(float(usd))} | started, merge=True)
                else:
                    batch.update(ref, {"usd": firestore.Increment(float(usd))})
            if record is not None:
                batch.create(record[0], record[1])
            try:
                return list(batch.commit())
            except gexc.Aborted as exc:
                if attempt + 1 == attempts:
                    raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
                time.sleep(random.uniform(0.5, 1.0) * min(1.0, 0.01 * 2**attempt))  # noqa: S311 (a jitter)
            except gexc.NotFound:
                raise
            except TRANSIENT as exc:
                raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def settle_hold(self, tenant_id: str, hold: Hold, cost_usd: float) -> None:
        """Each counter moves by the cost less the reservation, once. Usually one batch does it
        (:meth:`_settle_at_once`). Else the hold's record is deleted first (:meth:`_take_record`),
        and only if it was still there is the reservation given back; if the sweeper gave it back
        already, the counters take only the cost. A counter whose move keeps failing is written
        back into the record (:meth:`_move_or_leave`), for the sweeper."""
        if self._settle_at_once(tenant_id, hold, cost_usd):
            return
        taken = self._take_record(tenant_id, hold)
        usd = cost_usd - (hold.usd if taken is not None else 0.0)
        self._move_or_leave(tenant_id, hold, {ref.id: usd for _, ref, _ in self._counters(tenant_id, hold)})

    def _settle_at_once(self, tenant_id: str, hold: Hold, cost_usd: float) -> bool:
        """One batch, one round trip (decision 0230): the hold's record deleted on the condition that
        it exists, and each counter moved by the cost less the reservation. False when the batch
        wrote nothing: no record (given back already, or none kept), a counter missing, or contention
        (ABORTED); the caller then settles one write at a time, as before it."""
        if not hold.hold_id:
            return False
        batch = self._db.batch()
        batch.delete(self._hold_ref(tenant_id, hold.hold_id), option=self._db.write_option(exists=True))
        for _, ref, _ in self._counters(tenant_id, hold):
            batch.update(ref, {"usd": firestore.Increment(float(cost_usd - hold.usd))})
        try:
            batch.commit()
        except (gexc.NotFound, gexc.FailedPrecondition, gexc.Aborted, gexc.Conflict):
            return False
        except TRANSIENT as exc:  # perhaps written: the reservation is kept (errs on spending less)
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        return True

    def _take_record(self, tenant_id: str, hold: Hold) -> dict[str, Any] | None:
        """Delete the hold's record if it is there: its fields when this call deleted it ({} for a
        hold with no record), None when it was gone (settled or given back already). The delete is
        made on the version read, so of two takers only one gets it."""
        if not hold.hold_id:
            return {}
        ref = self._hold_ref(tenant_id, hold.hold_id)
        try:
            snap = ref.get()
            if not snap.exists:
                return None
            ref.delete(option=self._db.write_option(last_update_time=snap.update_time))
        except (gexc.NotFound, gexc.FailedPrecondition):
            return None
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        return snap.to_dict() or {}

    def _move_or_leave(self, tenant_id: str, hold: Hold, moves: dict[str, float]) -> None:
        """Move each counter (by id under ``tenants/{t}/spend/``) by its amount, one write each (a
        write of one document waits its turn where a batch of three is aborted by contention). The
        moves that still fail after ``_SETTLE_ATTEMPTS`` (some 10 s) go back into the hold's record
        as what is ``left``, for the sweeper; with no record to keep them, they stay undone (the
        reservation stays counted: errs on spending less)."""
        spend = self._tenant(tenant_id).collection("spend")
        left = {}
        for doc_id, usd in moves.items():
            try:
                self._add_to_counters([("", spend.document(doc_id), 0.0)], usd, _SETTLE_ATTEMPTS)
            except TransientError:
                left[doc_id] = usd
        if not left:
            return
        record = self._hold_record(tenant_id, hold)
        log.warning("spend counters not moved, left to the sweeper: %s", sorted(left))
        if record is not None:
            with contextlib.suppress(*TRANSIENT, gexc.AlreadyExists, gexc.Conflict):
                record[0].create(record[1] | {"left": left})

    def stale_holds(self, before: datetime, limit: int = 200) -> list[tuple[str, Hold]]:
        """Reservations whose ``release_after`` is before ``before``, oldest first, across tenants
        (collection group ``spend_holds``: a single-field index in its scope, terraform/firestore.tf)."""
        query = (
            self._db.collection_group("spend_holds")
            .where(filter=FieldFilter("release_after", "<", before))
            .order_by("release_after")
            .limit(limit)
        )
        found = []
        try:
            for snap in query.stream():
                d = snap.to_dict() or {}
                hold = Hold(d["day"], d["month"], d["run_id"], float(d["usd"]), _NO_CAPS, 0.0, d["hold_id"])
                found.append((str(d["tenant_id"]), hold._replace(release_after=d.get("release_after"))))
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        return found

    def release_hold(self, tenant_id: str, hold: Hold) -> bool:
        """Give a stale reservation back: its record taken, then each counter moved back by it (or
        by what a settle ``left`` undone). False (nothing moved) when the record was gone: settled
        or released meanwhile."""
        taken = self._take_record(tenant_id, hold)
        if taken is None:
            return False
        moves = taken.get("left") or {ref.id: -hold.usd for _, ref, _ in self._counters(tenant_id, hold)}
        self._move_or_leave(tenant_id, hold, {str(k): float(v) for k, v in moves.items()})
        return True
