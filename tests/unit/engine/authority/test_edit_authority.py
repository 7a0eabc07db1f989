"""The authority rules for the editing tools (shared.engine.agent.approvals.gated), from the run's state and
the block as the step reads it: what the agent wrote on its own pages is the run's to change; a
person's block, a page the run did not create, a block named on the wrong page are not."""

import pytest

from shared.engine.agent import approvals
from shared.platform.errors import ModelFixableError
from shared.runs.domain.approval_digests import effect_digest
from shared.runs.domain.state import RunState
from shared.tools import REGISTRY

STATE = RunState(page_id="trigger", created_pages=("made",))
MINE, THEIRS = approvals.Block("trigger", True), approvals.Block("trigger", False)


def gated(tool: str, args: dict[str, str], block: approvals.Block | None = None) -> bool:
    blocks = (lambda _id: block) if block is not None else None
    return approvals.gated(STATE, REGISTRY[tool], args, blocks) == effect_digest(tool, args)


@pytest.mark.parametrize("tool", sorted(approvals.BLOCK_EDITS))
def test_a_block_edit_is_the_run_s_own_only_for_the_agent_s_block_on_an_own_page(tool: str) -> None:
    args = {"page_id": "trigger", "block_id": "b1", "to_page_id": "made", "text": "t"}
    args = {k: v for k, v in args.items() if k in REGISTRY[tool].args.model_fields}
    assert not gated(tool, args, MINE)
    assert gated(tool, args, THEIRS)
    assert gated(tool, args)  # not read (a plan's approval, before the step): a person's
    assert gated(tool, args | {"page_id": "elsewhere"}, approvals.Block("elsewhere", True))


def test_a_moved_block_must_land_on_an_own_page_too() -> None:
    args = {"page_id": "trigger", "block_id": "b1", "to_page_id": "elsewhere"}
    assert gated("move_block", args, MINE)


def test_a_block_named_on_a_page_it_does_not_lie_on_is_the_model_s_to_fix() -> None:
    with pytest.raises(ModelFixableError, match="lies on page other, not on trigger"):
        approvals.gated(
            STATE,
            REGISTRY["delete_block"],
            {"page_id": "trigger", "block_id": "b"},
            lambda _i: approvals.Block("other", True),
        )


@pytest.mark.parametrize("tool", ["archive_page", "restore_page"])
def test_only_a_page_the_run_created_is_archived_or_restored_unasked(tool: str) -> None:
    assert not gated(tool, {"page_id": "made"})
    assert gated(tool, {"page_id": "trigger"})
    assert gated(tool, {"page_id": "elsewhere"})


def test_a_page_the_run_created_moves_unasked_only_onto_an_own_page() -> None:
    assert not gated("move_page", {"page_id": "made", "to_page_id": "trigger"})
    assert gated("move_page", {"page_id": "made", "to_page_id": "elsewhere"})
    assert gated("move_page", {"page_id": "trigger", "to_page_id": "made"})


def test_a_database_or_a_file_lands_unasked_on_an_own_page_only() -> None:
    props: dict[str, dict[str, dict[str, str]]] = {"Name": {"title": {}}}
    assert not approvals.gated(
        STATE, REGISTRY["create_database"], {"parent_page_id": "made", "title": "T", "properties": props}
    )
    assert gated("add_file", {"page_id": "elsewhere", "url": "https://e.com/a.png"})
    assert not gated("add_file", {"page_id": "trigger", "url": "https://e.com/a.png"})
