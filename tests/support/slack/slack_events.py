"""Slack's Events API requests as Slack posts them, for tests: an envelope signed with an app's signing
secret (slack_sdk's signature), and a mention's envelope."""

import json
import time
from typing import Any

from slack_sdk.signature import SignatureVerifier

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the app's signing secret (a test's)
TEAM, CHANNEL = "T0SANDBOX01", "C0SANDBOX01"


def signed(
    body: dict[str, Any], secret: str = SECRET, at: int | None = None, retry: int = 0
) -> tuple[bytes, dict[str, str]]:
    """``body`` as Slack posts it: signed with ``secret`` at ``at`` (now), a retry numbered ``retry``."""
    raw = json.dumps(body).encode()
    stamp = str(at if at is not None else int(time.time()))
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=stamp, body=raw) or "",
        "Content-Type": "application/json",
    }
    return raw, headers | (
        {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
    )


def mention(
    user: str, text: str, event_id: str = "Ev0SANDBOX0001", ts: str = "", **event: Any
) -> dict[str, Any]:
    """An ``app_mention`` of ``user`` in the sandbox's #agent, ``event`` changing its fields."""
    inner = {
        "type": "app_mention",
        "user": user,
        "text": text,
        "channel": CHANNEL,
        "ts": ts or f"{time.time():.6f}",
    }
    return {
        "type": "event_callback",
        "team_id": TEAM,
        "event_id": event_id,
        "event_time": 1,
        "event": inner | event,
    }


def signed_form(
    fields: dict[str, str], secret: str = SECRET, at: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """A slash command's form as Slack posts it (``application/x-www-form-urlencoded``), signed as events are."""
    from urllib.parse import urlencode

    raw = urlencode(fields).encode()
    stamp = str(at if at is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=raw) or ""
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}
    return raw, headers | {"Content-Type": "application/x-www-form-urlencoded"}


def slash(
    user: str, text: str, trigger_id: str = "1337.42.abcdef0123", channel: str = CHANNEL
) -> dict[str, str]:
    """``/agent <text>`` typed by ``user`` in ``channel`` of the sandbox's team, as Slack's form carries it."""
    return {
        "token": "deprecated-verification-token",
        "team_id": TEAM,
        "team_domain": "acme",
        "channel_id": channel,
        "channel_name": "agent",
        "user_id": user,
        "user_name": "someone",
        "command": "/agent",
        "text": text,
        "api_app_id": "A0SANDBOX01",
        "is_enterprise_install": "false",
        "response_url": "https://hooks.slack.com/commands/T0SANDBOX01/1/abc",
        "trigger_id": trigger_id,
    }
