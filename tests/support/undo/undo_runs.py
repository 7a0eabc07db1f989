"""A run's Notion writes on the fake Notion, as the engine records their results, for the undo tests."""

from typing import Any

from shared.notion.ports import TenantNotion
from shared.tools.base import ToolContext
from shared.tools.notion_write import (
    AddCommentArgs,
    AppendBlocksArgs,
    CreatePageArgs,
    UpdatePropertiesArgs,
    add_comment,
    append_blocks,
    create_page,
    update_properties,
)
from shared.undo.domain.inverses import Effect, effects
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.platform.platform_fakes import FakeModel


def tool_context(notion: TenantNotion, step: int) -> ToolContext:
    return ToolContext(
        tenant_id="t1",
        run_id="r1",
        step=step,
        key=f"r1:{step}:1",
        notion=notion,
        model=FakeModel(),
        queue=None,  # type: ignore[arg-type]  # a Notion write tool never enqueues
        prompt=lambda text: text,
    )


def status(fake: FakeNotion, page: str) -> Any:
    return fake.pages[page]["properties"]["Status"]["status"]["name"]


def four_writes(fake: FakeNotion, page: str) -> list[Effect]:
    """A run's four writes on ``page``, as the engine records their results (seq = 10 + step)."""
    notion = fake.with_token("tok")
    outputs = [
        ("update_properties", update_properties(tool_context(notion, 1), UpdatePropertiesArgs(page_id=page, properties={"Status": {"status": {"name": "Done"}}}))),
        ("append_blocks", append_blocks(tool_context(notion, 2), AppendBlocksArgs(page_id=page, text="A note"))),
        ("create_page", create_page(tool_context(notion, 3), CreatePageArgs(title="Child", parent_page_id=page))),
        ("add_comment", add_comment(tool_context(notion, 4), AddCommentArgs(page_id=page, text="Hi"))),
    ]  # fmt: skip
    return effects((10 + n, n, tool, out) for n, (tool, out) in enumerate(outputs, start=1))
