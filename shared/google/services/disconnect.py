"""Disconnecting Google (docs/mail.md, docs/calendar.md): a mailbox's watch stopped (``users.stop``), a
calendar's channel stopped (``channels.stop``), then the grant revoked at Google's revoke endpoint,
then the refresh token and the record deleted. A disconnect Google cannot take now (unreachable) changes
nothing and is tried again; a grant Google no longer knows is gone already. Erasing a workspace does
the same for each of its mailboxes and calendars, never stopped by Google."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from shared.calendar.services.connect import forget_calendars
from shared.mail.services.connect import forget_mailboxes
from shared.platform.errors import AgentError, NotFound, Unauthenticated

if TYPE_CHECKING:
    from shared.calendar.domain.connections import CalendarLink
    from shared.calendar.services.intake import CalendarIntake
    from shared.google.ports import GoogleOAuth
    from shared.google.services.connect import GoogleConnect, MailParts
    from shared.mail.domain.mailboxes import Mailbox
    from shared.platform.ports import SecretStore

log = logging.getLogger(__name__)


def _refresh(secrets: SecretStore, name: str) -> str:
    try:
        return secrets.get(name)
    except NotFound:
        return ""  # a disconnect cut short after the token's deletion: nothing left to revoke


def _release_mailbox(mailbox: Mailbox, mail: MailParts, oauth: GoogleOAuth, secrets: SecretStore) -> None:
    refresh = _refresh(secrets, mailbox.token_secret)
    if refresh:
        try:
            mail.gmail.stop(refresh)
        except Unauthenticated:
            pass  # the consent was withdrawn at Google: no watch to stop, no grant to revoke
        else:
            oauth.revoke(refresh)
        secrets.delete(mailbox.token_secret)
    mail.mailboxes.delete(mailbox.address)


def _release_calendar(link: CalendarLink, intake: CalendarIntake, oauth: GoogleOAuth) -> None:
    refresh = _refresh(intake.secrets, link.token_secret)
    if refresh:
        try:
            if link.channel_id:
                intake.api.stop(refresh, link.channel_id, link.resource_id)
        except Unauthenticated:
            pass
        else:
            oauth.revoke(refresh)
        intake.secrets.delete(link.token_secret)


def disconnect_mailbox(tenant_id: str, address: str, parts: GoogleConnect) -> dict[str, object]:
    """Stop the watch of ``tenant_id``'s mailbox ``address``, revoke its grant, forget it; 404 for
    an address that is no mailbox of this workspace."""
    found = parts.mail.mailboxes.get(address) if parts.mail is not None else None
    if found is None or found.tenant_id != tenant_id or parts.mail is None:
        raise NotFound("no agent mailbox of this workspace has this address")
    _release_mailbox(found, parts.mail, parts.oauth, parts.secrets)
    return {"address": found.address, "connected": False}


def disconnect_calendar(tenant_id: str, person: str, parts: GoogleConnect) -> dict[str, object]:
    """Stop ``person``'s calendar channel, revoke its grant, forget the link and its meetings; 404
    when their calendar is not connected in this workspace."""
    intake = parts.calendar
    found = intake.links.get(person) if intake is not None else None
    if found is None or found.tenant_id != tenant_id or intake is None:
        raise NotFound("your calendar is not connected in this workspace")
    _release_calendar(found, intake, parts.oauth)
    intake.links.forget(found.person)
    return {"person": found.person, "connected": False}


def forget_google(tenant_id: str, parts: GoogleConnect) -> int:
    """Erasing ``tenant_id``: each mailbox's watch and each calendar's channel stopped and its grant
    revoked, as far as Google answers (a failure is logged, never stops the erasure), then every
    token and mailbox forgotten as :func:`forget_mailboxes` and :func:`forget_calendars` do. How
    many grants were released."""
    released = 0
    if parts.mail is not None:
        for mailbox in parts.mail.mailboxes.of_tenant(tenant_id):
            try:
                _release_mailbox(mailbox, parts.mail, parts.oauth, parts.secrets)
                released += 1
            except AgentError as failed:
                log.warning("google: a mailbox's grant not released on erasure: %s", type(failed).__name__)
        forget_mailboxes(tenant_id, mailboxes=parts.mail.mailboxes, secrets=parts.secrets)
    if parts.calendar is not None:
        for link in parts.calendar.links.of_tenant(tenant_id):
            try:
                _release_calendar(link, parts.calendar, parts.oauth)
                released += 1
            except AgentError as failed:
                log.warning("google: a calendar's grant not released on erasure: %s", type(failed).__name__)
        forget_calendars(tenant_id, links=parts.calendar.links, secrets=parts.secrets)
    return released
