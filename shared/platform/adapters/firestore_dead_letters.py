"""Dead letters in Firestore: ``dead_letters/{letter_id}``, removed by TTL at ``expires_at``."""

from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.platform.adapters.firestore_docs import TRANSIENT, plain_times
from shared.platform.domain.dead_letters import DeadLetter
from shared.platform.errors import TransientError

TIMEOUT_S = 10.0  # a store that does not answer: 503, and the queue retries the task until it does


class FirestoreDeadLetters:
    def __init__(self, client: Any) -> None:
        self._letters = client.collection("dead_letters")

    def keep(self, letter: DeadLetter) -> bool:
        """Store ``letter``; False if it was stored already (the same body on the same queue)."""
        try:
            self._letters.document(letter.letter_id).create(
                letter.model_dump(exclude={"letter_id"}), timeout=TIMEOUT_S
            )
        except gexc.AlreadyExists:
            return False
        except TRANSIENT as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        return True

    def recent(self, limit: int = 50) -> list[DeadLetter]:
        """The newest letters first."""
        query = self._letters.order_by("received_at", direction=firestore.Query.DESCENDING).limit(limit)
        return [
            DeadLetter.model_validate(plain_times(snap.to_dict()) | {"letter_id": snap.id})
            for snap in query.stream()
        ]
