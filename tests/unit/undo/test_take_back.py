"""Undo: the Notion write tools record their inverses with their results, and taking
them back applies each once, newest first, never over a person's later change."""

import pytest

from shared.tools import REGISTRY
from shared.tools.notion_edit import (
    MovePageArgs,
    PageArgs,
    UpdateBlockArgs,
    archive_page,
    find_archive,
    find_move_page,
    move_page,
    update_block,
)
from shared.tools.notion_write import (
    AddCommentArgs,
    UpdatePropertiesArgs,
    add_comment,
    find_comment,
    find_update,
)
from shared.undo.domain.inverses import FINAL, NOT_RECORDED, UNDOABLE, Effect, Inverse, effects, final_reason
from shared.undo.services.take_back import Taken, inverse_of, undo
from tests.support.notion.notion_fakes import FakeNotion, answered, nt_plain
from tests.support.undo.undo_runs import four_writes, status, tool_context


def test_each_notion_write_records_its_inverse_with_its_result() -> None:
    fake = FakeNotion()
    page = fake.add_page("P", Status="Todo")
    found = {e.tool: e.inverse for e in four_writes(fake, page)}
    assert found["update_properties"].action == "restore_properties"
    assert found["update_properties"].before == {"Status": {"status": {"name": "Todo"}}}
    assert found["update_properties"].written == {"Status": {"status": {"name": "Done"}}}
    assert found["append_blocks"] == Inverse(action="clear_section", target=page, key="r1:2:1")
    assert found["create_page"].action == "archive_page" and found["create_page"].target in fake.pages
    assert found["add_comment"].action == "delete_comment" and found["add_comment"].target


def test_an_effect_found_after_a_crash_keeps_an_inverse_when_it_can_and_says_so_when_not() -> None:
    fake = FakeNotion()
    page = fake.add_page("P", Status="Done")
    notion = fake.with_token("tok")
    done = UpdatePropertiesArgs(page_id=page, properties={"Status": {"status": {"name": "Done"}}})
    lost = find_update(tool_context(notion, 1), done)
    assert (
        lost is not None
        and lost["inverse"]["action"] == "none"
        and "not recorded" in lost["inverse"]["reason"]
    )
    add_comment(tool_context(notion, 2), AddCommentArgs(page_id=page, text="Hi"))
    again = find_comment(tool_context(notion, 2), AddCommentArgs(page_id=page, text="Hi"))
    assert again is not None and again["inverse"]["action"] == "delete_comment"
    archive_page(tool_context(notion, 3), PageArgs(page_id=page))
    trashed = find_archive(tool_context(notion, 3), PageArgs(page_id=page))
    assert trashed is not None and trashed["inverse"] == {
        **trashed["inverse"],
        "action": "restore_page",
        "target": page,
    }


def test_undo_takes_back_newest_first_and_a_second_delivery_reverts_nothing_twice() -> None:
    fake = FakeNotion()
    page = fake.add_page("P", Status="Todo")
    chosen = four_writes(fake, page)
    child = next(e.inverse.target for e in chosen if e.tool == "create_page")
    first = undo(fake.with_token("tok"), chosen)
    assert [t.effect for t in first] == [14, 13, 12, 11]
    assert {t.tool: t.outcome for t in first} == {
        "add_comment": "reverted",
        "create_page": "reverted",
        "append_blocks": "reverted",
        "update_properties": "reverted",
    }
    assert status(fake, page) == "Todo" and fake.pages[child]["in_trash"] is True
    assert not any(b.get("type") != "child_page" for b in fake.children[page])
    assert fake.comments[page] == []  # the run's comment deleted
    writes = dict(fake.writes)
    second = undo(fake.with_token("tok"), chosen)
    assert [t.outcome for t in second] == ["already", "already", "already", "already"]
    assert dict(fake.writes) == writes  # nothing written the second time


def test_a_person_s_later_change_is_left_and_listed_as_a_conflict_with_both_values() -> None:
    fake = FakeNotion()
    page = fake.add_page("P", Status="Todo")
    chosen = four_writes(fake, page)
    fake.pages[page]["properties"]["Status"] = {"type": "status", "status": {"name": "Blocked"}}
    section = next(b for b in fake.children[page] if b.get("type") == "paragraph")
    section["last_edited_by"] = {"object": "user", "id": "person-1"}
    taken = {t.tool: t for t in undo(fake.with_token("tok"), chosen)}
    assert taken["update_properties"].outcome == "conflict"
    assert taken["update_properties"].written == {"Status": "Done"}
    assert taken["update_properties"].current == {"Status": "Blocked"}
    assert status(fake, page) == "Blocked"  # the person's value stands
    assert taken["append_blocks"].outcome == "conflict" and section in fake.children[page]


