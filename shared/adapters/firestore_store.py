"""Runs and their event logs in Firestore: ``tenants/{t}/runs/{r}`` and ``.../events/{seq}``.

The run document caches the state its log implies; :meth:`FirestoreRunStore.append` appends events
and updates that cache in one transaction, only if the log still ends where the caller read it.
"""

from datetime import UTC, datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore
from pydantic import TypeAdapter

from shared.domain.runs import Run, RunEvent, RunState, apply, fold
from shared.errors import NotFound, TransientError

_EVENTS: TypeAdapter[RunEvent] = TypeAdapter(RunEvent)


def _seq_id(seq: int) -> str:
    return f"{seq:08d}"


class FirestoreRunStore:
    def __init__(self, client: firestore.Client) -> None:
        self._db = client

    def _run_ref(self, tenant_id: str, run_id: str) -> Any:
        return self._db.collection("tenants").document(tenant_id).collection("runs").document(run_id)

    def create_run(self, tenant_id: str, run_id: str, events: list[RunEvent]) -> bool:
        ref = self._run_ref(tenant_id, run_id)
        state = fold(events)
        now = datetime.now(UTC)
        batch = self._db.batch()
        batch.create(ref, _run_doc(tenant_id, run_id, state, now) | {"created_at": now})
        for event in events:
            batch.create(ref.collection("events").document(_seq_id(event.seq)), event.model_dump(mode="json"))
        try:
            batch.commit()
        except gexc.AlreadyExists:
            return False
        except (gexc.ServiceUnavailable, gexc.DeadlineExceeded) as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        return True

    def get_run(self, tenant_id: str, run_id: str) -> Run | None:
        snap = self._run_ref(tenant_id, run_id).get()
        if not snap.exists:
            return None
        doc = snap.to_dict() or {}
        return Run(
            tenant_id=tenant_id,
            run_id=run_id,
            state=RunState.model_validate(doc["state"]),
            created_at=doc["created_at"],
            updated_at=doc["updated_at"],
        )

    def list_events(self, tenant_id: str, run_id: str) -> list[RunEvent]:
        docs = self._run_ref(tenant_id, run_id).collection("events").order_by("seq").stream()
        return [_EVENTS.validate_python(d.to_dict()) for d in docs]

    def append(
        self, tenant_id: str, run_id: str, expected_seq: int, events: list[RunEvent]
    ) -> RunState | None:
        ref = self._run_ref(tenant_id, run_id)

        @firestore.transactional
        def write(txn: firestore.Transaction) -> RunState | None:
            snap = ref.get(transaction=txn)
            if not snap.exists:
                raise NotFound(f"run {run_id} does not exist")
            state = RunState.model_validate(snap.get("state"))
            if state.last_seq != expected_seq:
                return None
            for event in events:
                state = apply(state, event)
                txn.create(
                    ref.collection("events").document(_seq_id(event.seq)), event.model_dump(mode="json")
                )
            txn.update(ref, _run_doc(tenant_id, run_id, state, datetime.now(UTC)))
            return state

        try:
            result: RunState | None = write(self._db.transaction())
        except (gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.Aborted) as exc:
            raise TransientError(f"firestore: {exc.__class__.__name__}") from exc
        return result


def _run_doc(tenant_id: str, run_id: str, state: RunState, now: datetime) -> dict[str, Any]:
    """The run document: the cached state plus the fields queries filter and sort on."""
    return {
        "tenant_id": tenant_id,
        "run_id": run_id,
        "status": state.status.value,
        "cursor": state.cursor,
        "state": state.model_dump(mode="json"),
        "updated_at": now,
    }
