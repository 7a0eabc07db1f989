"""Erasing a workspace on request: by its owner (``POST /workspace/erase``, its name typed to confirm) or
by the operator (``make erase-tenant``). Each step is repeatable: an attempt cut short is finished by the
next. The ask is recorded (``erasures/{t}``). Linear, GitLab and Motion are disconnected: webhooks deleted
there, OAuth grants revoked there, secrets deleted. The workspace is disconnected (Notion's token revoked,
held runs cancelled, sessions ended). Every other secret of it goes, so a later delivery is refused. Its
documents are deleted (shared/workspace/adapters/firestore_erasure.py); the record becomes ``erased``.
A key the owner pasted stays valid at its tool (decision 0139). What is kept: docs/security.md."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from shared.notion.services.disconnect import disconnect
from shared.platform.errors import InvalidInput, NotFound
from shared.workspace.domain.integrations import Integration, github_hook_secret, token_secret

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
    # Disconnects each synced tool of the tenant (shared.sync's disconnects, wired by the composition
    # root): what each said ({tool, webhook_deleted, token_revoked?}).
    tools: Callable[[str], list[dict[str, Any]]] = lambda tenant_id: []


def _name(text: str) -> str:
    """A name as a person reads it: spaces around it, and runs of spaces inside it, do not count."""
    return " ".join(text.split())


def confirmation_problem(tenant: Tenant | None, typed: str) -> str:
    """Why ``typed`` does not confirm erasing ``tenant`` ("" when it does). It must be the workspace's
    name as Notion gives it (its id when it has none), letter for letter and case for case. Spaces
    around it or doubled inside it, typed or in the name itself, do not count."""
    if tenant is None:
        return ""
    expected = _name(tenant.workspace_name) or tenant.workspace_id
    if _name(typed) != expected:
        return (
            f"confirm: type the workspace's name, {expected!r}, to erase it and all its data "
            "(letter for letter and case for case; spaces around it do not count)"
        )
    return ""


def erase_workspace(
    tenant_id: str, by: ErasedBy, deps: Erasing, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> dict[str, object]:
    """Erase everything of ``tenant_id`` (the module's docstring); repeatable until it is done, and
    after. Raises what the disconnect's Notion revoke raises when Notion cannot be reached (nothing
    is lost: the next attempt goes on)."""
    deps.erasures.begin(tenant_id, by, now())
    tools = deps.tools(tenant_id)  # while the tools' keys still work: webhooks deleted, grants revoked
    tenant = deps.connecting.tenants.get(tenant_id, fresh=True)
    cancelled: object = 0
    if tenant is not None:
        with suppress(NotFound):  # erased meanwhile by another attempt
            cancelled = disconnect(tenant_id, deps.connecting, deps.stop_held)["runs_cancelled"]
    secrets = deps.connecting.secrets
    for integration in Integration:
        secrets.delete(token_secret(tenant_id, integration))
    secrets.delete(github_hook_secret(tenant_id))  # a later delivery finds no secret: refused
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
    return {"erased": True, "tenant_id": tenant_id, "documents_deleted": deleted, "tools": tools}


def require_confirmation(tenant: Tenant | None, typed: str) -> None:
    """InvalidInput (400, naming ``confirm``) unless ``typed`` confirms erasing ``tenant``."""
    if problem := confirmation_problem(tenant, typed):
        raise InvalidInput(problem, ["confirm"])
