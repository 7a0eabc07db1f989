"""The Notion sandbox the contract tests call, one per test, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.notion_sandbox import SandboxServer


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running
