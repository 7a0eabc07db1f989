"""A workspace's API keys: make one (its full text shown in that answer only), list them, delete one.
A key is its maker's, acting with their role as held now; the owner and admins see every key.
Only a session manages keys, so a leaked key cannot make more keys nor hide itself. A key acts for
its workspace until it is deleted or the workspace is disconnected; keys of an earlier connection
have ended, are not listed nor counted, and making a key deletes them. The cap is checked by a query
before the create, not in a transaction: it bounds what a workspace accumulates and guards nothing.
Retries by ``Idempotency-Key``: :func:`create_api_key`, and docs/api.md, "API keys".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared.platform.errors import Conflict, Forbidden, NotFound
from shared.team.domain.api_keys import (
    DEFAULT_SCOPES,
    MAX_KEYS,
    ApiKey,
    idempotent_key_id,
    is_key_id,
    listed,
    new_key,
)
from shared.team.services.sessions import require_connected
from shared.workspace.domain.members import at_least

if TYPE_CHECKING:
    from shared.team.ports import ApiKeyStore
    from shared.workspace.domain.members import Member
    from shared.workspace.ports import TenantStore

# The least role of a key's maker for each scope: a key never does more than its person.
SCOPE_ROLES = {"read": "viewer", "runs:start": "editor", "runs:decide": "editor", "runs:control": "editor"}


def _sees_all(member: Member | None) -> bool:
    """Whether ``member`` lists and deletes every key of the workspace, not only their own."""
    return member is None or at_least(member.role, "admin")


def create_api_key(
    tenant_id: str,
    name: str,
    tenants: TenantStore,
    keys: ApiKeyStore,
    idempotency_key: str | None = None,
    *,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    member: Member | None = None,
) -> dict[str, Any]:
    """A new key of the connected workspace with ``scopes``, and its full text (``key``): never shown
    again. With an ``idempotency_key`` (checked: ``is_idempotency_key``), the one key made with it, new
    or replaced. A retry (the same ``Idempotency-Key``, name and scopes) replaces it: the same id, a new
    secret, the earlier one dead at once; it is no new key, so the cap does not apply. Conflict: another
    name or scopes, a replacement or create racing another, or the cap reached. A key of an earlier
    connection under that id is replaced by a new key, counted like any other. ``member``: whose key
    it is (None: the owner's); Forbidden for a scope beyond their role.
    """
    if member is not None:
        beyond = [s for s in scopes if not at_least(member.role, SCOPE_ROLES.get(s, "owner"))]
        if beyond:
            raise Forbidden(f"your role ({member.role}) may not give a key the scopes {', '.join(beyond)}")
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
    owner = member is None or member.role == "owner"
    member_id = "" if owner or member is None else member.member_id
    key, text = new_key(tenant_id, name, epoch, datetime.now(UTC), key_id, scopes=scopes, member_id=member_id)
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
        earlier.tenant_id,
        name,
        earlier.epoch,
        datetime.now(UTC),
        earlier.key_id,
        scopes=scopes,
        member_id=earlier.member_id,
    )
    if not keys.replace(earlier, key):
        raise Conflict("another request with this Idempotency-Key is in progress: try again")
    return listed(key) | {"key": text}


def list_api_keys(
    tenant_id: str, tenants: TenantStore, keys: ApiKeyStore, member: Member | None = None
) -> dict[str, Any]:
    """The workspace's live keys, newest first, without their secrets: ``member``'s own, or every
    key for the owner or an admin (None: the owner)."""
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    live, _ = _split(keys.list_for(tenant_id), tenant.session_epoch)
    return {"api_keys": [listed(key) for key in live if _sees_all(member) or _mine(key, member)]}


def _mine(key: ApiKey, member: Member | None) -> bool:
    return member is not None and member.role != "owner" and key.member_id == member.member_id


def delete_api_key(
    tenant_id: str, key_id: str, keys: ApiKeyStore, member: Member | None = None
) -> dict[str, Any]:
    """Delete one of the workspace's keys (``member``'s own, or any for the owner or an admin): it
    stops working at once. Not repeatable as such: a second delete of the same key (like one of an
    unknown key, another person's or another workspace's) is a 404."""
    key = keys.get(key_id) if is_key_id(key_id) else None
    if key is None or key.tenant_id != tenant_id or not (_sees_all(member) or _mine(key, member)):
        raise NotFound(f"this workspace has no API key {key_id[:40]!r} of yours")
    if not keys.delete(tenant_id, key_id):
        raise NotFound(f"this workspace has no API key {key_id[:40]!r}")
    return {"key_id": key_id, "deleted": True}


def _split(keys: list[ApiKey], epoch: str) -> tuple[list[ApiKey], list[ApiKey]]:
    """(live, ended): the keys made during the current connection, and those of an earlier one."""
    return [k for k in keys if k.epoch == epoch], [k for k in keys if k.epoch != epoch]
