"""Sessions in Firestore: ``tenants/{t}/agent_sessions/{member}-{session}`` (the session, named by its
person too, so another person's id names no document of theirs) and its ``messages/{key}`` (one per
idempotency key, with its ``place``). A message is added in a transaction with the session's
count, made again when contention aborts it: two deliveries of one key at once add one message, in
one place."""

from contextlib import suppress
from datetime import datetime
from typing import Any

from google.api_core.exceptions import AlreadyExists
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.platform.adapters.firestore_docs import in_transaction
from shared.sessions.domain.sessions import Message, Session

_SESSION_FIELDS = ("conversation_id", "run_id")


class FirestoreSessions:
    def __init__(self, client: Any) -> None:
        self._db = client

    def _ref(self, tenant_id: str, member_id: str, session_id: str) -> Any:
        sessions = self._db.collection("tenants").document(tenant_id).collection("agent_sessions")
        return sessions.document(f"{member_id}-{session_id}")

    def open(self, tenant_id: str, session: Session) -> Session:
        ref = self._ref(tenant_id, session.member_id, session.session_id)
        with suppress(AlreadyExists):  # the key's session, as it is
            ref.create(
                {
                    "session_id": session.session_id,
                    "member_id": session.member_id,
                    "agent_id": session.agent_id,
                    "created_at": session.created_at,
                    "count": 0,
                    "conversation_id": "",
                    "run_id": "",
                    "origin": session.origin,
                    "thread": session.thread,
                }
            )
        found = self.session(tenant_id, session.member_id, session.session_id)
        assert found is not None
        return found

    def session(self, tenant_id: str, member_id: str, session_id: str) -> Session | None:
        snap = self._ref(tenant_id, member_id, session_id).get()
        data = snap.to_dict() or {} if snap.exists else {}
        if data.get("member_id") != member_id:
            return None
        return _session(data)

    def sessions(self, tenant_id: str, member_id: str, before: datetime | None, limit: int) -> list[Session]:
        sessions = self._db.collection("tenants").document(tenant_id).collection("agent_sessions")
        query = sessions.where(filter=FieldFilter("member_id", "==", member_id))
        if before is not None:
            query = query.where(filter=FieldFilter("created_at", "<", before))
        query = query.order_by("created_at", direction=firestore.Query.DESCENDING).limit(limit)
        return [_session(s.to_dict() or {}) for s in query.stream()]

    def in_thread(self, tenant_id: str, thread: str, limit: int) -> list[Session]:
        sessions = self._db.collection("tenants").document(tenant_id).collection("agent_sessions")
        query = sessions.where(filter=FieldFilter("thread", "==", thread)).limit(limit)
        return [_session(s.to_dict() or {}) for s in query.stream()] if thread else []

    def receive(
        self, tenant_id: str, member_id: str, session_id: str, *, key: str, text: str, act: str, now: datetime
    ) -> tuple[Message, bool]:
        ref = self._ref(tenant_id, member_id, session_id)
        message_ref = ref.collection("messages").document(key)

        def add(transaction: Any) -> tuple[dict[str, Any], bool]:
            got = message_ref.get(transaction=transaction)
            if got.exists:
                return got.to_dict() or {}, False
            count = int((ref.get(transaction=transaction).to_dict() or {}).get("count", 0)) + 1
            data = {
                "place": count,
                "key": key,
                "text": text,
                "act": act,
                "state": "received",
                "created_at": now,
            }
            transaction.update(ref, {"count": count})
            transaction.set(message_ref, data)
            return data, True

        data, new = in_transaction(self._db, add, what="a session's messages")
        return _message(data), new

    def settle(self, tenant_id: str, member_id: str, session_id: str, key: str, **fields: Any) -> Message:
        ref = self._ref(tenant_id, member_id, session_id)
        on_session = {k: fields.pop(k) for k in _SESSION_FIELDS if k in fields}
        if "run_id" in on_session:
            fields["run_id"] = on_session["run_id"]
        batch = self._db.batch()
        batch.update(ref.collection("messages").document(key), fields)
        if on_session:
            batch.update(ref, on_session)
        batch.commit()
        snap = ref.collection("messages").document(key).get()
        return _message(snap.to_dict() or {})

    def fail(self, tenant_id: str, member_id: str, session_id: str, key: str, **fields: Any) -> Message:
        message_ref = self._ref(tenant_id, member_id, session_id).collection("messages").document(key)

        def record(transaction: Any) -> dict[str, Any]:
            kept: dict[str, Any] = message_ref.get(transaction=transaction).to_dict() or {}
            if kept.get("state") != "received":
                return kept  # another delivery settled it meanwhile
            transaction.update(message_ref, fields)
            return kept | fields

        return _message(in_transaction(self._db, record, what="a session's message"))

    def messages(
        self, tenant_id: str, member_id: str, session_id: str, after: int, limit: int
    ) -> list[Message]:
        if limit <= 0:
            return []
        query = (
            self._ref(tenant_id, member_id, session_id)
            .collection("messages")
            .where(filter=FieldFilter("place", ">", after))
            .order_by("place")
            .limit(limit)
        )
        return [_message(s.to_dict() or {}) for s in query.stream()]


def _session(d: dict[str, Any]) -> Session:
    return Session(
        session_id=str(d["session_id"]),
        member_id=str(d["member_id"]),
        agent_id=str(d.get("agent_id", "")),
        created_at=d["created_at"],
        count=int(d.get("count", 0)),
        conversation_id=str(d.get("conversation_id", "")),
        run_id=str(d.get("run_id", "")),
        origin="slack" if d.get("origin") == "slack" else "api",
        thread=str(d.get("thread", "")),
    )


def _message(d: dict[str, Any]) -> Message:
    return Message(
        place=int(d["place"]),
        key=str(d["key"]),
        text=str(d["text"]),
        act=d["act"],
        state=d["state"],
        created_at=d["created_at"],
        answer=str(d.get("answer", "")),
        cited=[{str(k): str(v) for k, v in c.items()} for c in d.get("cited", []) if isinstance(c, dict)],
        run_id=str(d.get("run_id", "")),
        reason=str(d.get("reason", "")),
        pieces=[str(p) for p in d.get("pieces", [])],
    )
