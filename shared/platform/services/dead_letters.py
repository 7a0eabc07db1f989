"""Task bodies that can never become valid: kept once for an operator, logged for the alert."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shared.platform.domain.dead_letters import DeadLetter, dead_letter

if TYPE_CHECKING:
    from shared.platform.ports import DeadLetterStore

log = logging.getLogger(__name__)


def record(
    store: DeadLetterStore, queue: str, body: bytes, reason: str, now: datetime | None = None
) -> DeadLetter:
    """Keep the letter of ``body`` and log ``dead_letter`` once per distinct body (a redelivery of
    the same body finds it kept). The log line carries the hash and the reason, never the body."""
    letter = dead_letter(queue, body, reason, now or datetime.now(UTC))
    if store.keep(letter):
        log.error(
            "dead letter on %s: %s",
            queue,
            letter.reason,
            extra={
                "fields": {
                    "event": "dead_letter",
                    "queue": queue,
                    "tenant": letter.tenant_id,
                    "letter": letter.letter_id,
                    "body_sha256": letter.body_sha256,
                }
            },
        )
    return letter
