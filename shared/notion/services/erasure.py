"""Erasing a workspace on request: by its owner (``POST /workspace/erase``, the workspace's name typed
to confirm) or by the operator (``make erase-tenant``, tools/erase_tenant.py).

Each step is repeatable, so an attempt cut short is finished by the next. In order: the ask is
recorded (``erasures/{t}``, ``erasing``); the workspace is disconnected (tokens revoked, held runs
cancelled, sessions ended); every token secret of it is deleted; every document of it is deleted
(shared/workspace/adapters/firestore_erasure.py); the record becomes ``erased``.
What is kept, and for how long: docs/security.md, "Retention and erasure"."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, NamedTuple

from shared.notion.services.disconnect import disconnect
from shared.platform.errors import InvalidInput, NotFound
from shared.workspace.domain.integrations import Integration, token_secret

if TYPE_CHECKING:
    from shared.notion.services.connect import Connecting
    from shared.workspace.domain.tenants import Tenant
    from shared.workspace.ports import ErasureStore

log = logging.getLogger(__name__)
ErasedBy = Literal["owner", "operator"]


class Erasing(NamedTuple):
    erasures: ErasureStore
    connecting: Connecting  # the tenants, the secrets and Notion's revoke, as a disconnect uses them
    stop_held: Callable[
        [str, str], int
    ]  # shared.engine.services.humans.cancel_held, as a disconnect needs it


def confirmation_problem(tenant: Tenant | None, typed: str) -> str:
    """Why ``typed`` does not confirm erasing ``tenant`` ("" when it does): the workspace's name as
    Notion gives it (its id when it has none), exactly."""
    if tenant is None:
        return ""
    expected = tenant.workspace_name or tenant.workspace_id
    if typed.strip() != expected:
        return f"confirm: type the workspace's name, {expected!r}, exactly, to erase it and all its data"
    return ""


def erase_workspace(
    tenant_id: str, by: ErasedBy, deps: Erasing, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> dict[str, object]:
    """Erase everything of ``tenant_id`` (the module's docstring); repeatable until it is done, and
    after. Raises what the disconnect's Notion revoke raises when Notion cannot be reached (nothing
    is lost: the next attempt goes on)."""
    deps.erasures.begin(tenant_id, by, now())
    tenant = deps.connecting.tenants.get(tenant_id, fresh=True)
    cancelled: object = 0
    if tenant is not None:
        with suppress(NotFound):  # erased meanwhile by another attempt
            cancelled = disconnect(tenant_id, deps.connecting, deps.stop_held)["runs_cancelled"]
    secrets = deps.connecting.secrets
    for integration in Integration:
        secrets.delete(token_secret(tenant_id, integration))
    if tenant is not None and tenant.token_secret:
        secrets.delete(tenant.token_secret)
    deleted = deps.erasures.erase_documents(tenant_id)
    deps.erasures.finish(tenant_id, now())
    log.info(
        "erasure: workspace erased, %d documents deleted, %s held runs cancelled",
        deleted,
        cancelled,
        extra={"fields": {"event": "workspace_erased", "tenant": tenant_id, "by": by}},
    )
    return {"erased": True, "tenant_id": tenant_id, "documents_deleted": deleted}


def require_confirmation(tenant: Tenant | None, typed: str) -> None:
    """InvalidInput (400, naming ``confirm``) unless ``typed`` confirms erasing ``tenant``."""
    if problem := confirmation_problem(tenant, typed):
        raise InvalidInput(problem, ["confirm"])
