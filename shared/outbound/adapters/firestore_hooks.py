"""Webhook endpoints and their deliveries in Firestore: ``tenants/{t}/hook_endpoints/{e}`` (no secret:
that is the secrets port's) and ``…/hook_endpoints/{e}/hook_deliveries/{d}``, each delivery removed by
TTL on ``expires_at``. An endpoint's deliveries are listed newest first on ``created_at`` alone (a
single-field index), the fan-out's endpoints by ``events`` (array-contains)."""

from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.outbound.domain.endpoints import Delivery, Endpoint
from shared.outbound.domain.events import EventType
from shared.platform.adapters.firestore_docs import in_transaction, plain_times, transient

MAX_ENDPOINTS = 20  # what the service allows a workspace (shared.outbound.services.endpoints)
_DELETE_PAGE = 200


def _endpoint(doc: dict[str, Any] | None) -> Endpoint:
    return Endpoint.model_validate(plain_times(doc))


def _delivery(doc: dict[str, Any] | None) -> Delivery:
    return Delivery.model_validate(plain_times(doc))


def _doc(record: Endpoint | Delivery) -> dict[str, Any]:
    doc: dict[str, Any] = record.model_dump(mode="json")
    for name in ("created_at", "disabled_at", "last_at", "expires_at", "sending_until"):
        if name in doc:
            doc[name] = getattr(record, name)
    return doc


class FirestoreHooks:
    """:class:`shared.outbound.ports.HookStore` in Firestore, on the instance's one client."""

    def __init__(self, client: firestore.Client) -> None:
        self._db, self._tenants = client, client.collection("tenants")

    def _endpoints(self, tenant_id: str) -> Any:
        return self._tenants.document(tenant_id).collection("hook_endpoints")

    def _deliveries(self, tenant_id: str, endpoint_id: str) -> Any:
        return self._endpoints(tenant_id).document(endpoint_id).collection("hook_deliveries")

    def create_endpoint(self, tenant_id: str, endpoint: Endpoint) -> bool:
        try:
            with transient():
                self._endpoints(tenant_id).document(endpoint.id).create(_doc(endpoint))
        except gexc.AlreadyExists:
            return False
        return True

    def endpoint(self, tenant_id: str, endpoint_id: str) -> Endpoint | None:
        with transient():
            snap = self._endpoints(tenant_id).document(endpoint_id).get()
        return _endpoint(snap.to_dict()) if snap.exists else None

    def endpoints(self, tenant_id: str) -> list[Endpoint]:
        with transient():
            snaps = list(self._endpoints(tenant_id).limit(MAX_ENDPOINTS + 1).stream())
        return sorted((_endpoint(s.to_dict()) for s in snaps), key=lambda e: e.id)

    def taking(self, tenant_id: str, kind: EventType) -> list[Endpoint]:
        query = self._endpoints(tenant_id).where(filter=FieldFilter("events", "array_contains", kind.value))
        with transient():
            return [_endpoint(s.to_dict()) for s in query.limit(MAX_ENDPOINTS).stream()]

    def delete_endpoint(self, tenant_id: str, endpoint_id: str) -> None:
        with transient():
            while snaps := list(self._deliveries(tenant_id, endpoint_id).limit(_DELETE_PAGE).stream()):
                batch = self._db.batch()
                for snap in snaps:
                    batch.delete(snap.reference)
                batch.commit()
            self._endpoints(tenant_id).document(endpoint_id).delete()

    def outcome(self, tenant_id: str, endpoint_id: str, ok: bool, disable_after: int, now: datetime) -> bool:
        ref = self._endpoints(tenant_id).document(endpoint_id)

        def count(transaction: Any) -> bool:
            snap = ref.get(transaction=transaction)
            if not snap.exists:
                return False
            current = _endpoint(snap.to_dict())
            if ok:
                change: dict[str, Any] = {"failures": 0}
                if disable_after == 0:
                    change |= {"disabled_at": None, "disabled_why": ""}
                if current.failures or (disable_after == 0 and current.disabled_at is not None):
                    transaction.update(ref, change)
                return False
            failures = current.failures + 1
            disables = current.disabled_at is None and failures >= disable_after
            change = {"failures": failures}
            if disables:
                change |= {"disabled_at": now, "disabled_why": f"{failures} failed attempts in a row"}
            transaction.update(ref, change)
            return disables

        return in_transaction(self._db, count, what="a webhook endpoint's failures")

    def create_delivery(self, tenant_id: str, delivery: Delivery) -> bool:
        try:
            with transient():
                self._deliveries(tenant_id, delivery.endpoint_id).document(delivery.id).create(_doc(delivery))
        except gexc.AlreadyExists:
            return False
        return True

    def delivery(self, tenant_id: str, endpoint_id: str, delivery_id: str) -> Delivery | None:
        with transient():
            snap = self._deliveries(tenant_id, endpoint_id).document(delivery_id).get()
        return _delivery(snap.to_dict()) if snap.exists else None

    def deliveries(self, tenant_id: str, endpoint_id: str, after: str | None, limit: int) -> list[Delivery]:
        collection = self._deliveries(tenant_id, endpoint_id)
        query = collection.order_by("created_at", direction=firestore.Query.DESCENDING)
        with transient():
            if after:
                snap = collection.document(after).get()
                if not snap.exists:
                    return []
                query = query.start_after(snap)
            return [_delivery(s.to_dict()) for s in query.limit(limit).stream()]

    def attempted(self, tenant_id: str, endpoint_id: str, delivery_id: str, fields: dict[str, Any]) -> None:
        with transient():
            self._deliveries(tenant_id, endpoint_id).document(delivery_id).update(
                fields | {"attempts": firestore.Increment(1)}
            )

    def claim(self, tenant_id: str, delivery: Delivery, now: datetime, until: datetime) -> bool:
        ref = self._deliveries(tenant_id, delivery.endpoint_id).document(delivery.id)

        def take(transaction: Any) -> bool:
            snap = ref.get(transaction=transaction)
            if not snap.exists:
                return False
            current = _delivery(snap.to_dict())
            held = current.sending_until is not None and current.sending_until > now
            if current.status != "pending" or current.round != delivery.round or held:
                return False
            transaction.update(ref, {"sending_until": until})
            return True

        return in_transaction(self._db, take, what="a delivery's send")

    def resend(self, tenant_id: str, endpoint_id: str, delivery_id: str) -> Delivery | None:
        ref = self._deliveries(tenant_id, endpoint_id).document(delivery_id)

        def again(transaction: Any) -> Delivery | None:
            snap = ref.get(transaction=transaction)
            if not snap.exists:
                return None
            current = _delivery(snap.to_dict())
            change = {"status": "pending", "round": current.round + 1, "sending_until": None}
            transaction.update(ref, change)
            return current.model_copy(update=change)

        return in_transaction(self._db, again, what="a delivery sent again")
