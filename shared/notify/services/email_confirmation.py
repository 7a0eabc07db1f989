"""Confirming a ``notification_email``: an address gets our mail only once its recipient said yes.

Setting one that is neither the owner's Notion email nor the confirmed one asks it (:func:`ask`):
one mail of our own text with a signed link, minted by notify as it sends, never in the task or the
record. The link's page changes nothing (:func:`describe`); its button confirms (:func:`confirm`).
Bounds: one mail per address and tenant a UTC day, ``MAX_ADDRESSES_PER_DAY`` addresses per tenant
(:func:`admit`), ``MAX_WORKSPACES_PER_ADDRESS`` (:func:`reserve_recipient`). See docs/notifications.md.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.notify.domain.notifications import one_line
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.services import links
from shared.platform.config import PlatformSecret
from shared.platform.domain import signed_tokens
from shared.platform.errors import AgentError, Conflict, NotFound, Unauthenticated
from shared.platform.topology import Queue
from shared.workspace.domain.tenants import CONFIRMATION_KIND, Tenant, address_hash, same_address

if TYPE_CHECKING:
    from shared.platform.ports import SecretStore, TaskQueue
    from shared.workspace.ports import TenantStore

PURPOSE = links.CONFIRMATION_PURPOSE
LINK_TTL_S = links.CONFIRMATION_TTL_S
MAX_ADDRESSES_PER_DAY = 5
# Workspaces that may ask one address in a UTC day, across the deployment: one person connecting
# many workspaces cannot mail someone more than this, whatever each workspace's own bound.
MAX_WORKSPACES_PER_ADDRESS = 3
RECIPIENT_TTL = timedelta(days=2)  # the count outlives its day, then Firestore's TTL deletes it
NAME_CHARS = 40  # of the workspace's name (the owner's words) in the mail
SUBJECT = "Confirm this address for Notion Agent notifications"


class TooManyConfirmations(AgentError):
    """The workspace asked the day's bound of different addresses to confirm already."""

    http_status = 429
    code = "too_many_confirmations"


def _day(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%d")


def notification_id(address: str, now: datetime) -> str:
    """The confirmation of ``address`` asked on ``now``'s UTC day (the task is named from it and the
    tenant)."""
    return f"email-confirm-{address_hash(address)}-{_day(now)}"


def _pending(tenant: Tenant) -> str | None:
    """The tenant's notification_email when it needs confirming; None otherwise."""
    return tenant.settings.notification_email if tenant.email_confirmed() is False else None


def admit(tenant: Tenant, now: datetime) -> Tenant:
    """``tenant`` (as changed) with today's confirmation of its notification_email counted, if it needs
    one; TooManyConfirmations when it is a new address beyond the day's bound (nothing is stored).
    Counted on the tenant in the same conditioned write as the setting, so two PATCHes at once cannot
    both take the last place."""
    address = _pending(tenant)
    if address is None:
        return tenant
    day = _day(now)
    entry = f"{day}:{address_hash(address)}"
    today = tuple(e for e in tenant.confirmations_asked if e.startswith(f"{day}:"))
    if entry not in today and len(today) >= MAX_ADDRESSES_PER_DAY:
        raise TooManyConfirmations(
            f"confirmation links went to {MAX_ADDRESSES_PER_DAY} different addresses for this workspace "
            "today, the most a day allows: set notification_email to one of those, to your Notion "
            "email or to null, or try again after midnight UTC (nothing was changed)"
        )
    asked = today if entry in today else (*today, entry)
    return tenant.model_copy(update={"confirmations_asked": asked})


def reserve_recipient(tenant: Tenant, tenants: TenantStore, now: datetime) -> None:
    """Before ``tenant`` (as it would be changed) is stored: if its notification_email needs
    confirming, count the workspace among those that asked that address today; beyond
    ``MAX_WORKSPACES_PER_ADDRESS``, TooManyConfirmations (nothing is stored, nothing is mailed). The
    same workspace asking the same address again the same day takes no new place."""
    address = _pending(tenant)
    if address is None:
        return
    day, expires = _day(now), now + RECIPIENT_TTL
    if not tenants.ask_recipient(
        address_hash(address), day, tenant.tenant_id, MAX_WORKSPACES_PER_ADDRESS, expires
    ):
        raise TooManyConfirmations(
            f"{MAX_WORKSPACES_PER_ADDRESS} workspaces asked this address to confirm today, the most a day "
            "allows for one address: try again after midnight UTC, or choose another address "
            "(nothing was changed)"
        )


def ask(tenant: Tenant, queue: TaskQueue, now: datetime) -> str | None:
    """Enqueue the mail asking the tenant's notification_email to confirm, if it needs it (named: the
    same address the same day enqueues nothing new); its notification id, or None. The body names
    the address, never a link: notify mints that as it sends, so the owner cannot confirm an address
    with a link from their own notification list."""
    address = _pending(tenant)
    if address is None:
        return None
    note = NotifyTask(
        notification_id=notification_id(address, now),
        tenant_id=tenant.tenant_id,
        channel="email",  # there or nowhere: never a comment or a Slack message
        subject=SUBJECT,
        text=_text(tenant.workspace_name, address),
        # Urgent: the owner is waiting for it on the settings page, and the address is mailed once a
        # day at most; quiet hours would hold it for hours.
        priority="urgent",
        data={"kind": CONFIRMATION_KIND, "to": address},
    )
    queue.enqueue(Queue.NOTIFY, note, f"notify:{tenant.tenant_id}:{note.notification_id}")
    return note.notification_id


def short_name(workspace_name: str) -> str:
    name = one_line(workspace_name)
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1].rstrip() + "…"


