"""Notion tools that change what is already there: a block's text, a block deleted or moved, a page
archived, restored or moved; and a database or a file by URL added. Whose content each may touch
unasked is the authority rules' (shared.engine.agent.approvals); each finds its effect again (``find``).
Notion's API moves pages, not blocks: a block moves as a copy placed after a block, then the original
trashed (decision 0063).
"""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from shared.notify.domain.provenance import mark_of, signature_items
from shared.notion.domain.markdown import inline_rich_text
from shared.notion.services import notion_text as nt
from shared.platform.errors import ModelFixableError
from shared.tools.base import Args, Output, ToolContext, checked
from shared.tools.notion_write import notion_write
from shared.undo.domain.inverses import Inverse, cannot
from shared.workspace.domain.settings import plain_notion_id

_Id = Annotated[str, Field(min_length=1, max_length=100)]
# Blocks whose text update_block replaces, and those a move copies (text, dividers, external files).
TEXT_KINDS = frozenset(
    {
        "paragraph",
        "heading_1",
        "heading_2",
        "heading_3",
        "bulleted_list_item",
        "numbered_list_item",
        "to_do",
        "toggle",
        "quote",
        "callout",
        "code",
    }
)
FILE_KINDS = frozenset({"image", "file", "pdf", "video", "audio"})
_MOVABLE = TEXT_KINDS | FILE_KINDS | {"divider"}
_DEPTH = 2  # levels below a moved block its copy takes along (one append request's nesting)
MAX_URL = 2000  # Notion's limit for a URL in a request


def _url(value: str) -> str:
    if not value.startswith("https://") or any(c.isspace() for c in value) or len(value) > MAX_URL:
        raise ValueError(f"a file's URL is one https:// address of at most {MAX_URL} characters")
    return value


def _one_url(value: str) -> str:
    return checked(value, _url)


def _block(ctx: ToolContext, block_id: str) -> dict[str, Any]:
    block = ctx.need_notion().retrieve_block(block_id)
    if block.get("type") in ("child_page", "child_database"):
        raise ModelFixableError(
            f"block {block_id} is a page or a database: use archive_page or move_page for a page"
        )
    return block


class UpdateBlockArgs(Args):
    page_id: _Id
    block_id: _Id
    text: Annotated[str, Field(min_length=1, max_length=2000)]


def update_block(ctx: ToolContext, args: UpdateBlockArgs) -> Output:
    """Replaces a text block's text (inline Markdown) and keeps its type."""
    block = _block(ctx, args.block_id)
    kind = str(block.get("type"))
    if kind not in TEXT_KINDS:
        raise ModelFixableError(f"block {args.block_id} is a {kind}: only text blocks have text to update")
    before = {kind: {"rich_text": _request_rich((block.get(kind) or {}).get("rich_text", []))}}
    made = ctx.need_notion().update_block(args.block_id, {kind: {"rich_text": inline_rich_text(args.text)}})
    written = {kind: {"rich_text": _request_rich((made.get(kind) or {}).get("rich_text", []))}}
    by = str((made.get("last_edited_by") or {}).get("id", ""))
    inverse = Inverse(
        action="restore_block", target=args.block_id, before=before, written=written, written_by=by
    )
    return {"block_id": args.block_id, "page_id": args.page_id, "inverse": inverse.model_dump()}


def find_update(ctx: ToolContext, args: UpdateBlockArgs) -> Output | None:
    """Found done after a crash: the text it replaced is gone from the block, so it is marked final."""
    block = ctx.need_notion().retrieve_block(args.block_id)
    wanted = nt.plain(inline_rich_text(args.text))
    lost = cannot("the text it replaced was not recorded before an interrupted attempt wrote")
    done = {"block_id": args.block_id, "page_id": args.page_id, "inverse": lost}
    return done if nt.block_text(block) == wanted else None


class DeleteBlockArgs(Args):
    page_id: _Id
    block_id: _Id


def delete_block(ctx: ToolContext, args: DeleteBlockArgs) -> Output:
    """Moves the block, and what it holds, to Notion's trash (a person can restore it there)."""
    _block(ctx, args.block_id)
    ctx.need_notion().delete_block(args.block_id)
    return {"block_id": args.block_id, "page_id": args.page_id, "in_trash": True}


def find_delete(ctx: ToolContext, args: DeleteBlockArgs) -> Output | None:
    block = ctx.need_notion().retrieve_block(args.block_id)
    return (
        {"block_id": args.block_id, "page_id": args.page_id, "in_trash": True}
        if block.get("in_trash")
        else None
    )