def test_an_undo_killed_mid_way_and_delivered_again_finishes_without_reverting_twice() -> None:
    fake = FakeNotion()
    page = fake.add_page("P", Status="Todo")
    chosen = four_writes(fake, page)
    fake.fail["update_page_properties"] = [RuntimeError("killed")]
    seen: list[Taken] = []
    with pytest.raises(RuntimeError):
        undo(fake.with_token("tok"), chosen, seen.append)
    assert [t.outcome for t in seen] == ["reverted", "reverted", "reverted"]
    again = undo(fake.with_token("tok"), chosen)
    assert [t.outcome for t in again] == ["already", "already", "already", "reverted"]
    assert status(fake, page) == "Todo"


def test_a_created_page_someone_else_edited_since_is_left_and_listed_as_a_conflict() -> None:
    fake = FakeNotion()
    page = fake.add_page("P", Status="Todo")
    [made] = [e for e in four_writes(fake, page) if e.tool == "create_page"]
    assert made.inverse.written_by == fake.bot_id  # who made it: the integration's bot
    child = fake.pages[made.inverse.target]
    child["last_edited_by"] = {"object": "user", "id": "person-1"}  # a person wrote in it since
    [taken] = undo(fake.with_token("tok"), [made])
    assert (taken.outcome, taken.current) == ("conflict", {"last_edited_by": "person-1"})
    assert "someone else" in taken.reason and not child.get("in_trash")
    child["last_edited_by"] = {"object": "user", "id": fake.bot_id}  # only the run's own edits
    [taken] = undo(fake.with_token("tok"), [made])
    assert taken.outcome == "reverted" and child["in_trash"] is True


def test_a_comment_someone_replied_to_is_left_with_its_thread_and_listed_as_a_conflict() -> None:
    fake = FakeNotion()
    page = fake.add_page("P", Status="Todo")
    [comment] = [e for e in four_writes(fake, page) if e.tool == "add_comment"]
    assert comment.inverse.written["text"].startswith("Hi\n")  # what the run wrote, as Notion answered
    thread = fake.comments[page][0]["discussion_id"]
    fake.comments[page].append(
        {"id": "c-person", "discussion_id": thread, "created_by": {"id": "person-1"}, "rich_text": []}
    )
    [taken] = undo(fake.with_token("tok"), [comment])
    assert (taken.outcome, taken.current["replies"]) == ("conflict", 1)
    assert "replied" in taken.reason and taken.written["text"].startswith("Hi\n")
    assert [c["id"] for c in fake.comments[page]] == [comment.inverse.target, "c-person"]  # both left
    assert fake.writes["delete_comment"] == 0


def test_a_comment_deleted_meanwhile_is_already_taken_back() -> None:
    fake = FakeNotion()
    page = fake.add_page("P", Status="Todo")
    [comment] = [e for e in four_writes(fake, page) if e.tool == "add_comment"]
    fake.comments[page].clear()  # a person deleted it in Notion
    [taken] = undo(fake.with_token("tok"), [comment])
    assert taken.outcome == "already" and fake.writes["delete_comment"] == 0


def moved(fake: FakeNotion) -> tuple[str, str, str, Effect]:
    """A page under ``home`` that a run moved under ``away``: (page, home, away, the move's effect)."""
    home = fake.add_page("Home")
    away = fake.add_page("Away")
    page = fake.add_page("P", parent={"type": "page_id", "page_id": home})
    out = move_page(tool_context(fake.with_token("tok"), 1), MovePageArgs(page_id=page, to_page_id=away))
    [effect] = effects([(2, 1, "move_page", out)])
    return page, home, away, effect


def parent_of(fake: FakeNotion, page: str) -> str:
    return str(fake.pages[page]["parent"]["page_id"])


def test_a_moved_page_is_moved_back_once_and_its_undo_can_be_undone() -> None:
    fake = FakeNotion()
    page, home, away, effect = moved(fake)
    assert effect.inverse.before == {"page_id": home} and effect.inverse.written == {"page_id": away}
    [taken] = undo(fake.with_token("tok"), [effect])
    assert taken.outcome == "reverted" and parent_of(fake, page) == home
    [again] = undo(fake.with_token("tok"), [effect])
    assert again.outcome == "already" and fake.writes["move_page"] == 2  # the run's move and the undo's
    redo = Inverse.model_validate(inverse_of(taken, effect.inverse))
    [back] = undo(fake.with_token("tok"), [effect.model_copy(update={"inverse": redo})])
    assert back.outcome == "reverted" and parent_of(fake, page) == away


def test_a_page_moved_elsewhere_since_or_whose_origin_is_trashed_is_left_as_a_conflict() -> None:
    fake = FakeNotion()
    page, home, away, effect = moved(fake)
    elsewhere = fake.add_page("Elsewhere")
    fake.pages[page]["parent"] = {"type": "page_id", "page_id": elsewhere}  # a person moved it on
    [taken] = undo(fake.with_token("tok"), [effect])
    assert (taken.outcome, taken.written, taken.current) == (
        "conflict",
        {"parent": away},
        {"parent": elsewhere},
    )
    fake.pages[page]["parent"] = {"type": "page_id", "page_id": away}
    fake.pages[home]["in_trash"] = True  # where it came from is in the trash
    [taken] = undo(fake.with_token("tok"), [effect])
    assert taken.outcome == "conflict" and "came from" in taken.reason
    assert parent_of(fake, page) == away and fake.writes["move_page"] == 1


