"""Notify's adapters: the notifier (the outbox, or delivery across the live channels), the notification log, Slack, Discord, SMTP."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from shared.bootstrap.base import Built
from shared.bootstrap.notion import NotionParts
from shared.platform.errors import ConfigError

if TYPE_CHECKING:
    from shared.notify.ports import Chat, ChatWebhooks, Mailer, NotificationChannel, NotificationLog, Notifier


class NotifyParts(NotionParts):
    """Notify's adapters. Built once per instance."""

    notifier: Built[Notifier] = Built()
    notifications: Built[NotificationLog] = Built("FirestoreNotificationLog")
    chat: Built[Chat] = Built()
    discord: Built[ChatWebhooks] = Built()

    @property
    def mailer(self) -> Mailer:
        """The SMTP relay of email notifications; ConfigError when the deployment has none."""
        return self._once("mailer", self._build_mailer)

    def _build_mailer(self) -> Mailer:
        from shared.notify.adapters.smtp import SmtpMailer

        s = self.settings
        if not s.smtp_host or not s.smtp_sender:
            raise ConfigError("email needs NA_SMTP_HOST and NA_SMTP_SENDER (the relay and the From)")
        return SmtpMailer(
            s.smtp_host,
            s.smtp_port,
            s.smtp_security,
            s.smtp_username,
            s.smtp_sender,
            timeout_s=s.smtp_timeout_s,
        )

    def _build_chat(self) -> Chat:
        from shared.notify.adapters.slack import SlackChat

        return SlackChat(self.settings.slack_api_base_url, self.settings.slack_timeout_s)

    def _build_discord(self) -> ChatWebhooks:
        from shared.notify.adapters.discord import DiscordWebhookClient

        return DiscordWebhookClient(self.settings.discord_api_base_url, self.settings.slack_timeout_s)

    def _build_notifier(self) -> Notifier:
        from shared.notify.services.links import LinkMinter

        s = self.settings
        minter = LinkMinter(self.secrets, s.api_url, s.approval_link_ttl_s, frontend_url=s.frontend_url)
        if self.settings.notifier_backend == "live":
            from shared.notify.services.channels import (
                DiscordMessages,
                Emails,
                NotionComments,
                SlackMessages,
                sender_domain,
            )
            from shared.notify.services.delivery import ChannelDelivery

            mailer = self.mailer if self.settings.smtp_host else None  # no relay: no email channel
            channels: list[NotificationChannel] = [
                NotionComments(partial(self.notion_access.for_tenant, self.notion)),
                SlackMessages(self.chat, self.secrets),
                DiscordMessages(self.discord, self.secrets),
                Emails(mailer, self.secrets, sender_domain(self.settings.smtp_sender), minter),
            ]
            lease_s = self.settings.step_lease_s  # longer than a message's requests and a token refresh
            return ChannelDelivery(self.notifications, channels, lease_s)
        from shared.notify.adapters.outbox import OutboxNotifier

        return OutboxNotifier(self.settings.outbox_dir, minter)
