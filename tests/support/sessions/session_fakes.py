"""Sessions in memory (``shared.sessions.ports.SessionStore``), as the Firestore adapter keeps them:
each named by its person too, a message's place taken once per key."""

import dataclasses
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.sessions.domain.sessions import Message, Session

type Named = tuple[str, str, str]  # (tenant, member, session)


@dataclass
class FakeSessions:
    kept: dict[Named, Session] = field(default_factory=dict)
    said: dict[Named, dict[str, Message]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, tenant_id: str, session: Session) -> Session:
        return self.kept.setdefault((tenant_id, session.member_id, session.session_id), session)

    def session(self, tenant_id: str, member_id: str, session_id: str) -> Session | None:
        return self.kept.get((tenant_id, member_id, session_id))

    def sessions(self, tenant_id: str, member_id: str, before: datetime | None, limit: int) -> list[Session]:
        mine = [s for (t, m, _), s in self.kept.items() if (t, m) == (tenant_id, member_id)]
        mine = [s for s in mine if before is None or s.created_at < before]
        return sorted(mine, key=lambda s: s.created_at, reverse=True)[:limit]

    def in_thread(self, tenant_id: str, thread: str, limit: int) -> list[Session]:
        return [s for (t, _, _), s in self.kept.items() if t == tenant_id and thread and s.thread == thread][
            :limit
        ]

    def receive(
        self, tenant_id: str, member_id: str, session_id: str, *, key: str, text: str, act: str, now: datetime
    ) -> tuple[Message, bool]:
        name = (tenant_id, member_id, session_id)
        with self.lock:
            messages = self.said.setdefault(name, {})
            if key in messages:
                return messages[key], False
            session = self.kept[name]
            self.kept[name] = dataclasses.replace(session, count=session.count + 1)
            made = Message(session.count + 1, key, text, act, "received", now)  # type: ignore[arg-type]  # act as the route gave it
            messages[key] = made
            return made, True

    def settle(self, tenant_id: str, member_id: str, session_id: str, key: str, **fields: Any) -> Message:
        name = (tenant_id, member_id, session_id)
        on_session = {k: fields.pop(k) for k in ("conversation_id", "run_id") if k in fields}
        if "run_id" in on_session:
            fields["run_id"] = on_session["run_id"]
        with self.lock:
            self.kept[name] = dataclasses.replace(self.kept[name], **on_session)
            settled = dataclasses.replace(self.said[name][key], **fields)
            self.said[name][key] = settled
            return settled

    def fail(self, tenant_id: str, member_id: str, session_id: str, key: str, **fields: Any) -> Message:
        name = (tenant_id, member_id, session_id)
        with self.lock:
            kept = self.said[name][key]
            if kept.state == "received":
                self.said[name][key] = kept = dataclasses.replace(kept, **fields)
            return kept

    def messages(
        self, tenant_id: str, member_id: str, session_id: str, after: int, limit: int
    ) -> list[Message]:
        kept = sorted(self.said.get((tenant_id, member_id, session_id), {}).values(), key=lambda m: m.place)
        return [m for m in kept if m.place > after][: max(limit, 0)]
