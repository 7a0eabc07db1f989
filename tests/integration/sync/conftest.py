"""The sync's integration tests' fixtures: the Notion sandbox once per module, and the sync's stack
(tests/support/sync_stack.py) for each test, on a new workspace of the Firestore emulator."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.linear_sandbox.app import KEY, TEAM_ID
from local.notion_sandbox import SandboxServer
from tests.support.sync_stack import IDS, SyncStack, sync_stack, sync_tasks

__all__ = ["IDS", "KEY", "TEAM_ID", "SyncStack", "sync_tasks"]


@pytest.fixture(scope="module")
def notion_server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture
def stack(firestore_emulator: Any, notion_server: SandboxServer, tmp_path: Path) -> Iterator[SyncStack]:
    with sync_stack(firestore_emulator.client(), notion_server.url, tmp_path) as built:
        yield built
