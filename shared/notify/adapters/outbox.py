"""The local outbox: each notification becomes one JSON file, created exclusively (at most once).

The file is written as a draft first and then linked under its name, so a reader never sees it half
written and a delivery that dies while writing leaves nothing that would stop its retry. It is the
local stand-in for the mail: it holds the links notify mints as it sends (``links``), as a mail would.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from shared.notify.domain.notify_task import NotifyTask
from shared.workspace.domain.tenants import Tenant

if TYPE_CHECKING:
    from shared.notify.ports import LinkMinter


class OutboxNotifier:
    def __init__(self, directory: str, minter: LinkMinter) -> None:
        self._dir, self._minter = Path(directory), minter

    def deliver(self, task: NotifyTask, tenant: Tenant | None) -> bool:
        """Written to the outbox whoever the tenant is (the local stack has no real recipients)."""
        self._dir.mkdir(parents=True, exist_ok=True)
        path = self._dir / f"{task.notification_id}.json"
        if path.exists():
            return False
        record = task.model_dump(mode="json") | {"delivered_at": datetime.now(UTC).isoformat()}
        links = self._minter.links(task, tenant) if tenant is not None else None
        if links is not None and any(links):
            record["links"] = links._asdict()
        draft = self._dir / f".{task.notification_id}.{uuid.uuid4().hex}.draft"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(json.dumps(record, indent=2))
            os.link(draft, path)  # appears whole, and only once: a second link is refused
        except FileExistsError:
            return False
        finally:
            draft.unlink(missing_ok=True)
        return True

    def delivered(self) -> list[dict[str, object]]:
        """Everything in the outbox, oldest first (for the demo and tests)."""
        if not self._dir.exists():
            return []
        files = sorted(self._dir.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        return [json.loads(p.read_text()) for p in files]
