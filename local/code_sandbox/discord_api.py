"""/discord/api/v10/webhooks/<id>/<token>: Discord's incoming webhooks. ``GET`` answers the webhook
(as "Get Webhook with Token": no user); ``POST`` with ``wait=true`` posts a message and answers it
(without ``wait``: 204). An unknown id or a wrong token is 404 ``Unknown Webhook`` (code 10015);
content empty or over 2,000 characters is 400 (codes 50006, 50035). Messages are kept per webhook,
with the ``allowed_mentions`` each was posted with, for tests to read.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from flask import Request

from local.code_sandbox.faults import Injection
from local.code_sandbox.web import ApiError

JSON = dict[str, Any]
MAX_CONTENT = 2_000
_ids = itertools.count(1_300_000_000_000_000_000)


@dataclass
class Webhook:
    id: str
    token: str
    name: str
    channel_id: str
    guild_id: str
    messages: list[JSON] = field(default_factory=list)


@dataclass
class DiscordState:
    webhooks: dict[str, Webhook] = field(default_factory=dict)

    def add_webhook(self, webhook_id: str, token: str, name: str, channel_id: str) -> Webhook:
        webhook = Webhook(webhook_id, token, name, channel_id, "1100000000000000001")
        self.webhooks[webhook_id] = webhook
        return webhook


def injected(injection: Injection) -> ApiError:
    """An injected failure in Discord's shape (a 429 with ``retry_after`` and Retry-After)."""
    status = injection.status or 500
    if status == 429:
        wait = injection.retry_after if injection.retry_after is not None else 2
        body = {"message": "You are being rate limited.", "retry_after": wait, "global": False}
        return ApiError(429, body, {"Retry-After": str(wait)})
    return ApiError(status, {"message": injection.message or f"{status}: injected", "code": 0})


def _unknown() -> ApiError:
    return ApiError(404, {"message": "Unknown Webhook", "code": 10015})


def dispatch(state: DiscordState, request: Request, path: str) -> tuple[Any, int]:
    """Answer ``path`` (below /discord/api/v10/): ``webhooks/<id>/<token>``."""
    parts = path.strip("/").split("/")
    if len(parts) != 3 or parts[0] != "webhooks":
        raise ApiError(404, {"message": "404: Not Found", "code": 0})
    webhook = state.webhooks.get(parts[1])
    if webhook is None or webhook.token != parts[2]:
        raise _unknown()
    if request.method == "GET":
        return {
            "type": 1,
            "id": webhook.id,
            "name": webhook.name,
            "avatar": None,
            "channel_id": webhook.channel_id,
            "guild_id": webhook.guild_id,
            "application_id": None,
            "token": webhook.token,
        }, 200
    if request.method != "POST":
        raise ApiError(405, {"message": "405: Method Not Allowed", "code": 0})
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, {"message": "Cannot send an empty message", "code": 50006})
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ApiError(400, {"message": "Cannot send an empty message", "code": 50006})
    if len(content) > MAX_CONTENT:
        raise ApiError(400, {"message": "Invalid Form Body", "code": 50035})
    message = {
        "id": str(next(_ids)),
        "type": 0,
        "content": content,
        "channel_id": webhook.channel_id,
        "webhook_id": webhook.id,
        "allowed_mentions": body.get("allowed_mentions"),
    }
    webhook.messages.append(message)
    if request.args.get("wait") != "true":
        return "", 204
    return {k: v for k, v in message.items() if k != "allowed_mentions"}, 200
