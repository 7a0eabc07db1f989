"""The sync's integration tests' fixtures: the Notion sandbox once per module, and the sync's stack
(tests/support/sync/sync_stack.py, Linear's; tests/support/sync/gitlab_stack.py, GitLab's;
tests/support/sync/motion_stack.py, Motion's) for each test, on a
new workspace of the Firestore emulator."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.linear_sandbox.app import KEY, TEAM_ID
from local.notion_sandbox import SandboxServer
from tests.support.sync.gitlab_stack import GitLabStack, gitlab_stack
from tests.support.sync.motion_stack import MotionStack, motion_stack
from tests.support.sync.sync_stack import IDS, SyncStack, sync_stack, sync_tasks

__all__ = ["IDS", "KEY", "TEAM_ID", "GitLabStack", "MotionStack", "SyncStack", "sync_tasks"]


@pytest.fixture
def stack(firestore_emulator: Any, running_sandbox: SandboxServer, tmp_path: Path) -> Iterator[SyncStack]:
    with sync_stack(firestore_emulator.client(), running_sandbox.url, tmp_path) as built:
        yield built


@pytest.fixture
def lab(firestore_emulator: Any, running_sandbox: SandboxServer, tmp_path: Path) -> Iterator[GitLabStack]:
    """GitLab's stack (tests/support/sync/gitlab_stack.py) on a new workspace."""
    with gitlab_stack(firestore_emulator.client(), running_sandbox.url, tmp_path) as built:
        yield built


@pytest.fixture
def mo(firestore_emulator: Any, running_sandbox: SandboxServer, tmp_path: Path) -> Iterator[MotionStack]:
    """Motion's stack (tests/support/sync/motion_stack.py) on a new workspace."""
    with motion_stack(firestore_emulator.client(), running_sandbox.url, tmp_path) as built:
        yield built
