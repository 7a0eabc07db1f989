"""Connected mailboxes in Firestore: ``mail_mailboxes/{address hash}`` (the address is hashed into the
id, never written into it), the tenant named in a field so erasing a tenant can find them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.mail.domain.mailboxes import Mailbox
from shared.platform.adapters.firestore_docs import in_transaction, plain_times, transient
from shared.workspace.domain.tenants import address_hash

COLLECTION = "mail_mailboxes"


class FirestoreMailboxes:
    def __init__(self, client: firestore.Client) -> None:
        self._db = client

    def _ref(self, address: str) -> Any:
        return self._db.collection(COLLECTION).document(address_hash(address))

    def get(self, address: str) -> Mailbox | None:
        with transient():
            snap = self._ref(address).get()
        return Mailbox.model_validate(plain_times(snap.to_dict())) if snap.exists else None

    def put(self, mailbox: Mailbox) -> None:
        with transient():
            self._ref(mailbox.address).set(mailbox.model_dump())

    def by_key(self, key: str) -> Mailbox | None:
        with transient():
            snap = self._db.collection(COLLECTION).document(key).get()
        return Mailbox.model_validate(plain_times(snap.to_dict())) if snap.exists else None

    def of_tenant(self, tenant_id: str) -> list[Mailbox]:
        query = self._db.collection(COLLECTION).where(filter=FieldFilter("tenant_id", "==", tenant_id))
        with transient():
            return [Mailbox.model_validate(plain_times(s.to_dict())) for s in query.stream()]

    def watched(self, address: str, expires: datetime) -> None:
        with transient():
            self._ref(address).update({"watch_expires": expires})

    def every(self) -> list[Mailbox]:
        with transient():
            return [
                Mailbox.model_validate(plain_times(s.to_dict()))
                for s in self._db.collection(COLLECTION).stream()
            ]

    def delete(self, address: str) -> None:
        with transient():
            self._ref(address).delete()

    def advance(self, address: str, history_id: int) -> int:
        ref = self._ref(address)

        def body(transaction: Any) -> int:
            snap = ref.get(transaction=transaction)
            if not snap.exists:
                return 0
            stored = int((snap.to_dict() or {}).get("history_id", 0))
            if history_id > stored:
                transaction.update(ref, {"history_id": history_id})
            return max(stored, history_id)

        return in_transaction(self._db, body, what="a mailbox's history id")
