"""An editing tool's effect happens once: when the reply to Notion's write is lost after it happened,
the step's retry finds the effect by its ``find`` (reconciled) and does not do it again."""

from collections.abc import Callable
from typing import Any

import pytest

from shared.platform.errors import TransientError
from shared.runs.domain.events import ToolResult
from shared.runs.domain.state import RunStatus
from tests.engine_fakes import FakeNotion
from tests.support.engine.engine_runs import forged_run, run_until_held


def lost_reply(notion: FakeNotion, method: str) -> None:
    """``method`` does its effect once, then answers as if Notion's reply never came."""
    original: Callable[..., Any] = getattr(notion, method)
    calls = {"n": 0}

    def once_then_lost(*args: Any) -> Any:
        answer = original(*args)
        calls["n"] += 1
        if calls["n"] == 1:
            raise TransientError("Notion did not answer in time")
        return answer

    vars(notion)[method] = once_then_lost


@pytest.mark.parametrize(
    ("tool", "method"),
    [("delete_block", "delete_block"), ("update_block", "update_block"), ("archive_page", "trash_page")],
)
def test_a_lost_reply_is_found_done_by_the_retry_not_done_twice(tool: str, method: str) -> None:
    notion = FakeNotion()
    page = notion.add_page("Trigger")
    block = notion.add_block(page, "draft", author=notion.bot_id)
    args = {
        "delete_block": {"page_id": page, "block_id": block},
        "update_block": {"page_id": page, "block_id": block, "text": "final"},
        "archive_page": {"page_id": "${steps.1.page_id}"},
    }[tool]
    first = ("create_page", {"parent_page_id": page, "title": "Made"})
    lost_reply(notion, method)
    deps = forged_run(notion, page, first, (tool, args))
    for _ in range(5):  # the queue retries a step that answered 503 (a transient error)
        try:
            done = run_until_held(deps)
            break
        except TransientError:
            continue
    assert done.status == RunStatus.COMPLETED, done.last_error
    assert notion.writes[method] == 1
    [result] = [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ToolResult) and e.tool == tool]
    assert result.reconciled
