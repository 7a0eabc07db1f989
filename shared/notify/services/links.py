"""Signed links a person follows from a mail: decide a run's request, confirm an address, join a team.

notify mints them as it sends, only into the mail (never a task body, a record or a log). The token
rides in the URL's fragment (``{api_url}/links#<token>``), which a browser never sends: the page there
(``functions._pages``) posts it in a request body, so no request log holds it. A GET changes nothing.
See docs/decisions/0011-decision-links-minted-at-sending.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from shared.notify.domain.notifications import NO_LINKS, Links, decision_request
from shared.notify.domain.notify_task import NotifyTask
from shared.platform.config import PlatformSecret
from shared.platform.domain import signed_tokens
from shared.workspace.domain import members
from shared.workspace.domain.tenants import CONFIRMATION_KIND, Tenant

if TYPE_CHECKING:
    from shared.platform.ports import SecretStore

DECISION_PURPOSE = "run_decision"
CONFIRMATION_PURPOSE = "email_confirmation"
# A week: long enough for a mail read after a weekend, and harmless: a link confirms only the address
# it was sent to, only while that is still the workspace's notification_email.
CONFIRMATION_TTL_S = 7 * 24 * 3600.0
DECISION_PATH = "/links"
CONFIRMATION_PATH = "/email-confirmations"


def decision_token(
    key: str,
    tenant_id: str,
    run_id: str,
    request_id: str,
    decision: str,
    *,
    epoch: str,
    ttl_s: float,
    now: float | None = None,
) -> str:
    """A token that approves or rejects one request (single-use at api). ``epoch`` is the tenant's
    ``session_epoch`` now: a disconnect sets a new one, which ends the link as it ends every session
    (``shared.engine.services.humans.link_claims``)."""
    claims = {"purpose": DECISION_PURPOSE, "tenant_id": tenant_id, "run_id": run_id, "request_id": request_id}
    return signed_tokens.sign(claims | {"decision": decision, "epoch": epoch}, key, ttl_s, now)


def confirmation_token(key: str, tenant_id: str, email: str, now: float | None = None) -> str:
    """A token that confirms ``email`` as the tenant's notification_email, for ``CONFIRMATION_TTL_S``."""
    claims = {"purpose": CONFIRMATION_PURPOSE, "tenant_id": tenant_id, "email": email}
    return signed_tokens.sign(claims, key, CONFIRMATION_TTL_S, now)


def link_url(api_url: str, path: str, token: str) -> str:
    """The link a mail carries: the token in the fragment, never sent to a server."""
    return f"{api_url}{path}#{token}"


class LinkMinter:
    """Mints a notification's links as notify sends it (``shared.notify.ports.LinkMinter``)."""

    def __init__(
        self,
        secrets: SecretStore,
        api_url: str,
        decision_ttl_s: float,
        clock: Callable[[], float] = time.time,
        frontend_url: str = "",
    ) -> None:
        self._secrets, self._api_url, self._ttl_s, self._clock = secrets, api_url, decision_ttl_s, clock
        self._frontend_url = frontend_url  # where a member invite's link opens: the console

    def links(self, task: NotifyTask, tenant: Tenant) -> Links:
        """``task``'s links for ``tenant`` as read now: a decision's approve and reject links, bound to
        its ``session_epoch``; a confirmation's link for the address it names; a member invite's
        link (the console's, its code derived again); else none."""
        invite_id = task.data.get("invite_id")
        if task.data.get("kind") == members.INVITE_KIND and isinstance(invite_id, str) and invite_id:
            key = self._secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
            code = members.invite_code(key, tenant.tenant_id, invite_id)
            return Links(invite=members.invite_link(self._frontend_url, code, tenant.tenant_id))
        request = decision_request(task)
        address = task.data.get("to")
        confirmation = task.data.get("kind") == CONFIRMATION_KIND and isinstance(address, str) and address
        if request is None and not confirmation:
            return NO_LINKS
        key, now = self._secrets.get(PlatformSecret.SESSION_SIGNING_KEY), self._clock()
        if confirmation:
            token = confirmation_token(key, tenant.tenant_id, str(address), now)
            return Links(confirm=link_url(self._api_url, CONFIRMATION_PATH, token))
        assert request is not None
        run_id, request_id = request
        approve, reject = (
            decision_token(
                key,
                tenant.tenant_id,
                run_id,
                request_id,
                decision,
                epoch=tenant.session_epoch,
                ttl_s=self._ttl_s,
                now=now,
            )
            for decision in ("approve", "reject")
        )
        return Links(
            approve=link_url(self._api_url, DECISION_PATH, approve),
            reject=link_url(self._api_url, DECISION_PATH, reject),
        )
