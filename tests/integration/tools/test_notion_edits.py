"""The editing tools against the Notion sandbox over real HTTP (notion-client underneath): what each
stand-in endpoint answers as Notion does (a file block by URL, a page moved, trashed and restored, a
database with its description, blocks placed after another), and each tool's effect happening once,
found again by its ``find`` after a crash."""

from typing import Any

import pytest

from local.notion_sandbox import SandboxServer, seed_ids
from local.notion_sandbox.contract import validate
from local.notion_sandbox.testing import Admin
from shared.notify.domain.provenance import Mark, marker_url
from shared.notion.adapters.notion import NotionRequestRefused
from shared.notion.services import notion_text as nt
from shared.notion.services.notion_access import NotionForTenant
from shared.tools import notion_edit as ne
from shared.tools.base import ToolContext
from tests.support.notion.sandbox_notion import sandbox_notion
from tests.support.platform.platform_fakes import FakeModel, FakeQueue

pytestmark = pytest.mark.integration
IDS = seed_ids("demo")


@pytest.fixture(scope="module")
def notion(running_sandbox: SandboxServer) -> NotionForTenant:
    return sandbox_notion(running_sandbox.url)


def context(notion: NotionForTenant, key: str = "t-r1:1:1") -> ToolContext:
    return ToolContext("t1", "r1", 1, key, notion, FakeModel(), FakeQueue(), prompt=lambda text: text)


def new_page(notion: NotionForTenant, title: str = "Scratch", *lines: str) -> str:
    blocks = [nt.marker_block(marker_url("", "x"))] if not lines else []
    blocks += [{"type": "paragraph", "paragraph": {"rich_text": nt.rich(line)}} for line in lines]
    page = notion.create_page({"page_id": IDS["home_page"]}, {"title": {"title": nt.rich(title)}}, blocks)
    return str(page["id"])


def texts(notion: NotionForTenant, page_id: str) -> list[str]:
    return [nt.block_text(b) or b["type"] for b in notion.list_children(page_id)]


