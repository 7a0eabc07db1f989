"""An in-memory ``Mailboxes`` (shared.mail.ports) for the fake container: no mailbox unless a test
puts one."""

from __future__ import annotations

from datetime import datetime

from shared.mail.domain.mailboxes import Mailbox
from shared.workspace.domain.tenants import address_hash


class FakeMailboxes:
    def __init__(self) -> None:
        self.boxes: dict[str, Mailbox] = {}

    def get(self, address: str) -> Mailbox | None:
        return self.boxes.get(address_hash(address))

    def put(self, mailbox: Mailbox) -> None:
        self.boxes[address_hash(mailbox.address)] = mailbox

    def by_key(self, key: str) -> Mailbox | None:
        return self.boxes.get(key)

    def of_tenant(self, tenant_id: str) -> list[Mailbox]:
        return [m for m in self.boxes.values() if m.tenant_id == tenant_id]

    def every(self) -> list[Mailbox]:
        return list(self.boxes.values())

    def watched(self, address: str, expires: datetime) -> None:
        found = self.get(address)
        if found is not None:
            self.put(found.model_copy(update={"watch_expires": expires}))

    def delete(self, address: str) -> None:
        self.boxes.pop(address_hash(address), None)

    def advance(self, address: str, history_id: int) -> int:
        found = self.get(address)
        if found is None:
            return 0
        if history_id > found.history_id:
            self.put(found.model_copy(update={"history_id": history_id}))
        return max(found.history_id, history_id)
