"""API keys in Firestore: ``api_keys/{key_id}`` holding ``tenant_id``, ``name``, ``secret_sha256``,
``created_at`` and ``epoch``; never the secret.

Top-level, keyed by the key's id: a request's key is found in one read without knowing its tenant.
A key's tenant never changes: a read's tenant holds at the write that follows, and an instance
remembers it to read key and tenant together next time (decision 0235). A key is made, replaced by
one of the same tenant (a retried ``POST /api-keys``: a new secret) or deleted; no TTL.
"""

import threading
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.platform.adapters.firestore_docs import transient
from shared.platform.errors import Conflict
from shared.team.domain.api_keys import ApiKey
from shared.workspace.adapters.firestore_tenants import tenant_of, tenant_ref
from shared.workspace.domain.tenants import Tenant

# The keys whose tenant an instance remembers: an id and a tenant id each, forgotten all at once beyond.
KNOWN_KEYS = 10_000


def _key(snap: Any) -> ApiKey:
    return ApiKey.model_validate((snap.to_dict() or {}) | {"key_id": snap.id})


def _doc(key: ApiKey) -> dict[str, Any]:
    return key.model_dump(exclude={"key_id", "created_at"}) | {"created_at": key.created_at}


class FirestoreApiKeys:
    def __init__(self, client: firestore.Client) -> None:
        self._db = client
        self._tenant_of: dict[str, str] = {}  # key id -> its tenant's id, as a read of the key said
        self._lock = threading.Lock()

    def _known(self, key: ApiKey) -> ApiKey:
        """``key``, its tenant remembered: a fact that never changes, not whether the key is valid."""
        with self._lock:
            if len(self._tenant_of) >= KNOWN_KEYS:
                self._tenant_of.clear()
            self._tenant_of[key.key_id] = key.tenant_id
        return key

    def _ref(self, key_id: str) -> Any:
        return self._db.collection("api_keys").document(key_id)

    def create(self, key: ApiKey) -> None:
        """One create: an id taken already is refused (Conflict), never overwritten."""
        with transient():
            try:
                self._ref(key.key_id).create(_doc(key))
            except gexc.AlreadyExists:
                raise Conflict("an API key of that id exists already: try again") from None

    def replace(self, previous: ApiKey, key: ApiKey) -> bool:
        """A read, then an update of every field conditioned on that read's update time: of two
        replacements of ``previous`` at once only one passes (the other finds it changed, or fails
        the precondition)."""
        if (key.key_id, key.tenant_id) != (previous.key_id, previous.tenant_id):
            raise ValueError("a key is replaced by one of the same id and tenant")
        ref = self._ref(key.key_id)
        with transient():
            snap = ref.get()
            if not snap.exists or _key(snap) != previous:
                return False
            try:
                ref.update(_doc(key), option=self._db.write_option(last_update_time=snap.update_time))
            except (gexc.FailedPrecondition, gexc.NotFound):
                return False  # replaced or deleted between the read and the write
        return True

    def get(self, key_id: str) -> ApiKey | None:
        with transient():
            snap = self._ref(key_id).get()
        return self._known(_key(snap)) if snap.exists else None

    def get_with_tenant(self, key_id: str) -> tuple[ApiKey | None, Tenant | None] | None:
        """One BatchGetDocuments of ``api_keys/{key_id}`` and ``tenants/{t}``, ``t`` the tenant an
        earlier read of the key named (this database's tenants: the tenant store's, as deployed).
        None for a key this instance has not read (or has forgotten). Both documents are read now: a
        deleted key, a disconnected tenant or a removed member counts at once."""
        with self._lock:
            tenant_id = self._tenant_of.get(key_id)
        if tenant_id is None:
            return None
        key_ref, of_tenant = self._ref(key_id), tenant_ref(self._db, tenant_id)
        with transient():
            snaps = {snap.reference.path: snap for snap in self._db.get_all([key_ref, of_tenant])}
        key = _key(snaps[key_ref.path]) if snaps[key_ref.path].exists else None
        if key is not None and key.tenant_id != tenant_id:  # never so (a key keeps its tenant): read apart
            return None
        return key, tenant_of(snaps[of_tenant.path])

    def list_for(self, tenant_id: str) -> list[ApiKey]:
        """One query, an equality on ``tenant_id`` (the automatic single-field index serves it; no
        composite index), sorted here: a workspace has a handful of keys."""
        query = self._db.collection("api_keys").where(filter=FieldFilter("tenant_id", "==", tenant_id))
        with transient():
            keys = [_key(snap) for snap in query.stream()]
        return sorted(keys, key=lambda k: (k.created_at, k.key_id), reverse=True)

    def delete(self, tenant_id: str, key_id: str) -> bool:
        """A read (whose key is it?), then the delete."""
        ref = self._ref(key_id)
        with transient():
            snap = ref.get()
            if not snap.exists or (snap.to_dict() or {}).get("tenant_id") != tenant_id:
                return False
            ref.delete()
        return True