def as_person(running_sandbox: SandboxServer, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = Admin(running_sandbox.url).post(
        "/workspaces/demo/act", {"method": method, "path": path, "body": body, "user_id": IDS["teammate"]}
    )
    assert answer["status"] == 200, answer
    return dict(answer["response"])


# --- the stand-in, as Notion answers -------------------------------------------------------------


def test_an_image_by_url_is_a_block_notion_returns_with_its_url_and_caption(notion: NotionForTenant) -> None:
    page = new_page(notion)
    image = {"type": "external", "external": {"url": "https://example.com/a.png"}, "caption": nt.rich("A")}
    [made] = notion.append_blocks(page, [{"type": "image", "image": image}])
    assert made["image"]["external"]["url"] == "https://example.com/a.png"
    assert nt.plain(made["image"]["caption"]) == "A"
    assert (
        validate(
            "GET /v1/blocks/{block_id}/children",
            {
                "object": "list",
                "results": [made],
                "next_cursor": None,
                "has_more": False,
                "type": "block",
                "block": {},
            },
        )
        == []
    )
    with pytest.raises(NotionRequestRefused, match="Invalid URL"):
        notion.append_blocks(
            page, [{"type": "file", "file": {"type": "external", "external": {"url": "ftp://x"}}}]
        )
    long = {"type": "external", "external": {"url": "https://e.com/" + "a" * 2000}}
    with pytest.raises(NotionRequestRefused, match="2000"):
        notion.append_blocks(page, [{"type": "image", "image": long}])


def test_blocks_appended_after_a_block_stand_after_it_in_order(notion: NotionForTenant) -> None:
    page = new_page(notion, "After", "one", "three")
    first = next(iter(notion.list_children(page)))
    para = [{"type": "paragraph", "paragraph": {"rich_text": nt.rich("two")}}]
    notion.append_blocks(page, para, first["id"])
    assert texts(notion, page) == ["one", "two", "three"]


def test_a_page_moves_under_another_page_but_never_below_itself(notion: NotionForTenant) -> None:
    outer, inner = new_page(notion, "Outer"), new_page(notion, "Inner")
    moved = notion.move_page(inner, outer)
    assert moved["parent"] == {"type": "page_id", "page_id": outer}
    assert notion.retrieve_page(inner)["parent"]["page_id"] == outer
    with pytest.raises(NotionRequestRefused, match="below itself"):
        notion.move_page(outer, inner)


def test_a_page_goes_to_the_trash_and_back_and_is_not_edited_while_there(notion: NotionForTenant) -> None:
    page = new_page(notion, "Trash me")
    assert notion.trash_page(page, True)["in_trash"] is True
    with pytest.raises(NotionRequestRefused, match="archived"):
        notion.update_page_properties(page, {"title": {"title": nt.rich("Renamed")}})
    assert notion.trash_page(page, False)["in_trash"] is False
    assert notion.retrieve_page(page)["in_trash"] is False


def test_a_trashed_block_is_still_retrieved_marked_in_trash(notion: NotionForTenant) -> None:
    page = new_page(notion, "Block", "gone soon")
    block = next(iter(notion.list_children(page)))
    notion.delete_block(block["id"])
    assert notion.retrieve_block(block["id"])["in_trash"] is True
    assert texts(notion, page) == []


def test_a_database_keeps_the_description_it_was_created_with(notion: NotionForTenant) -> None:
    page = new_page(notion, "Db home")
    made = notion.create_database(page, "Tasks", {"Name": {"title": {}}}, nt.rich("about it"))
    assert nt.plain(notion.retrieve_database(made["id"])["description"]) == "about it"
    assert [b["type"] for b in notion.list_children(page)][-1] == "child_database"


# --- the tools, each effect once ----------------------------------------------------------------


def test_update_block_replaces_the_text_and_is_found_done(notion: NotionForTenant) -> None:
    page = new_page(notion, "Update", "old words")
    block = next(iter(notion.list_children(page)))
    args = ne.UpdateBlockArgs(page_id=page, block_id=block["id"], text="**new** words")
    assert ne.find_update(context(notion), args) is None
    ne.update_block(context(notion), args)
    assert texts(notion, page) == ["new words"]
    assert ne.find_update(context(notion), args) is not None


def test_delete_block_trashes_it_once_and_a_retry_finds_it(notion: NotionForTenant) -> None:
    page = new_page(notion, "Delete", "keep", "drop")
    drop = list(notion.list_children(page))[1]
    args = ne.DeleteBlockArgs(page_id=page, block_id=drop["id"])
    assert ne.find_delete(context(notion), args) is None
    ne.delete_block(context(notion), args)
    assert texts(notion, page) == ["keep"]
    assert ne.find_delete(context(notion), args) == {
        "block_id": drop["id"],
        "page_id": page,
        "in_trash": True,
    }


def test_move_block_copies_after_the_block_and_trashes_the_original(notion: NotionForTenant) -> None:
    source, target = new_page(notion, "From", "a", "moving"), new_page(notion, "To", "one", "three")
    moving = list(notion.list_children(source))[1]
    notion.append_blocks(moving["id"], [{"type": "paragraph", "paragraph": {"rich_text": nt.rich("child")}}])
    one = next(iter(notion.list_children(target)))
    args = ne.MoveBlockArgs(
        page_id=source, block_id=moving["id"], to_page_id=target, after_block_id=one["id"]
    )
    out = ne.move_block(context(notion), args)
    assert texts(notion, source) == ["a"]
    assert texts(notion, target) == ["one", "moving", "three"]
    assert texts(notion, out["block_id"]) == ["child"]
    assert ne.find_move(context(notion), args) == out


def test_a_move_retried_after_its_copy_was_written_writes_no_second_copy(notion: NotionForTenant) -> None:
    source, target = new_page(notion, "From", "moving"), new_page(notion, "To", "one")
    moving = next(iter(notion.list_children(source)))
    args = ne.MoveBlockArgs(page_id=source, block_id=moving["id"], to_page_id=target)
    [request] = [ne._copy(context(notion), moving)]
    notion.append_blocks(target, [request])  # the first attempt copied, then crashed before trashing
    assert ne.find_move(context(notion), args) is None  # the original is still there: not done
    ne.move_block(context(notion), args)
    assert texts(notion, target) == ["one", "moving"]
    assert texts(notion, source) == []


def test_move_page_archive_and_restore_are_found_done_once_done(notion: NotionForTenant) -> None:
    page, home = new_page(notion, "Movable"), new_page(notion, "Home")
    moved = ne.MovePageArgs(page_id=page, to_page_id=home)
    assert ne.find_move_page(context(notion), moved) is None
    ne.move_page(context(notion), moved)
    assert ne.find_move_page(context(notion), moved) is not None
    args = ne.PageArgs(page_id=page)
    assert ne.find_archive(context(notion), args) is None
    ne.archive_page(context(notion), args)
    way_back = {"action": "restore_page", "target": page}  # its inverse
    found = ne.find_archive(context(notion), args)
    assert found is not None and found["in_trash"] is True and found["inverse"].items() >= way_back.items()
    assert ne.find_restore(context(notion), args) is None
    ne.restore_page(context(notion), args)
    assert notion.retrieve_page(page)["in_trash"] is False


def test_create_database_is_found_by_its_marker_and_not_made_twice(notion: NotionForTenant) -> None:
    page = new_page(notion, "Databases")
    args = ne.CreateDatabaseArgs(
        parent_page_id=page,
        title="Reading list",
        properties={"Name": {"title": {}}, "Read": {"checkbox": {}}},
    )
    assert ne.find_database(context(notion, "t-r1:2:1"), args) is None
    made = ne.create_database(context(notion, "t-r1:2:1"), args)
    assert ne.find_database(context(notion, "t-r1:2:1"), args) == made
    assert ne.find_database(context(notion, "t-r1:3:1"), args) is None  # another call's key: not this one
    schema = notion.retrieve_data_source(made["data_source_id"])["properties"]
    assert {n: p["type"] for n, p in schema.items()} == {"Name": "title", "Read": "checkbox"}


def test_add_file_appends_the_file_once_even_when_retried(notion: NotionForTenant) -> None:
    page = new_page(notion, "Files", "text")
    args = ne.AddFileArgs(page_id=page, url="https://example.com/report.pdf", kind="pdf", caption="Q3")
    assert ne.find_file(context(notion), args) is None
    ne.add_file(context(notion), args)
    found = ne.find_file(context(notion), args)
    ne.add_file(context(notion), args)  # a retry: the earlier copy is replaced, not doubled
    assert texts(notion, page) == ["text", "Notion Agent", "pdf"]
    assert [nt.mark(b) for b in notion.list_children(page)] == [None, Mark("t-r1:1:1"), None]
    assert found is not None


def test_a_person_s_block_is_changed_by_people_and_the_tool_tells_them_apart(
    running_sandbox: SandboxServer, notion: NotionForTenant
) -> None:
    """What the authority rules read: a block a person wrote carries the person as its author."""
    page = new_page(notion, "Shared", "agent's line")
    made = as_person(
        running_sandbox,
        "PATCH",
        f"/v1/blocks/{page}/children",
        {
            "children": [
                {
                    "type": "paragraph",
                    "paragraph": {"rich_text": [{"type": "text", "text": {"content": "a person's line"}}]},
                }
            ]
        },
    )
    person_block = notion.retrieve_block(made["results"][0]["id"])
    agent_block = next(iter(notion.list_children(page)))
    bot = notion.me()["id"]
    assert person_block["created_by"]["id"] == IDS["teammate"] != bot
    assert agent_block["created_by"]["id"] == bot
