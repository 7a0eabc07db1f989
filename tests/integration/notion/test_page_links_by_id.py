"""A page the product knows by its id alone (a page a run never saw, a run
planned before links carried Notion's ``url``) is linked under one configured Notion web address
(``notion_web_base_url``): Notion's in production, the Notion sandbox on the local stack, which leads
``<sandbox>/<id>`` (and Notion's ``/<title>-<id>`` form) to the page on its screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from local.notion_sandbox import SandboxServer, seed_ids
from local.stack import LocalStack
from shared.platform.config import Settings
from shared.runs.domain.page_links import page_link

IDS = seed_ids("demo")
HOME = IDS["home_page"]


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


def test_a_page_known_by_its_id_opens_on_the_sandbox_s_screen(server: SandboxServer) -> None:
    link = page_link(HOME, {}, web=server.url + "/")
    assert link == f"{server.url}/{HOME.replace('-', '')}"
    for address in (link, f"{server.url}/Notion-Agent-home-{HOME.replace('-', '')}"):
        opened = httpx.get(address, follow_redirects=True, timeout=10)
        assert opened.status_code == 200, opened.text
        assert opened.url.path == f"/screen/demo/pages/{HOME.replace('-', '')}"
        assert "Notion Agent home" in opened.text
    for unknown in ("f" * 32, "not-a-page"):
        missing = httpx.get(f"{server.url}/{unknown}", timeout=10)
        assert missing.status_code == 404 and "There is no such page in the sandbox." in missing.text


def test_production_links_notion_and_the_stack_links_its_sandbox(tmp_path: Path) -> None:
    assert (
        page_link(HOME, {}, web=Settings().notion_web_base_url)
        == f"https://www.notion.so/{HOME.replace('-', '')}"
    )
    env = LocalStack(workdir=tmp_path).env()
    stack = Settings.from_env(env)
    assert stack.notion_web_base_url == stack.notion_api_base_url == env["NA_NOTION_API_BASE_URL"]
    assert page_link(HOME, {"x" * 32: "https://elsewhere"}, web=stack.notion_web_base_url).startswith(
        env["NA_NOTION_API_BASE_URL"] + "/"
    )
