"""Notify's part of the composition root: the notifier (the outbox, or delivery across the live
channels, built from the channel table: shared.notify.services.channel_table), the notification log,
Slack, Discord, SMTP."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from shared.bootstrap.declare import Built
from shared.platform.errors import ConfigError

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.bootstrap.mail import Mail
    from shared.bootstrap.notion import Notion
    from shared.bootstrap.platform import Platform
    from shared.notify.ports import Chat, ChatWebhooks, Mailer, NotificationChannel, NotificationLog, Notifier


def _mailer(part: Notify) -> Mailer:
    from shared.notify.adapters.smtp import SmtpMailer

    s = part.instance.settings
    if not s.smtp_host or not s.smtp_sender:
        raise ConfigError("email needs NA_SMTP_HOST and NA_SMTP_SENDER (the relay and the From)")
    return SmtpMailer(
        s.smtp_host, s.smtp_port, s.smtp_security, s.smtp_username, s.smtp_sender, timeout_s=s.smtp_timeout_s
    )


def _chat(part: Notify) -> Chat:
    from shared.notify.adapters.slack import SlackChat

    return SlackChat(part.instance.settings.slack_api_base_url, part.instance.settings.slack_timeout_s)


def _webhooks(part: Notify) -> ChatWebhooks:
    from shared.notify.adapters.discord import DiscordWebhookClient

    s = part.instance.settings
    return DiscordWebhookClient(s.discord_api_base_url, s.slack_timeout_s)


def _threads(part: Notify) -> list[NotificationChannel]:
    """The channels no owner chooses, that answer where a person asked: the mail thread (through the
    agent's mailbox, shared.mail), when the part knows mail's ports."""
    mail = getattr(part, "mail", None)
    if mail is None:
        return []
    from shared.mail.services.threads import MailThreads

    domain = part.instance.settings.mail_push_audience.partition("://")[2].partition("/")[0]
    return [
        MailThreads(
            lambda: mail.mailboxes, lambda: mail.gmail, part.platform.secrets, domain or "agents.invalid"
        )
    ]


def _notifier(part: Notify) -> Notifier:
    from shared.notify.services.links import LinkMinter

    s, secrets = part.instance.settings, part.platform.secrets
    minter = LinkMinter(secrets, s.api_url, s.approval_link_ttl_s, frontend_url=s.frontend_url)
    if s.notifier_backend == "live":
        from shared.notify.services.channel_table import ChannelPorts, build_channels
        from shared.notify.services.delivery import ChannelDelivery

        ports = ChannelPorts(
            notion_for=partial(part.notion.access().for_tenant, part.notion.notion),
            chat=part.chat,
            discord=part.discord,
            mailer=part.mailer if s.smtp_host else None,  # no relay: no email channel
            secrets=secrets,
            minter=minter,
            smtp_sender=s.smtp_sender,
        )
        lease_s = s.step_lease_s  # longer than a message's requests and a token refresh
        return ChannelDelivery(part.notifications, [*build_channels(ports), *_threads(part)], lease_s)
    from shared.notify.adapters.outbox import OutboxNotifier

    return OutboxNotifier(s.outbox_dir, minter)


class Notify:
    """Notify's ports."""

    # a use case over the channels' ports, not an adapter
    notifier: Built[Notifier] = Built("shared.notify.services.delivery", (), _notifier)
    notifications: Built[NotificationLog] = Built.firestore(
        "shared.notify.adapters.firestore_notifications", "FirestoreNotificationLog"
    )
    # Slack's Web API, through slack_sdk (on urllib)
    chat: Built[Chat] = Built("shared.notify.adapters.slack", ("slack_sdk.web",), _chat)
    # Discord's incoming webhooks, on httpx
    discord: Built[ChatWebhooks] = Built("shared.notify.adapters.discord", ("httpx",), _webhooks)
    # The relay of email notifications (the standard library's SMTP client); ConfigError without one.
    mailer: Built[Mailer] = Built("shared.notify.adapters.smtp", ("smtplib",), _mailer)

    def __init__(
        self, instance: Instance, platform: Platform, notion: Notion, mail: Mail | None = None
    ) -> None:
        self.instance, self.platform, self.notion, self.mail = instance, platform, notion, mail
