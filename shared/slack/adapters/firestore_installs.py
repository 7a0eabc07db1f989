"""Slack installs in Firestore: ``slack_teams/{team_id}``, the tenant named in a field, so erasing a
tenant finds them (shared.workspace.adapters.firestore_erasure)."""

from typing import Any

from shared.platform.adapters.firestore_docs import transient
from shared.slack.domain.installs import SlackInstall

COLLECTION = "slack_teams"


class FirestoreSlackInstalls:
    def __init__(self, client: Any) -> None:
        self._db = client

    def get(self, team_id: str) -> SlackInstall | None:
        with transient():
            snap = self._db.collection(COLLECTION).document(team_id).get()
        return SlackInstall.model_validate(snap.to_dict()) if snap.exists else None

    def put(self, install: SlackInstall) -> None:
        with transient():
            self._db.collection(COLLECTION).document(install.team_id).set(install.model_dump())

    def delete(self, team_id: str) -> None:
        with transient():
            self._db.collection(COLLECTION).document(team_id).delete()
