"""Slack's side of the sandbox: one workspace (team), its users (bots and people), tokens, channels and
their messages.

A message's ``ts`` is its time in microseconds since the epoch, written ``<seconds>.<6 digits>`` as
Slack writes it, strictly increasing across the workspace (so unique, and history is ordered by it).
A token belongs to a user, carries scopes and may be refused (``token_revoked``, ...) as Slack refuses
a revoked or expired one.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from typing import Any

from local.code_sandbox.web import ApiError

BOT_SCOPES = frozenset(
    {
        "chat:write",
        "channels:history",
        "channels:read",
        "groups:history",
        "im:history",
        "users:read",
        "users:read.email",
    }
)
REFUSALS = ("invalid_auth", "token_revoked", "token_expired", "account_inactive")


def slack_error(error: str, status: int = 200, **extra: Any) -> ApiError:
    """Slack's refusal: HTTP 200 (unless ``status``) with ``{"ok": false, "error": <code>}``."""
    return ApiError(status, {"ok": False, "error": error, **extra})


def format_ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


@dataclass
class User:
    id: str
    name: str
    bot_id: str | None = None  # a bot user: its messages carry bot_id and app_id
    email: str = ""  # the profile's email (users.info shows it to a token with users:read.email)


@dataclass
class Token:
    user: User
    scopes: frozenset[str] = BOT_SCOPES
    refused: str | None = None  # one of REFUSALS: answered to every call made with the token


@dataclass
class Message:
    micros: int
    text: str
    user: User
    metadata: dict[str, Any] | None = None  # chat.postMessage's ``metadata``: event_type, event_payload
    thread_ts: str | None = None  # the ts of the thread's first message, for a reply in a thread
    blocks: list[dict[str, Any]] | None = None  # chat.postMessage's Block Kit ``blocks``

    @property
    def ts(self) -> str:
        return format_ts(self.micros)

    @property
    def reply(self) -> bool:
        """A reply in a thread (not the thread's first message): conversations.history shows none."""
        return self.thread_ts is not None and self.thread_ts != self.ts


@dataclass
class Channel:
    id: str
    name: str
    members: set[str]  # user ids
    archived: bool = False
    messages: list[Message] = field(default_factory=list)  # oldest first


@dataclass
class SlackState:
    team_id: str = "T0SANDBOX01"
    team: str = "Acme"
    domain: str = "acme"
    users: dict[str, User] = field(default_factory=dict)  # by id
    tokens: dict[str, Token] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)  # by id
    history_max_limit: int = 999  # Slack's maximum; 15 for apps outside the Marketplace since 2025
    # chat.postEphemeral's messages: (channel id, user id, text, ts), shown to that user alone, never
    # in a channel's history.
    ephemerals: list[tuple[str, str, str, str]] = field(default_factory=list)
    _last_micros: int = 0

    def add_user(self, name: str, bot: bool = False, email: str = "") -> User:
        number = len(self.users) + 1
        user = User(f"U0SANDBOX{number:02d}", name, f"B0SANDBOX{number:02d}" if bot else None, email)
        self.users[user.id] = user
        return user

    def user_named(self, name: str) -> User | None:
        return next((u for u in self.users.values() if u.name == name), None)

    def add_channel(self, channel_id: str, name: str, members: set[str], archived: bool = False) -> Channel:
        channel = Channel(channel_id, name, members, archived)
        self.channels[channel_id] = channel
        return channel

    def find_channel(self, ref: str) -> Channel | None:
        """A channel by id, or by name with or without ``#`` (chat.postMessage accepts both)."""
        name = ref.removeprefix("#")
        return self.channels.get(ref) or next((c for c in self.channels.values() if c.name == name), None)

    def authorize(self, token: str | None) -> Token:
        """The token's grant; Slack's ``not_authed``, ``invalid_auth`` or the token's refusal otherwise."""
        if not token:
            raise slack_error("not_authed")
        grant = self.tokens.get(token)
        if grant is None:
            raise slack_error("invalid_auth")
        if grant.refused:
            raise slack_error(grant.refused)
        return grant

    def post(
        self,
        channel: Channel,
        user: User,
        text: str,
        metadata: dict[str, Any] | None = None,
        thread_ts: str | None = None,
        *,
        blocks: list[dict[str, Any]] | None = None,
    ) -> Message:
        message = Message(self._next_micros(), text, user, metadata, thread_ts, blocks)
        channel.messages.append(message)
        return message

    def post_earlier(
        self, channel: Channel, user: User, text: str, micros: int, metadata: dict[str, Any] | None = None
    ) -> Message:
        """A message stamped ``micros`` (before now: as if posted then), kept in ts order; the next
        free microsecond if another message has that ts."""
        taken = {m.micros for c in self.channels.values() for m in c.messages}
        if micros > time.time_ns() // 1000:
            raise ValueError("a message can be stamped only with a time already past")
        while micros in taken:
            micros += 1
        message = Message(micros, text, user, metadata)
        channel.messages.insert(bisect.bisect(channel.messages, micros, key=lambda m: m.micros), message)
        return message

    def whisper(self, channel: Channel, user: User, text: str) -> str:
        """An ephemeral message to ``user`` in ``channel``: its ts (Slack's ``message_ts``)."""
        ts = format_ts(self._next_micros())
        self.ephemerals.append((channel.id, user.id, text, ts))
        return ts

    def _next_micros(self) -> int:
        self._last_micros = max(time.time_ns() // 1000, self._last_micros + 1)
        return self._last_micros