class MoveBlockArgs(Args):
    page_id: _Id
    block_id: _Id
    to_page_id: _Id
    after_block_id: _Id | None = None  # None: at the end of the page


def _request_rich(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Response rich text as a request takes it back (text, mentions, equations with their styles)."""
    out: list[dict[str, Any]] = []
    for item in items:
        kind = item.get("type", "text")
        body = item.get(kind) or {}
        if kind == "text":  # a response's item always has its plain_text: the content, when not given
            body = {"content": body.get("content", item.get("plain_text", "")), "link": body.get("link")}
        out.append({"type": kind, kind: body, "annotations": item.get("annotations") or {}})
    return out


def _copy(ctx: ToolContext, block: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """The request that writes ``block`` again, with its children below it (at most ``_DEPTH``)."""
    kind = str(block.get("type"))
    if kind not in _MOVABLE:
        raise ModelFixableError(f"a {kind} block cannot be moved: Notion's API cannot write it again")
    body = dict(block.get(kind) or {})
    if kind in FILE_KINDS:
        if body.get("type") != "external":
            raise ModelFixableError(f"a {kind} uploaded to Notion cannot be moved: only one linked by URL")
        body = {
            "type": "external",
            "external": body["external"],
            "caption": _request_rich(body.get("caption", [])),
        }
    elif kind in TEXT_KINDS:
        body = {k: v for k, v in body.items() if k not in ("icon", "children")}
        body["rich_text"] = _request_rich(body.get("rich_text", []))
        if "caption" in body:
            body["caption"] = _request_rich(body["caption"])
    if block.get("has_children"):
        if depth >= _DEPTH:
            raise ModelFixableError(f"block {block.get('id')} is nested too deep to move in one piece")
        body["children"] = [
            _copy(ctx, c, depth + 1) for c in ctx.need_notion().list_children(str(block["id"]))
        ]
    return {"type": kind, kind: body}


def _same(request: dict[str, Any], block: dict[str, Any]) -> bool:
    """Whether ``block`` is what ``request`` wrote: its type and text (a copy an earlier attempt made)."""
    return block.get("type") == request["type"] and nt.block_text(block) == nt.plain(
        request[request["type"]].get("rich_text")
    )


def _placed(ctx: ToolContext, args: MoveBlockArgs, request: dict[str, Any], bot: str) -> str | None:
    """The copy an earlier attempt of this move placed: the block after ``after_block_id`` (or the
    page's last), written by the agent's bot, of the same type and text."""
    children = list(ctx.need_notion().list_children(args.to_page_id))
    ids = [plain_notion_id(str(c.get("id"))) for c in children]
    after = plain_notion_id(args.after_block_id) if args.after_block_id else None
    if after is None:
        there = children[-1] if children else None
    else:
        at = ids.index(after) + 1 if after in ids else len(ids)
        there = children[at] if at < len(children) else None
    if there is None or (there.get("created_by") or {}).get("id") != bot or not _same(request, there):
        return None
    return str(there["id"])


def move_block(ctx: ToolContext, args: MoveBlockArgs) -> Output:
    """Copies the block (and what it holds) after ``after_block_id`` on ``to_page_id``, then trashes
    the original. A copy an earlier attempt placed there is used, not written twice."""
    notion = ctx.need_notion()
    block = _block(ctx, args.block_id)
    request = _copy(ctx, block)
    bot = str(notion.me().get("id", ""))
    copy = _placed(ctx, args, request, bot)
    if copy is None:
        [made] = notion.append_blocks(args.to_page_id, [request], args.after_block_id)
        copy = str(made["id"])
    if not block.get("in_trash"):
        notion.delete_block(args.block_id)
    return {"block_id": copy, "from_block_id": args.block_id, "page_id": args.to_page_id}


def find_move(ctx: ToolContext, args: MoveBlockArgs) -> Output | None:
    """Done when the original is trashed and its copy stands where it was to go."""
    notion = ctx.need_notion()
    block = notion.retrieve_block(args.block_id)
    if not block.get("in_trash"):
        return None
    copy = _placed(ctx, args, _copy(ctx, block), str(notion.me().get("id", "")))
    return {"block_id": copy, "from_block_id": args.block_id, "page_id": args.to_page_id} if copy else None


class MovePageArgs(Args):
    page_id: _Id
    to_page_id: _Id


# Where a page may be that Notion's API (or our client) cannot move it back to, and why.
_NO_WAY_BACK = {
    "workspace": "the page was at the workspace's top level, where Notion's API cannot move a page",
    "block_id": "the page was inside a block, where Notion's API cannot move a page",
    "data_source_id": "the page was a database row: moving it back into its database is not supported yet",
}


def _move_inverse(args: MovePageArgs, parent: dict[str, Any]) -> dict[str, Any]:
    """A move's inverse: the page moved back under the page it came from (``before``) while it is
    still where the run put it (``written``)."""
    if parent.get("type", "page_id" if parent.get("page_id") else "") != "page_id" or not parent.get(
        "page_id"
    ):
        kind = str(parent.get("type", ""))
        return cannot(
            _NO_WAY_BACK.get(kind, f"the page's parent before the move ({kind or 'unknown'}) was not a page")
        )
    before, written = {"page_id": str(parent["page_id"])}, {"page_id": args.to_page_id}
    return Inverse(action="move_page", target=args.page_id, before=before, written=written).model_dump()


def move_page(ctx: ToolContext, args: MovePageArgs) -> Output:
    """Moves the page, having read where it was: the inverse moves it back there."""
    notion = ctx.need_notion()
    parent = dict(notion.retrieve_page(args.page_id).get("parent") or {})
    page = notion.move_page(args.page_id, args.to_page_id)
    inverse = _move_inverse(args, parent)
    return {
        "page_id": args.page_id,
        "to_page_id": args.to_page_id,
        "url": page.get("url", ""),
        "inverse": inverse,
    }


def find_move_page(ctx: ToolContext, args: MovePageArgs) -> Output | None:
    """Found done after a crash: where the page came from is gone from it, so it is marked final."""
    page = ctx.need_notion().retrieve_page(args.page_id)
    if plain_notion_id(str(page.get("parent", {}).get("page_id", ""))) != plain_notion_id(args.to_page_id):
        return None
    lost = cannot("the page it came from was not recorded before an interrupted attempt moved it")
    return {
        "page_id": args.page_id,
        "to_page_id": args.to_page_id,
        "url": page.get("url", ""),
        "inverse": lost,
    }


class PageArgs(Args):
    page_id: _Id


def _set_trash(ctx: ToolContext, page_id: str, in_trash: bool) -> Output:
    ctx.need_notion().trash_page(page_id, in_trash)
    return _trash_result(page_id, in_trash)


def _trash_result(page_id: str, in_trash: bool) -> Output:
    """A page moved to (or out of) the trash, its inverse the way back."""
    inverse = Inverse(action="restore_page" if in_trash else "archive_page", target=page_id).model_dump()
    return {"page_id": page_id, "in_trash": in_trash, "inverse": inverse}


def _trashed(ctx: ToolContext, page_id: str, in_trash: bool) -> Output | None:
    page = ctx.need_notion().retrieve_page(page_id)
    return _trash_result(page_id, in_trash) if bool(page.get("in_trash")) == in_trash else None


def archive_page(ctx: ToolContext, args: PageArgs) -> Output:
    return _set_trash(ctx, args.page_id, True)


def find_archive(ctx: ToolContext, args: PageArgs) -> Output | None:
    return _trashed(ctx, args.page_id, True)


def restore_page(ctx: ToolContext, args: PageArgs) -> Output:
    return _set_trash(ctx, args.page_id, False)


def find_restore(ctx: ToolContext, args: PageArgs) -> Output | None:
    return _trashed(ctx, args.page_id, False)


# What a new database's property configuration may name (Notion's "Create a database", one type each).
PROPERTY_TYPES = frozenset(
    {"title", "rich_text", "number", "select", "multi_select", "status", "date", "people", "checkbox"}
    | {"url", "email", "phone_number", "files"}
)


def _schema(value: dict[str, Any]) -> dict[str, Any]:
    for name, spec in value.items():
        kinds = list(spec) if isinstance(spec, dict) else []
        if len(kinds) != 1 or kinds[0] not in PROPERTY_TYPES or not isinstance(spec[kinds[0]], dict):
            raise ValueError(
                f"property {name!r}: one type of {', '.join(sorted(PROPERTY_TYPES))}, e.g. "
                '{"Name": {"title": {}}, "Status": {"select": {"options": [{"name": "Open"}]}}}'
            )
    if sum(next(iter(s)) == "title" for s in value.values()) != 1:
        raise ValueError("a database has exactly one title property")
    return value


class CreateDatabaseArgs(Args):
    parent_page_id: _Id
    title: Annotated[str, Field(min_length=1, max_length=200)]
    properties: Annotated[dict[str, Any], Field(min_length=1, max_length=50), AfterValidator(_schema)]


def create_database(ctx: ToolContext, args: CreateDatabaseArgs) -> Output:
    """The database under the page, its description the call's signature (how it is found again)."""
    marker = signature_items(ctx.signature())
    database = ctx.need_notion().create_database(args.parent_page_id, args.title, args.properties, marker)
    return _database(database)


def _database(database: dict[str, Any]) -> Output:
    sources = database.get("data_sources") or [{}]
    return {
        "database_id": database["id"],
        "data_source_id": sources[0].get("id", ""),
        "url": database.get("url", ""),
    }


def find_database(ctx: ToolContext, args: CreateDatabaseArgs) -> Output | None:
    notion = ctx.need_notion()
    for block in notion.list_children(args.parent_page_id):
        if block.get("type") != "child_database":
            continue
        database = notion.retrieve_database(str(block["id"]))
        if (found := mark_of(database.get("description"))) is not None and found.key == ctx.key:
            return _database(database)
    return None


class AddFileArgs(Args):
    page_id: _Id
    url: Annotated[str, Field(min_length=1, max_length=MAX_URL), AfterValidator(_one_url)]
    kind: Literal["image", "file", "pdf", "video", "audio"] = "image"
    caption: Annotated[str, Field(max_length=2000)] = ""


def add_file(ctx: ToolContext, args: AddFileArgs) -> Output:
    """Appends the file by its URL after the call's marker; an earlier attempt's copy is deleted first."""
    notion = ctx.need_notion()
    body = {
        "type": "external",
        "external": {"url": args.url},
        "caption": nt.rich(args.caption) if args.caption else [],
    }
    nt.clear_section(notion, args.page_id, ctx.key)
    made = notion.append_blocks(
        args.page_id, [nt.marker_block(ctx.signature()), {"type": args.kind, args.kind: body}]
    )
    return {"page_id": args.page_id, "block_id": str(made[-1]["id"])}


def find_file(ctx: ToolContext, args: AddFileArgs) -> Output | None:
    blocks = iter(ctx.need_notion().list_children(args.page_id))
    for block in blocks:
        if nt.is_marker(block, ctx.key, writing=False):
            after = next(blocks, None)
            if after is not None and after.get("type") == args.kind:
                return {"page_id": args.page_id, "block_id": str(after["id"])}
    return None


TOOLS = [
    notion_write(
        "update_block",
        UpdateBlockArgs,
        "Replace the text of a text block (inline Markdown) on the page it lies on; its type stays.",
        update_block,
        find=find_update,
        targets=("page_id", "block_id"),
    ),
    notion_write(
        "delete_block",
        DeleteBlockArgs,
        "Move a block (and what it holds) on the page it lies on to Notion's trash.",
        delete_block,
        find=find_delete,
        targets=("page_id", "block_id"),
    ),
    notion_write(
        "move_block",
        MoveBlockArgs,
        "Move a text, divider or linked-file block (with what it holds, two levels) from page_id to "
        "to_page_id, after after_block_id or at the end; it gets a new id.",
        move_block,
        find=find_move,
        targets=("page_id", "block_id", "to_page_id", "after_block_id"),
    ),
    notion_write(
        "move_page",
        MovePageArgs,
        "Move a page under another page.",
        move_page,
        find=find_move_page,
        targets=("page_id", "to_page_id"),
    ),
    notion_write(
        "archive_page",
        PageArgs,
        "Move a page to Notion's trash.",
        archive_page,
        find=find_archive,
        targets=("page_id",),
    ),
    notion_write(
        "restore_page",
        PageArgs,
        "Take a page back out of Notion's trash.",
        restore_page,
        find=find_restore,
        targets=("page_id",),
    ),
    notion_write(
        "create_database",
        CreateDatabaseArgs,
        'Create a database under a page: a title and its properties, e.g. {"Name": {"title": {}}, '
        '"Due": {"date": {}}}; output: database_id, data_source_id, url.',
        create_database,
        find=find_database,
        targets=("parent_page_id", "title"),
    ),
    notion_write(
        "add_file",
        AddFileArgs,
        "Add an image, file, pdf, video or audio to a page by its public https:// URL, with a caption.",
        add_file,
        find=find_file,
        targets=("page_id", "url"),
    ),
]
