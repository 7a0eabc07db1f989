"""Slack's Web API on httpx: a workspace's bot token (``xoxb-...``) per call, nothing kept per tenant.

``post_message`` is ``chat.postMessage`` (link and media previews off). Slack has no idempotency key,
so a caller that may repeat a post first looks for it with ``find_message``: the channel's history
between two times, at most ``MAX_PAGES`` pages, for a message ending with the caller's marker. A
window holding more is :class:`SearchExhausted`, never None: the message may be there. Every answer
is ``{"ok": ...}``; ``ok: false`` becomes the project's kinds (:func:`convert`). No token in messages.
"""

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.adapters.rest import RestClient
from shared.errors import AgentError, NotFound, PermanentError, TransientError, Unauthenticated

PAGE_SIZE = 200  # Slack's advice for conversations.history (at most 999)
MAX_PAGES = 5
REFUSED_TOKEN = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
SLACK_FAILURES = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
JSON = dict[str, Any]
_log = logging.getLogger(__name__)

# What a person can do about a refusal, by Slack's error code ({channel} is filled in).
_EXPLAINED = {
    "not_in_channel": "the bot is not a member of channel {channel}; invite the bot to the channel",
    "is_archived": "channel {channel} is archived; unarchive it or choose another channel",
    "msg_too_long": "the message is longer than Slack accepts (40,000 characters)",
    "no_text": "the message is empty",
    "restricted_action": "the workspace's settings do not let the bot post in channel {channel}",
    "invalid_cursor": "the page cursor of the channel's history was refused",
}


class SearchExhausted(PermanentError):
    """``find_message`` read its last page and the window holds more: whether the message is there
    cannot be told (a repeat reads the same pages)."""


class SlackApiError(PermanentError):
    """Slack refused the call for good (``ok: false`` with a code that a repeat will not change)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.slack_code = code


def _epoch(moment: datetime) -> str:
    """Slack's ``<seconds>.<6 digits>`` for an aware datetime, exact (a float would round the last digit)."""
    micros = max(0, (moment - EPOCH) // timedelta(microseconds=1))  # nothing is older than 0
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["retry-after"]))
    except (KeyError, ValueError):
        return None


def _answer(response: httpx.Response, subject: str) -> JSON:
    """Slack's JSON answer; a rate limit, a 5xx or anything but a JSON object is a TransientError."""
    status = response.status_code
    if status == 429:
        raise TransientError(f"Slack rate limit reached ({subject})", retry_after_s=_retry_after(response))
    if status >= 500:
        raise TransientError(f"Slack answered {status} ({subject})")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("ok"), bool):
        kind = response.headers.get("content-type", "no content type")
        raise TransientError(
            f"Slack answered {status} with something other than Slack's JSON ({kind}; {subject})"
        )
    return body


def convert(body: JSON, subject: str, channel: str | None, token: str) -> AgentError:
    """The project's error for Slack's ``ok: false`` answer ``body`` about ``subject``. A refused token
    (:data:`REFUSED_TOKEN`) → Unauthenticated; ``channel_not_found`` → NotFound naming the channel;
    ``ratelimited`` → TransientError with ``retry_after_s``. Slack's own failures
    (:data:`SLACK_FAILURES`) → TransientError; any other code → :class:`SlackApiError` naming it (and
    the scope a ``missing_scope`` needs). HTTP 429, 5xx, non-JSON answers and transport failures are
    TransientErrors too (:func:`_answer`).
    """
    code = str(body.get("error") or "unknown_error")
    code = code.replace(token, "[REDACTED]") if token else code
    if code in REFUSED_TOKEN:
        return Unauthenticated(f"Slack refused the token ({code}); reconnect Slack")
    if code == "ratelimited":
        return TransientError(f"Slack rate limit reached ({subject})")
    if code in SLACK_FAILURES:
        return TransientError(f"Slack failed ({code}; {subject})")
    if code == "channel_not_found":
        return NotFound(f"Slack channel {channel} was not found or the bot cannot see it ({code})")
    if code == "missing_scope":
        needed = str(body.get("needed") or "a scope")
        explained = f"the Slack app lacks the permission {needed}; reinstall it with that scope"
    else:
        explained = _EXPLAINED.get(code, "Slack gave no further detail").format(channel=channel)
    return SlackApiError(code, f"Slack refused {subject}: {explained} ({code})")


