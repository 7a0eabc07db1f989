"""The sessions' part of the composition root: their store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.declare import Built

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.sessions.ports import SessionStore


class Sessions:
    """The sessions' store."""

    sessions: Built[SessionStore] = Built.firestore(
        "shared.sessions.adapters.firestore_sessions", "FirestoreSessions"
    )

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
