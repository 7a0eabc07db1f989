"""Slack's Web API through ``slack_sdk``'s WebClient (decision 0053): a workspace's bot token per call.

``post_message`` is ``chat.postMessage`` (previews off). Slack has no idempotency key, so a caller
that may repeat a post first looks for it with ``find_message`` (its metadata in the channel's history
between two times, at most ``MAX_PAGES`` pages; a fuller window is :class:`SearchExhausted`). Every
``ok: false`` becomes the project's kinds (:func:`convert`). The SDK retries nothing (a repeated post
would be a second message) and logs nothing of ours. No token in messages.
"""

import http.client
import logging
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from ssl import SSLContext
from typing import Any
from urllib.error import URLError

from slack_sdk.errors import SlackApiError as SdkApiError
from slack_sdk.web import SlackResponse, WebClient

from shared.notify.domain.slack_threads import Blocks, SlackThread
from shared.platform.adapters.tls import verifying_context
from shared.platform.errors import (
    AgentError,
    NotFound,
    NothingSent,
    PermanentError,
    TransientError,
    Unauthenticated,
)

PAGE_SIZE = 200  # Slack's advice for conversations.history (at most 999)
MAX_PAGES = 5
REFUSED_TOKEN = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
SLACK_FAILURES = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
JSON = dict[str, Any]
type Markers = str | JSON | tuple[str | JSON, ...]  # texts a message ends with, metadata it carries
_log = logging.getLogger(__name__)
# The SDK's own logger: at DEBUG it would log each message's text, and it logs each failure that
# this adapter turns into a project error (which its caller logs). Only what is worse is let through.
_sdk_log = logging.getLogger(__name__ + ".sdk")
_sdk_log.setLevel(logging.CRITICAL)

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


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    """A header of an answer, whatever the case the server gave its name in."""
    return next((str(v) for k, v in headers.items() if k.lower() == name), None)


def _retry_after(headers: Mapping[str, Any]) -> float | None:
    try:
        return max(0.0, float(_header(headers, "retry-after") or ""))
    except ValueError:
        return None


