"""The undo integration tests' Notion: the sandbox's demo workspace over HTTP, and its owner asking."""

import pytest

from local.notion_sandbox import SandboxServer, seed_ids
from shared.notion.services.notion_access import NotionForTenant
from shared.undo.domain.asking import Asker
from tests.support.notion.sandbox_notion import sandbox_notion

IDS = seed_ids("demo")
OWNER = Asker(member="m-owner", person=IDS["owner"], role="owner")


@pytest.fixture(scope="module")
def notion(running_sandbox: SandboxServer) -> NotionForTenant:
    return sandbox_notion(running_sandbox.url)
