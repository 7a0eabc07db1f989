"""The local outbox: each notification becomes one JSON file, created exclusively (at most once)."""

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from shared.domain.tasks import NotifyTask
from shared.domain.tenants import Tenant


class OutboxNotifier:
    def __init__(self, directory: str) -> None:
        self._dir = Path(directory)

    def deliver(self, task: NotifyTask, tenant: Tenant | None) -> bool:
        """Written to the outbox whoever the tenant is (the local stack has no real recipients)."""
        self._dir.mkdir(parents=True, exist_ok=True)
        path = self._dir / f"{task.notification_id}.json"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        record = task.model_dump(mode="json") | {"delivered_at": datetime.now(UTC).isoformat()}
        with os.fdopen(fd, "w") as handle:
            json.dump(record, handle, indent=2)
        return True

    def delivered(self) -> list[dict[str, object]]:
        """Everything in the outbox, oldest first (for the demo and tests)."""
        if not self._dir.exists():
            return []
        files = sorted(self._dir.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        return [json.loads(p.read_text()) for p in files]
