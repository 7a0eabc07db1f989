"""Connecting and disconnecting a tenant's Motion workspace (``PUT``/``DELETE /sync/motion``, decision 0110).
The key is shown to Motion first: one it refuses, or a workspace it does not show that key, is a 400 and
nothing is stored. Then the key goes to Secret Manager and ``tenants/{t}/sync/motion`` records the workspace,
its statuses and users' emails (no secret). Motion has no webhooks: the first scan is queued, and each scan
polls the workspace's tasks and queues the next. Disconnect deletes our secret and the record; repeatable."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.platform import errors
from shared.sync.domain.connection import MotionConnection, key_secret
from shared.sync.domain.motion import MotionKey
from shared.sync.services.connect import (
    COPY,
    KEY_FORM,
    Credential,
    copies,
    data_source,
    forget,
    only_fields,
    refusals,
    shown,
    start,
)

if TYPE_CHECKING:
    from shared.platform.ports import SecretStore, TaskQueue
    from shared.sync.ports import MotionApi, MotionStore
    from shared.workspace.ports import TenantStore

_WORKSPACE = re.compile(r"[0-9A-Za-z_-]{1,64}")


class MotionLinking(NamedTuple):
    """What connecting Motion uses."""

    tenants: TenantStore
    secrets: SecretStore
    store: MotionStore
    motion: MotionApi
    queue: TaskQueue
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


def _checked(body: dict[str, Any]) -> tuple[str, str]:
    """``(api_key, workspace_id)`` of a connect's body, checked (a 400 naming the field)."""
    only_fields(body, ("api_key", "workspace_id", "data_source_id", COPY))
    key, workspace_id = body.get("api_key"), body.get("workspace_id")
    if not isinstance(key, str) or not KEY_FORM.fullmatch(key):
        raise errors.InvalidInput(
            "api_key: a Motion API key is 8 to 200 printable characters, no spaces", ["api_key"]
        )
    if not isinstance(workspace_id, str) or not _WORKSPACE.fullmatch(workspace_id):
        raise errors.InvalidInput("workspace_id: the Motion workspace's id", ["workspace_id"])
    return key, workspace_id


def connect_motion(tenant_id: str, body: dict[str, Any], deps: MotionLinking) -> dict[str, Any]:
    """Check ``body`` (``api_key``, ``workspace_id``, optional ``data_source_id``) with Motion, then store
    it and queue the first scan: ``{tool, connected, account, workspace, data_source_id}``."""
    key, workspace_id = _checked(body)
    source = data_source(tenant_id, body.get("data_source_id"), deps.tenants)
    probe = MotionKey(key)  # paced as an individual's until the workspace says it is a team's
    with refusals(Credential("Motion", "api_key", "key", "deleted or mistyped?")):
        who = deps.motion.me(probe)
        workspace = next((w for w in deps.motion.workspaces(probe) if w.get("id") == workspace_id), None)
        if workspace is None:
            raise errors.InvalidInput(
                "workspace_id: this key sees no Motion workspace of that id; nothing was stored",
                ["workspace_id"],
            )
        team = str(workspace.get("type") or "").upper() == "TEAM" or bool(workspace.get("teamId"))
        statuses = workspace.get("statuses") or deps.motion.statuses(probe, workspace_id)
        members = deps.motion.users(probe, workspace_id)
    deps.secrets.put(key_secret(tenant_id, "motion"), key)
    connection = MotionConnection(
        workspace_id=workspace_id,
        workspace_name=str(workspace.get("name") or ""),
        team=team,
        user_id=str(who.get("id") or ""),
        statuses=tuple(
            {k: s.get(k) for k in ("name", "isDefaultStatus", "isResolvedStatus")} for s in statuses
        ),
        members=members,
        data_source_id=source.replace("-", ""),
        account=str(who.get("name") or ""),
        connected_at=deps.now(),
        copy_other_tools=copies(body),
    )
    start(tenant_id, "motion", connection, deps.store, (deps.queue, deps.now()))
    return motion_status(tenant_id, deps.store)


def disconnect_motion(tenant_id: str, deps: MotionLinking) -> dict[str, Any]:
    """Delete our secret and the record (Motion keeps no webhook of ours); repeatable."""
    return forget(tenant_id, "motion", deps.store, deps.secrets, False)


def motion_status(tenant_id: str, store: MotionStore) -> dict[str, Any]:
    """Whether Motion is connected, to which workspace and data source (never the key)."""
    c = store.connection(tenant_id)
    workspace = {"id": c.workspace_id, "name": c.workspace_name, "team": c.team} if c else None
    return shown("motion", c, {"workspace": workspace})
