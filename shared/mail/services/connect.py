"""Connecting an agent's address (docs/mail.md). The mailbox owner's OAuth refresh token is kept in
Secret Manager and Gmail watches the inbox onto the deployment's Pub/Sub topic. The mailbox is recorded
from the history id Gmail answered, so the first push reads only what came after it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shared.mail.domain.mailboxes import Mailbox, token_secret_name
from shared.workspace.domain.tenants import address_hash

if TYPE_CHECKING:
    from shared.mail.ports import Gmail, Mailboxes
    from shared.platform.ports import SecretStore


def connect_mailbox(
    address: str,
    tenant_id: str,
    agent_id: str | None,
    refresh_token: str,
    *,
    topic: str,
    gmail: Gmail,
    mailboxes: Mailboxes,
    secrets: SecretStore,
) -> Mailbox:
    """Keep ``refresh_token`` (never anywhere else), ``users.watch`` the inbox onto ``topic`` and record
    the mailbox for ``agent_id`` of ``tenant_id`` from the history id Gmail gave. Repeatable: a second
    connect renews the watch (Google asks for one at least every seven days) and moves the id on."""
    name = token_secret_name(tenant_id, address_hash(address))
    secrets.put(name, refresh_token)
    history_id, expires = gmail.watch(refresh_token, topic)
    found = mailboxes.get(address)
    mailbox = Mailbox(
        address=address.lower(),
        tenant_id=tenant_id,
        agent_id=agent_id,
        token_secret=name,
        history_id=max(history_id, found.history_id if found else 0),
        connected_at=datetime.now(UTC),
        topic=topic,
        watch_expires=expires,
    )
    mailboxes.put(mailbox)
    return mailbox


def forget_mailboxes(tenant_id: str, *, mailboxes: Mailboxes, secrets: SecretStore) -> int:
    """Forget every mailbox of ``tenant_id``, as erasing the workspace asks: its refresh token's secret
    deleted first, then its record (the history id), so a cut-short attempt is finished by the next.
    A later push for its address finds no mailbox (``unknown``). The ledger of its mails goes with the
    tenant's documents. How many were forgotten."""
    found = mailboxes.of_tenant(tenant_id)
    for mailbox in found:
        secrets.delete(mailbox.token_secret)
        mailboxes.delete(mailbox.address)
    return len(found)
