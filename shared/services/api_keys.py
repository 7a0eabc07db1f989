"""A workspace's API keys: make one (its full text shown in that answer only), list them, delete one.

Only a session manages keys, so a leaked key cannot make more keys nor hide itself. A key acts for
its workspace until it is deleted or the workspace is disconnected; keys of an earlier connection
have ended, are not listed nor counted, and making a key deletes them. The cap is checked by a query
before the create, not in a transaction: it bounds what a workspace accumulates and guards nothing.
Retries by ``Idempotency-Key``: :func:`create_api_key`, and docs/api.md, "API keys".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared.domain.api_keys import (
    DEFAULT_SCOPES,
    MAX_KEYS,
    ApiKey,
    idempotent_key_id,
    is_key_id,
    listed,
    new_key,
)
from shared.errors import Conflict, NotFound
from shared.services.sessions import require_connected

if TYPE_CHECKING:
    from shared.ports import ApiKeyStore, TenantStore


def create_api_key(
    tenant_id: str,
    name: str,
    tenants: TenantStore,
    keys: ApiKeyStore,
    idempotency_key: str | None = None,
    *,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
) -> dict[str, Any]:
    """A new key of the connected workspace with ``scopes``, and its full text (``key``): never shown
    again. With an ``idempotency_key`` (checked: ``is_idempotency_key``), the one key made with it, new
    or replaced. A retry (the same ``Idempotency-Key``, name and scopes) replaces it: the same id, a new
    secret, the earlier one dead at once; it is no new key, so the cap does not apply. Conflict: another
    name or scopes, a replacement or create racing another, or the cap reached. A key of an earlier
    connection under that id is replaced by a new key, counted like any other.
    """
    epoch = require_connected(tenant_id, tenants).session_epoch
    live, ended = _split(keys.list_for(tenant_id), epoch)
    key_id = None if idempotency_key is None else idempotent_key_id(tenant_id, idempotency_key)
    earlier = next((k for k in live if k.key_id == key_id), None)
    if earlier is not None:
        return _replace(earlier, name, keys, scopes)
    if len(live) >= MAX_KEYS:
        raise Conflict(
            f"this workspace has {MAX_KEYS} API keys, the most it may have: delete one first "
            "(DELETE /api-keys/<key_id>)"
        )
    for old in ended:
        keys.delete(tenant_id, old.key_id)
    key, text = new_key(tenant_id, name, epoch, datetime.now(UTC), key_id, scopes=scopes)
    keys.create(key)
    return listed(key) | {"key": text}


def _replace(earlier: ApiKey, name: str, keys: ApiKeyStore, scopes: tuple[str, ...]) -> dict[str, Any]:
    """``earlier``, made with the request's Idempotency-Key, again with a new secret (and the time of
    this answer): the retry of a request whose answer was lost."""
    if earlier.name != name or earlier.granted != scopes:
        raise Conflict(
            "this Idempotency-Key was already used for another key name or scopes: send a new "
            "Idempotency-Key for a new key, or the same name and scopes to make that key again"
        )
    key, text = new_key(
        earlier.tenant_id, name, earlier.epoch, datetime.now(UTC), earlier.key_id, scopes=scopes
    )
    if not keys.replace(earlier, key):
        raise Conflict("another request with this Idempotency-Key is in progress: try again")
    return listed(key) | {"key": text}


def list_api_keys(tenant_id: str, tenants: TenantStore, keys: ApiKeyStore) -> dict[str, Any]:
    """The workspace's live keys, newest first, without their secrets."""
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    live, _ = _split(keys.list_for(tenant_id), tenant.session_epoch)
    return {"api_keys": [listed(key) for key in live]}


def delete_api_key(tenant_id: str, key_id: str, keys: ApiKeyStore) -> dict[str, Any]:
    """Delete one of the workspace's keys: it stops working at once. Not repeatable as such: a
    second delete of the same key (like one of an unknown key, or another workspace's) is a 404."""
    if not is_key_id(key_id) or not keys.delete(tenant_id, key_id):
        raise NotFound(f"this workspace has no API key {key_id[:40]!r}")
    return {"key_id": key_id, "deleted": True}


def _split(keys: list[ApiKey], epoch: str) -> tuple[list[ApiKey], list[ApiKey]]:
    """(live, ended): the keys made during the current connection, and those of an earlier one."""
    return [k for k in keys if k.epoch == epoch], [k for k in keys if k.epoch != epoch]
