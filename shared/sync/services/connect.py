"""Connecting and disconnecting a tenant's Linear team. The API key is shown to Linear first: one it
refuses is a 400 and nothing is stored. Then the key and a signing secret we draw go to Secret
Manager, Linear makes a webhook of the team's issues to our intake, and ``tenants/{t}/sync/linear``
records the team, the data source and the webhook (no secret). Disconnect deletes the webhook at
Linear while the key works, then our secrets and the record; it may be repeated."""

from __future__ import annotations

import re
import secrets as random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.platform import errors
from shared.platform.topology import Queue
from shared.sync.domain.connection import LinearConnection, hook_secret, key_secret
from shared.sync.domain.sync_task import SyncTask, scan_task_name
from shared.team.services.sessions import require_connected

if TYPE_CHECKING:
    from shared.platform.ports import SecretStore, TaskQueue
    from shared.sync.ports import LinearApi, SyncStore
    from shared.workspace.ports import TenantStore

_KEY = re.compile(r"[\x21-\x7e]{8,200}")
_ID = re.compile(r"[0-9A-Za-z-]{1,64}")
_SOURCE = re.compile(r"[0-9a-fA-F-]{32,36}")
_FIELDS = {"api_key", "team_id", "data_source_id"}


class Linking(NamedTuple):
    """What connecting uses."""

    tenants: TenantStore
    secrets: SecretStore
    store: SyncStore
    linear: LinearApi
    queue: TaskQueue
    webhook_url: Callable[[str], str]  # tenant id → our intake's public URL for it
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


def connect_linear(tenant_id: str, body: dict[str, Any], deps: Linking) -> dict[str, Any]:
    """Check ``body`` (``api_key``, ``team_id``, optional ``data_source_id``) with Linear, then store
    and hook it as the module says: ``{tool, connected, account, team, data_source_id}``."""
    unknown = set(body) - _FIELDS
    if unknown:
        raise errors.InvalidInput(
            f"unknown fields {sorted(unknown)}; send api_key, team_id, data_source_id", sorted(unknown)
        )
    key, team_id, source = body.get("api_key"), body.get("team_id"), body.get("data_source_id")
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise errors.InvalidInput(
            "api_key: a Linear API key is 8 to 200 printable characters, no spaces", ["api_key"]
        )
    if not isinstance(team_id, str) or not _ID.fullmatch(team_id):
        raise errors.InvalidInput("team_id: the Linear team's id (a UUID)", ["team_id"])
    if source is not None and (not isinstance(source, str) or not _SOURCE.fullmatch(source)):
        raise errors.InvalidInput(
            "data_source_id: a Notion data source's id (32 hex digits)", ["data_source_id"]
        )
    tenant = require_connected(tenant_id, deps.tenants)
    if source is None:
        tasks = tenant.home.tasks if tenant.home is not None else None
        if tasks is None:
            raise errors.Conflict(
                "the agent's home has no Tasks database yet: set up the home, or send data_source_id"
            )
        source = tasks.data_source_id
    try:
        who = deps.linear.viewer(key)
        team = deps.linear.team(key, team_id)
    except errors.Unauthenticated:
        raise errors.InvalidInput(
            "api_key: Linear refused this key (revoked or mistyped?); nothing was stored", ["api_key"]
        ) from None
    except errors.NotFound:
        raise errors.InvalidInput(
            "team_id: this key sees no Linear team of that id; nothing was stored", ["team_id"]
        ) from None
    except errors.PermanentError as exc:
        raise errors.InvalidInput(
            f"Linear cannot be used with this key ({exc.reason[:200]}); nothing was stored", ["api_key"]
        ) from None
    earlier = deps.store.connection(tenant_id)
    if earlier is not None and earlier.webhook_id:
        _unhook(deps, tenant_id, earlier.webhook_id)
    signing = random.token_hex(32)
    deps.secrets.put(key_secret(tenant_id), key)
    deps.secrets.put(hook_secret(tenant_id), signing)
    try:
        webhook_id = deps.linear.create_webhook(key, team_id, deps.webhook_url(tenant_id), signing)
    except (errors.PermanentError, errors.TransientError):
        deps.secrets.delete(key_secret(tenant_id))
        deps.secrets.delete(hook_secret(tenant_id))
        raise
    connection = LinearConnection(
        team_id=team["id"],
        team_name=team["name"],
        data_source_id=source.replace("-", ""),
        webhook_id=webhook_id,
        account=str(who.get("name") or ""),
        connected_at=deps.now(),
    )
    deps.store.save_connection(tenant_id, connection)
    now = deps.now()
    deps.queue.enqueue(
        Queue.PLAN, SyncTask(tenant_id=tenant_id, kind="scan", since=now), scan_task_name(tenant_id, now)
    )
    return {
        "tool": "linear",
        "connected": True,
        "account": connection.account,
        "team": {"id": team["id"], "name": team["name"]},
        "data_source_id": connection.data_source_id,
    }


