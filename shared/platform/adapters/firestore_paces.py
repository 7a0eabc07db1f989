"""The api's request counters in Firestore: ``api_paces/{sha256(counter)}`` holding ``n`` and
``expires_at`` (TTL). One batch of server-side increments per request, each increment's result read
back from the commit: no read, no transaction, so no retries under contention."""

import hashlib
from collections.abc import Sequence
from datetime import datetime

from google.cloud import firestore

from shared.platform.adapters.firestore_docs import transient


def doc_id(counter: str) -> str:
    """A counter's document id: a hash, so ids, tenants and key ids never shape a document path."""
    return hashlib.sha256(counter.encode()).hexdigest()[:40]


class FirestorePaces:
    def __init__(self, client: firestore.Client) -> None:
        self._db = client

    def add(self, counters: Sequence[str], expires_at: datetime) -> list[int]:
        batch = self._db.batch()
        for counter in counters:
            ref = self._db.collection("api_paces").document(doc_id(counter))
            batch.set(ref, {"n": firestore.Increment(1), "expires_at": expires_at}, merge=True)
        with transient():
            results = batch.commit()
        return [int(r.transform_results[0].integer_value) for r in results]
