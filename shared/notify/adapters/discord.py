"""Discord's incoming webhooks on httpx: ``GET /webhooks/<id>/<token>`` (who the webhook is) and
``POST`` to it with ``wait=true`` (the message, and so its id). The URL's host is never called: only
its id and token, against the configured base URL. Mentions are off (``allowed_mentions``), so text
from a workspace cannot ping a channel. No message or error carries the URL's token.
"""

import logging
import re
from typing import Any

import httpx

from shared.platform.adapters.rest import RestClient, read_json, text
from shared.platform.errors import NothingSent, PermanentError, TransientError, Unauthenticated
from shared.workspace.domain.integrations import discord_webhook

MAX_CHARS = 2_000  # Discord's limit on a message's content
_WEBHOOK_PATH = re.compile(r"(/webhooks/\d+/)[A-Za-z0-9_-]+")


class _NoWebhookToken(logging.Filter):
    """httpx logs each request's URL at INFO: a webhook's token becomes ``[REDACTED]`` in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(a) for a in record.args)
        return True


def _redacted(arg: object) -> object:
    if isinstance(arg, str | httpx.URL) and "/webhooks/" in str(arg):
        return _WEBHOOK_PATH.sub(r"\1[REDACTED]", str(arg))
    return arg


logging.getLogger("httpx").addFilter(_NoWebhookToken())


class DiscordWebhookClient:
    def __init__(self, base_url: str, timeout_s: float, client: httpx.Client | None = None) -> None:
        self._rest = RestClient("Discord", base_url, timeout_s, client)

    def account(self, url: str) -> str:
        path, token = _path(url)
        response = self._rest.send("GET", path, {}, "the webhook")
        _check(response, "the webhook", token)
        name, channel = read_json(
            "Discord", response, lambda b: (text(b["name"]), str(b["channel_id"])), "GET webhook", token
        )
        return f"{name} in channel {channel}"

    def post(self, url: str, message: str) -> str:
        if not message.strip() or len(message) > MAX_CHARS:
            raise PermanentError(f"a Discord message is 1 to {MAX_CHARS} characters")
        path, token = _path(url)
        body = {"content": message, "allowed_mentions": {"parse": []}}
        response = self._rest.send("POST", path, {}, "a message", params={"wait": "true"}, json=body)
        _check(response, "a message", token)
        return read_json("Discord", response, lambda b: text(b["id"]), "POST message", token)


def _path(url: str) -> tuple[str, str]:
    try:
        webhook_id, token = discord_webhook(url)
    except ValueError as exc:
        raise PermanentError(str(exc)) from None
    return f"/webhooks/{webhook_id}/{token}", token


def _check(response: httpx.Response, subject: str, token: str) -> None:
    """Nothing for a 2xx; else the error its status means (Discord's message quoted, token redacted)."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 429:
        raise NothingSent(f"Discord rate limit reached ({subject})", retry_after_s=_retry_after(response))
    if status >= 500:
        raise TransientError(f"Discord answered {status} ({subject})")
    if status in (401, 403, 404):
        raise Unauthenticated(
            "Discord no longer knows this webhook (deleted, or its URL was reset); connect Discord "
            "again with the webhook's new URL"
        )
    said = _message(response).replace(token, "[REDACTED]")
    raise PermanentError(f"Discord refused {subject} ({status}: {said[:200]})")


def _message(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        return "no JSON"
    return str(body.get("message", "")) if isinstance(body, dict) else "unexpected JSON"


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["retry-after"]))
    except (KeyError, ValueError):
        return None