NEEDED_SCOPE = "chat:write"
HISTORY_SCOPES = ("channels:history", "groups:history")  # a public channel's, a private one's


def _check_scopes(granted: set[str]) -> None:
    missing = [NEEDED_SCOPE] if NEEDED_SCOPE not in granted else []
    if not granted.intersection(HISTORY_SCOPES):
        missing.append(" or ".join(HISTORY_SCOPES))
    if missing:
        raise SlackApiError(
            "missing_scope",
            f"the Slack app lacks the permission {' and '.join(missing)}; reinstall it with chat:write and "
            "channels:history (groups:history for a private channel)",
        )


class SlackChat:
    """The ``Chat`` port. Every method takes the workspace's token; nothing about a tenant is kept."""

    def __init__(self, base_url: str, timeout_s: float, client: httpx.Client | None = None) -> None:
        self._rest = RestClient("Slack", base_url, timeout_s, client)

    def _call(
        self, http_method: str, method: str, token: str, subject: str, channel: str | None = None, **kw: Any
    ) -> JSON:
        """One Web API call: its ``ok: true`` answer, else the converted error."""
        return self._exchange(http_method, method, token, subject, channel, **kw)[0]

    def _exchange(
        self, http_method: str, method: str, token: str, subject: str, channel: str | None = None, **kw: Any
    ) -> tuple[JSON, httpx.Headers]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}  # none: Slack's not_authed
        headers |= kw.pop("headers", {})
        response = self._rest.send(http_method, f"/{method}", headers, subject, **kw)
        _log.debug("slack %s -> %s", method, response.status_code)
        body = _answer(response, subject)
        if not body["ok"]:
            raise convert(body, subject, channel, token)
        return body, response.headers

    def account(self, token: str) -> str:
        """Who ``token`` is (``auth.test``): "<bot user> in <team>". A token whose app lacks what the
        notifications need is a SlackApiError naming the missing scopes (from ``X-OAuth-Scopes``, sent
        with every answer to a token). Without ``channels:history`` (or ``groups:history``, for a
        private channel) a retried notification cannot look for the message it may have sent."""
        body, headers = self._exchange("POST", "auth.test", token, "auth.test")
        granted = headers.get("x-oauth-scopes")
        if granted is not None:
            _check_scopes({s.strip() for s in granted.split(",") if s.strip()})
        user, team = body.get("user") or body.get("user_id"), body.get("team") or body.get("team_id")
        return f"{user} in {team}"

    def post_message(self, token: str, channel: str, text: str) -> str:
        """Post ``text`` to the channel id ``channel``; the message's ``ts``."""
        payload = {"channel": channel, "text": text, "unfurl_links": False, "unfurl_media": False}
        body = self._call(
            "POST",
            "chat.postMessage",
            token,
            f"chat.postMessage to channel {channel}",
            channel,
            content=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        return str(body["ts"])

    def find_message(
        self, token: str, channel: str, marker: str | tuple[str, ...], oldest: datetime, latest: datetime
    ) -> str | None:
        """The ``ts`` of the newest message in ``channel`` from ``oldest`` to ``latest`` (both
        timezone-aware, both included) whose text, trailing whitespace aside, ends with ``marker`` (or
        one of several). None if the window has none; SearchExhausted if it holds more than
        ``MAX_PAGES`` pages and none of them has it."""
        markers = (marker,) if isinstance(marker, str) else marker
        if oldest.tzinfo is None or latest.tzinfo is None or not markers or not all(markers):
            raise ValueError("find_message needs a marker and a timezone-aware oldest and latest")
        params: dict[str, str | int] = {
            "channel": channel,
            "oldest": _epoch(oldest),
            "latest": _epoch(latest),
            "inclusive": "true",
            "limit": PAGE_SIZE,
        }
        subject = f"conversations.history of channel {channel}"
        for _ in range(MAX_PAGES):
            page = self._call("GET", "conversations.history", token, subject, channel, params=params)
            for message in page.get("messages") or []:
                if str(message.get("text") or "").rstrip().endswith(markers):
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
            params["cursor"] = str(cursor)
        start, end = oldest.astimezone(UTC), latest.astimezone(UTC)
        raise SearchExhausted(
            f"channel {channel} holds more messages from {start:%Y-%m-%d %H:%M:%S} to "
            f"{end:%Y-%m-%d %H:%M:%S} UTC than {MAX_PAGES} pages of conversations.history, none of them the one "
            "looked for"
        )
