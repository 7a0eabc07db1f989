"""Fixtures of the in-process Notion stack (tests/integration/notion_stack.py; its Notion sandbox alone
is ``running_sandbox``, started once per module) and of the code sandbox (GitHub, Vercel, Slack:
``sandbox``, started once per module, and its ``admin``, reset for each test; modules with a sandbox of
their own override both)."""

from collections.abc import Iterator

import pytest

from local.code_sandbox.testing import Admin, RunningSandbox, running_code_sandbox
from tests.integration.notion_stack import running_sandbox, running_tasks, stack

__all__ = ["admin", "running_sandbox", "running_tasks", "sandbox", "stack"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with running_code_sandbox() as running:
        yield running


@pytest.fixture
def admin(sandbox: RunningSandbox) -> Admin:
    sandbox.admin.reset()
    return sandbox.admin
