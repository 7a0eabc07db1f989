"""Notify's ports: the notifier, its channels, the notification log, Slack, Discord, mail, links.

For type checking only (``if TYPE_CHECKING:`` wherever a port is named), as every port is
(tests/unit/platform/entry/test_import_hygiene.py); the values a port exchanges live in the capabilities'
domains and are imported here for type checking too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from shared.notify.domain.notifications import Claimed, Links, Mail, Move, NotificationRecord, Outcome
    from shared.notify.domain.notify_task import NotifyTask
    from shared.notify.domain.slack_threads import Blocks, Json, SlackThread
    from shared.workspace.domain.tenants import Tenant


class Notifier(Protocol):
    def deliver(self, task: NotifyTask, tenant: Tenant | None) -> bool:
        """Deliver once to ``tenant`` (as just read; None: gone); False if this notification id was
        delivered before or cannot be delivered (the live notifier records why: ``NotificationLog``)."""
        ...


class NotificationChannel(Protocol):
    """One way a notification reaches a person (a page's comments, a Slack channel, email). The
    delivery policy (shared.notify.services.delivery) asks it whether it can carry a notification, where it
    goes, to send it, and to find by its marker what an earlier attempt sent."""

    name: str

    def unable(self, task: NotifyTask, tenant: Tenant) -> str | None:
        """Why this channel cannot carry ``task`` for ``tenant``; None when it can."""
        ...

    def destination(self, tenant: Tenant) -> str:
        """Where in this channel a notification goes now, when the tenant's settings say and may
        change (the Slack channel's id); "" when the task alone says (a page's comments) or nothing
        can be searched (email)."""
        ...

    def find(
        self, task: NotifyTask, tenant: Tenant, since: datetime, until: datetime, where: str
    ) -> str | None:
        """The id of what an earlier attempt sent between ``since`` and ``until`` (found by its marker
        line) to ``where`` (as it recorded it), if any."""
        ...

    def send(self, task: NotifyTask, tenant: Tenant) -> str:
        """Send it; the id of the comment, message or email."""
        ...


class LinkMinter(Protocol):
    """Mints a notification's signed links as it is sent (``shared.notify.services.links.LinkMinter``)."""

    def links(self, task: NotifyTask, tenant: Tenant) -> Links:
        """The links ``task``'s mail carries for ``tenant`` as just read (none: ``NO_LINKS``)."""
        ...


class NotificationLog(Protocol):
    """``tenants/{t}/notifications/{notification_id}``: what was sent, or why it could not be."""

    def claim(self, tenant_id: str, record: NotificationRecord, now: datetime) -> Claimed:
        """Create ``record`` exclusively (NEW). If it exists: DONE when sent or undeliverable, BUSY
        while a ``sending`` record's lease lasts, else take it over with ``record.lease_until``
        (RETAKEN, with the channel it records; of two takers only one wins, the other gets BUSY)."""
        ...

    def finish(self, tenant_id: str, notification_id: str, outcome: Outcome, now: datetime) -> None:
        """Record ``outcome`` at ``now`` (:meth:`Outcome.changes`: the record's lease ends)."""
        ...

    def release(self, tenant_id: str, notification_id: str, now: datetime) -> None:
        """End a ``sending`` record's lease (a transient failure): the retry takes it over at once."""
        ...

    def move(self, tenant_id: str, notification_id: str, move: Move, now: datetime) -> None:
        """A ``sending`` record goes to ``move.channel`` now (:meth:`Move.changes`), with a new lease:
        a retry after a crash looks there."""
        ...

    def recent(
        self, tenant_id: str, limit: int, since: datetime | None = None, after: str | None = None
    ) -> list[NotificationRecord] | None:
        """The tenant's records, newest first; with ``since``, only those created at or after it; with
        ``after`` (a record's id), only those that follow it in that order. None when ``after`` names
        no record of the tenant (a cursor it never gave, or one whose record expired)."""
        ...


type SlackMarkers = str | dict[str, Any] | tuple[str | dict[str, Any], ...]


class Chat(Protocol):
    """Slack's Web API with a workspace's bot token (``xoxb-...``); the caller passes the token.

    Errors: a refused token (``invalid_auth``, ``not_authed``, ``token_revoked``, ``token_expired``,
    ``account_inactive``) is Unauthenticated. A channel that does not exist or the bot cannot see is
    NotFound; another refusal for good (``not_in_channel``, ``is_archived``, ``missing_scope``, ...) is
    PermanentError. Rate limiting (429, ``ratelimited``), Slack's 5xx and transport failures are
    TransientError (``retry_after_s`` from Retry-After). No message carries the token.
    """

    def account(self, token: str) -> str:
        """Who ``token`` is (``auth.test``: "<bot user> in <team>"); checked when it is stored."""
        ...

    def post_message(
        self, token: str, channel: str, text: str, metadata: dict[str, Any] | None = None
    ) -> str:
        """Post ``text`` to the channel id ``channel`` (``chat.postMessage``), with ``metadata``
        (``event_type`` and ``event_payload``, which no person reads) if given; the message's ``ts``."""
        ...

    def post_reply(
        self, token: str, thread: SlackThread, text: str, metadata: Json, blocks: Blocks = ()
    ) -> str:
        """Post ``text`` as a reply in ``thread`` (``chat.postMessage`` with ``thread_ts``), with
        ``metadata``, shown as Block Kit ``blocks`` if any (``text`` stays what a notification and a
        screen reader show); the reply's ``ts``."""
        ...

    def find_reply(
        self, token: str, thread: SlackThread, marker: SlackMarkers, oldest: datetime, latest: datetime
    ) -> str | None:
        """As :meth:`find_message`, among ``thread``'s replies (``conversations.replies``: the
        channel's history shows none of them)."""
        ...

    def find_message(
        self, token: str, channel: str, marker: SlackMarkers, oldest: datetime, latest: datetime
    ) -> str | None:
        """The ``ts`` of a message in ``channel`` posted between ``oldest`` and ``latest`` that carries
        ``marker`` (or one of several), or None when there is none. A dict is metadata it carries; a
        string, a text it ends with (a message posted before decision 0124). Read through
        ``conversations.history`` for a bounded number of pages: a window holding more messages than
        those is a PermanentError (whether the message is there cannot be told), never None."""
        ...


class ChatWebhooks(Protocol):
    """Discord's incoming webhooks; the caller passes the webhook's URL (its path holds the secret).

    Errors: a URL that is not a Discord webhook's is PermanentError (naming the expected form). A
    webhook Discord no longer knows (401, 403, 404) is Unauthenticated. A message Discord refuses (400)
    is PermanentError. Rate limiting (429), Discord's 5xx and transport failures are TransientError.
    No message carries the URL.
    """

    def account(self, url: str) -> str:
        """The webhook's name and channel ("<name> in channel <id>"); checked when it is stored."""
        ...

    def post(self, url: str, text: str) -> str:
        """Post ``text`` (at most 2,000 characters; no mention pings anyone); the message's id."""
        ...


class Mailer(Protocol):
    """Email through an SMTP relay (SendGrid, Mailgun, Amazon SES, Google Workspace, ...), from the one
    sender the deployment configures; the caller passes the relay's password.

    Errors: the relay refusing the credentials is Unauthenticated; refusing the recipient or the
    message for good (a 5xx answer) is PermanentError naming the reply code; a 4xx answer, a timeout,
    a refused or lost connection is TransientError. No message or log line carries the password.
    """

    def send(self, password: str, mail: Mail) -> str:
        """Hand ``mail`` to the relay; its Message-ID once the relay has accepted it."""
        ...