def _answer(response: SlackResponse, subject: str) -> JSON:
    """Slack's JSON answer; a rate limit, a 5xx or anything but a JSON object is a TransientError."""
    status, headers = response.status_code, response.headers
    if status == 429:
        raise TransientError(f"Slack rate limit reached ({subject})", retry_after_s=_retry_after(headers))
    if status >= 500:
        raise TransientError(f"Slack answered {status} ({subject})")
    body = response.data
    kind = _header(headers, "content-type") or "no content type"
    if (
        not kind.startswith("application/json")
        or not isinstance(body, dict)
        or not isinstance(body.get("ok"), bool)
    ):
        raise TransientError(
            f"Slack answered {status} with something other than Slack's JSON ({kind.split(';')[0][:40]}; {subject})"
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


def _carries(found: object, wanted: list[JSON]) -> bool:
    """Whether a message's metadata is one of ``wanted`` (its type and payload)."""
    if not isinstance(found, dict):
        return False
    return any(all(found.get(k) == w.get(k) for k in ("event_type", "event_payload")) for w in wanted)


class SlackChat:
    """The ``Chat`` port. Every method takes the workspace's token; nothing about a tenant is kept."""

    def __init__(self, base_url: str, timeout_s: float, ssl: SSLContext | None = None) -> None:
        self._base_url, self._timeout_s = base_url.rstrip("/") + "/", timeout_s
        self._ssl = ssl  # None: the verifying context, on first use (never at import or construction)
        self._lock = threading.Lock()

    def _client(self, token: str) -> WebClient:
        """A WebClient for ``token`` (none: Slack's not_authed), without the SDK's retries."""
        with self._lock:
            if self._ssl is None:
                self._ssl = verifying_context()
        return WebClient(
            token=token or None,
            base_url=self._base_url,
            timeout=self._timeout_s,  # type: ignore[arg-type]  # urllib takes seconds as a float
            ssl=self._ssl,
            logger=_sdk_log,
            retry_handlers=[],
        )

    def _call(
        self, call: Callable[[WebClient], SlackResponse], token: str, subject: str, channel: str | None = None
    ) -> tuple[JSON, Mapping[str, Any]]:
        """One Web API call: its ``ok: true`` answer and headers, else the converted error. A
        transport failure never carries the request (its Authorization header holds the token)."""
        try:
            response = call(self._client(token))
        except SdkApiError as exc:
            response = exc.response
        except TimeoutError:
            raise TransientError(f"Slack did not answer in time ({subject})") from None
        except URLError as exc:  # no answer: urllib names why in ``reason``
            if isinstance(exc.reason, TimeoutError):
                raise TransientError(f"Slack did not answer in time ({subject})") from None
            reason = f"Slack is unreachable ({type(exc.reason).__name__}, {subject})"
            if isinstance(exc.reason, ConnectionRefusedError | socket.gaierror):  # the request never left
                raise NothingSent(reason) from None
            raise TransientError(reason) from None
        except (OSError, http.client.HTTPException) as exc:
            raise TransientError(f"Slack is unreachable ({type(exc).__name__}, {subject})") from None
        except (AttributeError, TypeError):  # the SDK read a JSON answer that is not an object
            raise TransientError(
                f"Slack answered with something other than Slack's JSON ({subject})"
            ) from None
        _log.debug("slack %s -> %s", subject, response.status_code)
        body = _answer(response, subject)
        if not body["ok"]:
            raise convert(body, subject, channel, token)
        return body, response.headers

    def account(self, token: str) -> str:
        """Who ``token`` is (``auth.test``): "<bot user> in <team>". A token whose app lacks what the
        notifications need is a SlackApiError naming the missing scopes (from ``X-OAuth-Scopes``, sent
        with every answer to a token). Without ``channels:history`` (or ``groups:history``, for a
        private channel) a retried notification cannot look for the message it may have sent."""
        body, headers = self._call(lambda c: c.auth_test(), token, "auth.test")
        granted = _header(headers, "x-oauth-scopes")
        if granted is not None:
            _check_scopes({s.strip() for s in granted.split(",") if s.strip()})
        user, team = body.get("user") or body.get("user_id"), body.get("team") or body.get("team_id")
        return f"{user} in {team}"

    def post_message(self, token: str, channel: str, text: str, metadata: JSON | None = None) -> str:
        """Post ``text`` to the channel id ``channel`` (a JSON body), with ``metadata`` if given; the
        message's ``ts``."""
        return self._post(token, channel, text, {"metadata": metadata})

    def post_reply(
        self, token: str, thread: SlackThread, text: str, metadata: JSON, blocks: Blocks = ()
    ) -> str:
        """Post ``text`` in ``thread`` (``thread_ts``) with ``metadata``, shown as ``blocks`` if any
        (``text`` is then what a notification and a screen reader show); the reply's ``ts``."""
        more = {"metadata": metadata, "thread_ts": thread.ts, "blocks": list(blocks) or None}
        return self._post(token, thread.channel, text, more)

    def _post(self, token: str, channel: str, text: str, more: JSON) -> str:
        body, _ = self._call(
            lambda c: c.chat_postMessage(
                channel=channel, text=text, unfurl_links=False, unfurl_media=False, **more
            ),
            token,
            f"chat.postMessage to channel {channel}",
            channel,
        )
        return str(body["ts"])

    def find_reply(
        self, token: str, thread: SlackThread, marker: Markers, oldest: datetime, latest: datetime
    ) -> str | None:
        """As :meth:`find_message`, among ``thread``'s replies (``conversations.replies``:
        ``conversations.history`` shows none of them)."""
        return self._find(token, thread.channel, marker, (oldest, latest), thread.ts)

    def find_message(
        self, token: str, channel: str, marker: Markers, oldest: datetime, latest: datetime
    ) -> str | None:
        """The ``ts`` of the newest message in ``channel`` from ``oldest`` to ``latest`` (both
        timezone-aware, both included) carrying ``marker`` (or one of several). A dict is metadata it
        carries (read with ``include_all_metadata``); a string, a text it ends with, trailing whitespace
        aside. None if the window has none; SearchExhausted if it holds more than ``MAX_PAGES`` pages
        and none of them has it."""
        return self._find(token, channel, marker, (oldest, latest), None)

    def _find(
        self,
        token: str,
        channel: str,
        marker: Markers,
        window: tuple[datetime, datetime],
        thread_ts: str | None,
    ) -> str | None:
        """:meth:`find_message` (``thread_ts`` None) or :meth:`find_reply` (that thread's replies)."""
        oldest, latest = window
        markers = marker if isinstance(marker, tuple) else (marker,)
        texts = tuple(m for m in markers if isinstance(m, str))
        metadata = [m for m in markers if isinstance(m, dict)]
        if oldest.tzinfo is None or latest.tzinfo is None or not markers or not all(markers):
            raise ValueError("find_message needs a marker and a timezone-aware oldest and latest")
        method = "conversations.replies" if thread_ts else "conversations.history"
        subject = f"{method} of channel {channel}"
        args: JSON = {
            "channel": channel,
            **({"ts": thread_ts} if thread_ts else {}),
            "oldest": _epoch(oldest),
            "latest": _epoch(latest),
            "inclusive": True,
            "limit": PAGE_SIZE,
            "include_all_metadata": True,
        }
        for _ in range(MAX_PAGES):
            call = WebClient.conversations_replies if thread_ts else WebClient.conversations_history
            read = partial(call, **args)  # this page's arguments, bound now
            page, _ = self._call(read, token, subject, channel)
            for message in page.get("messages") or []:
                text = str(message.get("text") or "").rstrip()
                if _carries(message.get("metadata"), metadata) or (texts and text.endswith(texts)):
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
            args["cursor"] = str(cursor)
        start, end = oldest.astimezone(UTC), latest.astimezone(UTC)
        raise SearchExhausted(
            f"channel {channel} holds more messages from {start:%Y-%m-%d %H:%M:%S} to "
            f"{end:%Y-%m-%d %H:%M:%S} UTC than {MAX_PAGES} pages of {method}, none of them the one "
            "looked for"
        )