def _text(workspace_name: str, address: str) -> str:
    """The mail's text, ours but for the workspace's name; the link follows it (the email channel
    mints and appends it, so neither the task nor the stored record has it)."""
    name = short_name(workspace_name)
    workspace = f"the Notion workspace “{name}”" if name else "a Notion workspace"
    days = int(LINK_TTL_S // 86400)
    return (
        f"Someone who manages {workspace} asked Notion Agent to send that workspace's notifications "
        f"to {address}.\n\n"
        "If you did not expect this, ignore this email: none of that workspace's notifications is "
        "sent to this address unless it is confirmed.\n\n"
        f"If it was you or your team, open the link below within {days} days and confirm there."
    )


def _claims(token: str, secrets: SecretStore) -> tuple[str, str]:
    """The tenant and the address of a genuine, unexpired confirmation link; Unauthenticated (401)
    otherwise, saying why (never repeating the token). The token is signed with the session key under
    its own purpose, ``email_confirmation``: no session or approval link verifies as one."""
    key = secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    try:
        claims = signed_tokens.verify(token, key, PURPOSE)
    except Unauthenticated as exc:
        raise Unauthenticated(f"this confirmation link cannot be used: {exc.reason}") from None
    tenant_id, address = claims.get("tenant_id"), claims.get("email")
    if not isinstance(tenant_id, str) or not isinstance(address, str) or not address:
        raise Unauthenticated("this confirmation link cannot be used: the token is malformed")
    return tenant_id, address


def _gone() -> NotFound:
    return NotFound("the workspace of this confirmation link is not connected any more")


def describe(token: str, tenants: TenantStore, secrets: SecretStore) -> dict[str, Any]:
    """What the link would do, changing nothing. ``status``: ``waiting`` (POST confirms it),
    ``confirmed`` (done already) or ``changed`` (it is no longer the notification_email: POST is a 409).
    The workspace's current address is never shown: the link's holder knows only its own."""
    tenant_id, address = _claims(token, secrets)
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise _gone()
    if not same_address(tenant.settings.notification_email, address):
        status, then = "changed", "nothing to confirm: the workspace no longer sends notifications here"
    elif tenant.email_confirmed():
        status, then = "confirmed", "confirmed already"
    else:
        status, then = "waiting", "POST to this URL to confirm"
    name = short_name(tenant.workspace_name)
    return {"email": address, "workspace_name": name, "status": status, "confirm": then}


def confirm(token: str, tenants: TenantStore, secrets: SecretStore, now: datetime) -> dict[str, Any]:
    """Confirm the link's address: it becomes the tenant's ``confirmed_email`` if it is still its
    notification_email (a conditioned update); Conflict (409) if the setting changed meanwhile. Using a
    link again answers the same."""
    tenant_id, address = _claims(token, secrets)

    def confirmed(tenant: Tenant | None) -> Tenant:
        if tenant is None:
            raise _gone()
        chosen = tenant.settings.notification_email
        if not chosen or not same_address(chosen, address):
            raise Conflict(
                "the workspace's notification_email changed since this link was sent: it is no longer "
                "this address, so nothing was confirmed"
            )
        if same_address(tenant.confirmed_email, chosen):
            return tenant
        return tenant.model_copy(update={"confirmed_email": chosen, "updated_at": now})

    tenant = tenants.update(tenant_id, confirmed)
    name = short_name(tenant.workspace_name)
    return {"email": address, "workspace_name": name, "status": "confirmed"}
