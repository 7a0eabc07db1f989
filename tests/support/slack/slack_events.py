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
