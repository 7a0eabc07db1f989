"""The notification channels' one table (:data:`CHANNELS`): every list of channels in the product is
derived from it. A row names the channel, what the console calls it, the key of its sent id, the ports
it sends through, the settings it reads, the integration it connects by and how it is built. Derived
from it: the live notifier's channels, the sent id's key, the names an owner may choose (``PATCH
/settings``), the contract's ``NotificationChannel`` enum and the notify function's preloaded ports.
The recipe: shared/notify/README.md, "Recipe: a notification channel"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from shared.notify.services.channels import (
    DiscordMessages,
    Emails,
    NotionComments,
    NotionFor,
    SlackMessages,
    sender_domain,
)
from shared.workspace.domain.integrations import Integration

if TYPE_CHECKING:
    from shared.notify.ports import Chat, ChatWebhooks, LinkMinter, Mailer, NotificationChannel
    from shared.platform.ports import SecretStore


# The keys a notification's record keeps a sent id under (shared.notify.domain.notifications.Outcome).
type SentId = Literal["comment_id", "message_ts", "message_id"]


@dataclass(frozen=True)
class ChannelPorts:
    """What the channels are built from: the composition root's ports (``shared/bootstrap/notify.py``
    fills it) and the settings they need. A channel over a new client adds its port here."""

    notion_for: NotionFor
    chat: Chat
    discord: ChatWebhooks
    mailer: Mailer | None  # None: the deployment has no mail relay
    secrets: SecretStore
    minter: LinkMinter
    smtp_sender: str


@dataclass(frozen=True)
class Channel:
    """One row: a notification channel."""

    name: str  # in a tenant's notification_channels and a notification's record
    title: str  # what the console calls it
    sent_id: SentId  # the record's key of the id of what it sent (a retry finds it by that id)
    build: Callable[[ChannelPorts], NotificationChannel]
    ports: tuple[str, ...] = ()  # the composition root's ports it sends through (preloaded by notify)
    settings: tuple[str, ...] = ()  # the Settings fields it reads (terraform/settings.tf sets each)
    integration: Integration | None = None  # connected by a token (PUT /integrations/<name>)


CHANNELS: tuple[Channel, ...] = (
    Channel(
        "notion_comment",
        "A comment on the Notion page it is about",
        "comment_id",
        lambda p: NotionComments(p.notion_for),
        ports=("notion", "notion_oauth"),
    ),
    Channel(
        "slack",
        "Slack",
        "message_ts",
        lambda p: SlackMessages(p.chat, p.secrets),
        ports=("chat",),
        settings=("slack_api_base_url", "slack_timeout_s"),
        integration=Integration.SLACK,
    ),
    Channel(
        "discord",
        "Discord",
        "message_id",
        lambda p: DiscordMessages(p.discord, p.secrets),
        ports=("discord",),
        settings=("discord_api_base_url", "slack_timeout_s"),
        integration=Integration.DISCORD,
    ),
    Channel(
        "email",
        "Email",
        "message_id",
        lambda p: Emails(p.mailer, p.secrets, sender_domain(p.smtp_sender), p.minter),
        ports=("mailer",),
        settings=(
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "smtp_username",
            "smtp_sender",
            "smtp_timeout_s",
        ),
    ),
)


def channel_names() -> list[str]:
    """Every channel's name, in the table's order (the default order of preference)."""
    return [c.name for c in CHANNELS]


def channel(name: str) -> Channel | None:
    """The row of ``name``; None for a name the table does not have."""
    return next((c for c in CHANNELS if c.name == name), None)


def unknown_channels(names: Sequence[str]) -> list[str]:
    """The names of ``names`` that are no channel of the table."""
    return [n for n in names if channel(n) is None]


def build_channels(ports: ChannelPorts) -> list[NotificationChannel]:
    """The live notifier's channels, one per row, built from ``ports``."""
    return [c.build(ports) for c in CHANNELS]


def channel_ports() -> list[str]:
    """The composition root's ports the channels send through, each once, in the table's order."""
    return list(dict.fromkeys(p for c in CHANNELS for p in c.ports))
