"""The local outbox: one whole JSON file per notification, at most once, never half written."""

import errno
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from shared.notify.adapters.outbox import OutboxNotifier
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.services.links import LinkMinter
from tests.support.platform.platform_fakes import FakeSecrets

TASK = NotifyTask(
    notification_id="r1-approval-3", tenant_id="t1", run_id="r1", subject="Approve?", text="Go?"
)


def test_a_notification_is_one_file_written_once(tmp_path: Path) -> None:
    box = OutboxNotifier(str(tmp_path), LinkMinter(FakeSecrets(), "http://127.0.0.1:8085", 3600.0))
    assert box.deliver(TASK, None) is True
    assert box.deliver(TASK, None) is False
    assert [p.name for p in tmp_path.iterdir()] == ["r1-approval-3.json"]
    [written] = box.delivered()
    assert written["notification_id"] == "r1-approval-3" and written["subject"] == "Approve?"


def test_a_delivery_whose_write_fails_leaves_nothing_and_its_retry_writes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = OutboxNotifier(str(tmp_path), LinkMinter(FakeSecrets(), "http://127.0.0.1:8085", 3600.0))

    class DiskFull(io.StringIO):
        def write(self, _text: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    real_fdopen = os.fdopen

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        real_fdopen(fd).close()
        return DiskFull()

    with monkeypatch.context() as patch:
        patch.setattr(os, "fdopen", fdopen)
        with pytest.raises(OSError, match="No space left"):
            box.deliver(TASK, None)
    assert list(tmp_path.iterdir()) == []  # no half-written file, no draft left
    assert box.deliver(TASK, None) is True
    assert json.loads((tmp_path / "r1-approval-3.json").read_text())["text"] == "Go?"
