"""Connected calendars and their kept meetings in Firestore: ``calendar_links/{person hash}`` (the
address hashed into the id, named in a field) and ``calendar_meetings/{hash of tenant, person, event}``,
each with its tenant so erasing a workspace can find them. The sync token and the message number move
together in a transaction."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.calendar.domain.connections import KEPT_BEFORE, CalendarLink, Meeting
from shared.platform.adapters.firestore_docs import in_transaction, plain_times, transient
from shared.workspace.domain.tenants import address_hash

LINKS, MEETINGS = "calendar_links", "calendar_meetings"
_BATCH = 400  # writes in one batch (Firestore takes 500)


def meeting_key(tenant_id: str, person: str, event_id: str) -> str:
    return hashlib.sha256(f"{tenant_id}\n{person}\n{event_id}".encode()).hexdigest()[:40]


class FirestoreCalendarLinks:
    def __init__(self, client: firestore.Client) -> None:
        self._db = client

    def _ref(self, person: str) -> Any:
        return self._db.collection(LINKS).document(address_hash(person))

    @staticmethod
    def _link(snap: Any) -> CalendarLink:
        return CalendarLink.model_validate(plain_times(snap.to_dict()))

    def get(self, person: str) -> CalendarLink | None:
        with transient():
            snap = self._ref(person).get()
        return self._link(snap) if snap.exists else None

    def by_channel(self, channel_id: str) -> CalendarLink | None:
        query = self._db.collection(LINKS).where(filter=FieldFilter("channel_id", "==", channel_id))
        with transient():
            found = list(query.limit(1).stream())
        return self._link(found[0]) if found else None

    def of_tenant(self, tenant_id: str) -> list[CalendarLink]:
        query = self._db.collection(LINKS).where(filter=FieldFilter("tenant_id", "==", tenant_id))
        with transient():
            return [self._link(s) for s in query.limit(200).stream()]

    def put(self, link: CalendarLink) -> None:
        with transient():
            self._ref(link.person).set(link.model_dump())

    def forget(self, person: str) -> None:
        person = person.strip().lower()
        mine = self._db.collection(MEETINGS).where(filter=FieldFilter("person", "==", person))
        with transient():
            keys = [s.id for s in mine.select([]).stream()]
        for at in range(0, len(keys), _BATCH):
            batch = self._db.batch()
            for key in keys[at : at + _BATCH]:
                batch.delete(self._db.collection(MEETINGS).document(key))
            with transient():
                batch.commit()
        with transient():
            self._ref(person).delete()

    def expiring(self, before: datetime, limit: int) -> list[CalendarLink]:
        query = (
            self._db.collection(LINKS)
            .where(filter=FieldFilter("channel_expires_at", "<", before))
            .order_by("channel_expires_at")
            .limit(limit)
        )
        with transient():
            return [self._link(s) for s in query.stream()]

    def advance(self, person: str, channel_id: str, number: int, sync_token: str) -> bool:
        ref = self._ref(person)

        def body(transaction: Any) -> bool:
            snap = ref.get(transaction=transaction)
            held = snap.to_dict() or {}
            if not snap.exists or held.get("channel_id") != channel_id:
                return False
            if number <= int(held.get("message_number", 0)):
                return False
            transaction.update(ref, {"message_number": number, "sync_token": sync_token})
            return True

        return in_transaction(self._db, body, what="a calendar's sync token")

    def keep(self, link: CalendarLink, meetings: list[Meeting], gone: list[str], *, replace: bool) -> None:
        collection = self._db.collection(MEETINGS)
        kept = {meeting_key(link.tenant_id, link.person, m.event_id): m for m in meetings}
        dropped = {meeting_key(link.tenant_id, link.person, g) for g in gone} - set(kept)
        if replace:
            mine = collection.where(filter=FieldFilter("person", "==", link.person))
            with transient():
                dropped |= {s.id for s in mine.select([]).stream()} - set(kept)
        writes: list[tuple[str, dict[str, Any] | None]] = [
            (key, m.model_dump() | {"expires_at": m.end + KEPT_BEFORE}) for key, m in kept.items()
        ]
        writes += [(key, None) for key in dropped]
        for at in range(0, len(writes), _BATCH):
            batch = self._db.batch()
            for key, doc in writes[at : at + _BATCH]:
                if doc is None:
                    batch.delete(collection.document(key))
                else:
                    batch.set(collection.document(key), doc)
            with transient():
                batch.commit()

    def _window(
        self, field: Literal["start", "end"], start: datetime, end: datetime, limit: int, tenant: str = ""
    ) -> list[Meeting]:
        """The stored meetings whose ``field`` is in [``start``, ``end``), by it; of ``tenant`` alone
        when named (a composite index: terraform/firestore.tf)."""
        query: Any = self._db.collection("calendar_meetings")  # MEETINGS
        if tenant:
            query = query.where(filter=FieldFilter("tenant_id", "==", tenant))
        query = query.where(filter=FieldFilter(field, ">=", start)).where(filter=FieldFilter(field, "<", end))
        with transient():
            found = query.order_by(field).limit(limit).stream()
            return [Meeting.model_validate(plain_times(s.to_dict())) for s in found]

    def meetings_of(self, tenant_id: str, start: datetime, end: datetime) -> list[Meeting]:
        return self._window("start", start, end, 200, tenant_id)

    def starting(self, start: datetime, end: datetime, limit: int) -> list[Meeting]:
        return self._window("start", start, end, limit)

    def ending(self, start: datetime, end: datetime, limit: int) -> list[Meeting]:
        return self._window("end", start, end, limit)
