"""Slack installs in Firestore: ``slack_teams/{team_id}``, the tenant named in a field, so erasing a
tenant finds them (shared.workspace.adapters.firestore_erasure)."""

from google.api_core.exceptions import AlreadyExists
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.platform.adapters.firestore_docs import transient
from shared.slack.domain.installs import SlackInstall

COLLECTION = "slack_teams"


class FirestoreSlackInstalls:
    def __init__(self, client: firestore.Client) -> None:
        self._db = client

    def get(self, team_id: str) -> SlackInstall | None:
        with transient():
            snap = self._db.collection(COLLECTION).document(team_id).get()
        return SlackInstall.model_validate(snap.to_dict()) if snap.exists else None

    def put(self, install: SlackInstall) -> None:
        with transient():
            self._db.collection(COLLECTION).document(install.team_id).set(install.model_dump())

    def link(self, install: SlackInstall) -> SlackInstall:
        ref = self._db.collection(COLLECTION).document(install.team_id)
        with transient():
            try:
                ref.create(install.model_dump())
                return install
            except AlreadyExists:
                found = SlackInstall.model_validate(ref.get().to_dict())
            if found.tenant_id != install.tenant_id:
                return found
            ref.set(install.model_dump())
        return install

    def delete_for(self, tenant_id: str) -> int:
        """One equality on one field: the automatic single-field index serves it."""
        query = self._db.collection(COLLECTION).where(filter=FieldFilter("tenant_id", "==", tenant_id))
        with transient():
            refs = [snap.reference for snap in query.select([]).stream()]
            for ref in refs:
                ref.delete()
        return len(refs)

    def delete(self, team_id: str) -> None:
        with transient():
            self._db.collection(COLLECTION).document(team_id).delete()