def test_a_move_from_where_notion_cannot_move_back_or_found_after_a_crash_is_marked_final() -> None:
    fake = FakeNotion()
    row = fake.add_page("Row", parent={"type": "data_source_id", "data_source_id": "ds-1"})
    away = fake.add_page("Away")
    out = move_page(tool_context(fake.with_token("tok"), 1), MovePageArgs(page_id=row, to_page_id=away))
    assert out["inverse"]["action"] == "none" and "database row" in out["inverse"]["reason"]
    _, _, away, effect = moved(fake)
    found = find_move_page(
        tool_context(fake.with_token("tok"), 1), MovePageArgs(page_id=effect.inverse.target, to_page_id=away)
    )
    assert found is not None and found["inverse"]["action"] == "none"


def updated(fake: FakeNotion) -> tuple[str, Effect]:
    """A person's paragraph "Draft" that a run replaced with "Final": (block, the update's effect)."""
    page = fake.add_page("P")
    block = fake.add_block(page, "Draft")
    draft = answered([{"type": "text", "text": {"content": "Draft"}}])  # as Notion answers it
    fake.retrieve_block("tok", block)["paragraph"] = {"rich_text": draft}
    args = UpdateBlockArgs(page_id=page, block_id=block, text="Final")
    out = update_block(tool_context(fake.with_token("tok"), 1), args)
    [effect] = effects([(2, 1, "update_block", out)])
    return block, effect


def text_of(fake: FakeNotion, block: str) -> str:
    return nt_plain(fake.retrieve_block("tok", block)["paragraph"]["rich_text"])


def test_a_block_s_text_is_restored_once_unless_a_person_changed_it_since() -> None:
    fake = FakeNotion()
    block, effect = updated(fake)
    assert effect.inverse.action == "restore_block" and effect.inverse.written_by == fake.bot_id
    assert text_of(fake, block) == "Final"
    [taken] = undo(fake.with_token("tok"), [effect])
    assert (taken.outcome, taken.written, taken.current) == ("reverted", {"text": "Final"}, {"text": "Draft"})
    assert text_of(fake, block) == "Draft"
    [again] = undo(fake.with_token("tok"), [effect])
    assert again.outcome == "already" and fake.writes["update_block"] == 2

    block, effect = updated(fake)
    found = fake.retrieve_block("tok", block)
    found["paragraph"] = {"rich_text": [{"plain_text": "A person's"}]}
    found["last_edited_by"] = {"object": "user", "id": "person-1"}
    [taken] = undo(fake.with_token("tok"), [effect])
    assert (taken.outcome, taken.written, taken.current) == (
        "conflict",
        {"text": "Final"},
        {"text": "A person's"},
    )
    found["paragraph"] = {"rich_text": [{"plain_text": "Final"}]}  # the person typed the run's text again
    [taken] = undo(fake.with_token("tok"), [effect])
    assert taken.outcome == "conflict" and "someone else" in taken.reason
    assert text_of(fake, block) == "Final" and fake.writes["update_block"] == 3


@pytest.mark.parametrize(
    ("tool", "says"),
    [
        ("update_properties", None),
        ("archive_page", None),
        ("send_notification", "cannot be unsent"),
        ("merge_pull_request", "shared branch"),
        ("update_issue", None),
        ("comment_on_issue", None),
        ("comment_on_task", "cannot delete a comment"),
        ("create_task", None),
        ("move_page", None),
        ("update_block", None),
        ("delete_block", "not recorded yet"),
    ],
)
def test_what_cannot_be_taken_back_says_why(tool: str, says: str | None) -> None:
    reason = final_reason(tool)
    assert reason is None if says is None else reason is not None and says in reason


@pytest.mark.parametrize("tool", [n for n, t in REGISTRY.items() if t.needs_intent])
def test_every_effect_tool_declares_its_inverse_or_why_it_has_none(tool: str) -> None:
    """A new tool with an effect must say, in shared.undo.domain.inverses, whether it records its
    inverse (UNDOABLE), can never be taken back (FINAL) or records none yet, and why (NOT_RECORDED)."""
    declared = [tool in UNDOABLE, tool in FINAL, tool in NOT_RECORDED]
    assert declared.count(True) == 1, f"{tool}: in UNDOABLE, FINAL or NOT_RECORDED, exactly one"


def test_no_declared_tool_is_gone_from_the_catalogue() -> None:
    effects = {n for n, t in REGISTRY.items() if t.needs_intent}
    assert set(UNDOABLE) | set(FINAL) | set(NOT_RECORDED) <= effects