def disconnect_linear(tenant_id: str, deps: Linking) -> dict[str, Any]:
    """Delete the webhook at Linear (while the key works), our secrets and the record; repeatable."""
    connection = deps.store.connection(tenant_id)
    deleted = False
    if connection is not None and connection.webhook_id:
        deleted = _unhook(deps, tenant_id, connection.webhook_id)
    deps.store.delete_connection(tenant_id)
    deps.secrets.delete(key_secret(tenant_id))
    deps.secrets.delete(hook_secret(tenant_id))
    return {"tool": "linear", "connected": False, "webhook_deleted": deleted}


_EMAIL = re.compile(r"[!-?A-~]{1,64}@[!-?A-~]{1,190}")  # printable ASCII, one @ (as the contract says)
_USER = re.compile(r"[0-9a-fA-F-]{32,36}")
MAX_PEOPLE = 500


def set_people(tenant_id: str, body: dict[str, Any], store: SyncStore) -> dict[str, Any]:
    """Replace the user mapping with ``body["people"]`` (email → Notion user id): ``{people}``."""
    people = body.get("people") if set(body) == {"people"} else None
    if not isinstance(people, dict) or len(people) > MAX_PEOPLE:
        raise errors.InvalidInput(
            f'the body must be {{"people": {{"<email>": "<Notion user id>"}}}}, at most {MAX_PEOPLE}',
            ["people"],
        )
    for email, user_id in people.items():
        if not _EMAIL.fullmatch(email) or not isinstance(user_id, str) or not _USER.fullmatch(user_id):
            raise errors.InvalidInput(
                f"people: {email[:80]!r} must be an email mapped to a Notion user id", ["people"]
            )
    connection = store.connection(tenant_id)
    if connection is None:
        raise errors.Conflict("Linear is not connected: PUT /sync/linear first")
    mapping = {email.lower(): user_id.replace("-", "") for email, user_id in people.items()}
    store.save_connection(tenant_id, connection.model_copy(update={"people": mapping}))
    return {"people": mapping}


def linear_status(tenant_id: str, store: SyncStore) -> dict[str, Any]:
    """Whether Linear is connected, to which team and data source (never the key)."""
    connection = store.connection(tenant_id)
    if connection is None:
        return {"tool": "linear", "connected": False}
    return {
        "tool": "linear",
        "connected": True,
        "account": connection.account,
        "team": {"id": connection.team_id, "name": connection.team_name},
        "data_source_id": connection.data_source_id,
        "connected_at": connection.connected_at,
    }


def _unhook(deps: Linking, tenant_id: str, webhook_id: str) -> bool:
    """Delete our webhook at Linear with the stored key; False when that cannot be done now."""
    try:
        deps.linear.delete_webhook(deps.secrets.get(key_secret(tenant_id)), webhook_id)
    except (errors.NotFound, errors.Unauthenticated, errors.PermanentError, errors.TransientError):
        return False
    return True
