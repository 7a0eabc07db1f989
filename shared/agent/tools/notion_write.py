"""Notion write tools. Each carries its idempotency key into the workspace and can find it again.

Reconciliation after a crash, per tool (``find``):
- create_page: the page ends with the key's marker block; candidates are the parent's child pages
  (page parent) or the data source's pages with the same title, newest first.
- append_blocks: the appended batch ends with the marker block; look in the page's children.
- add_comment: the comment ends with the marker line; look in the page's comments.
- update_properties: setting values is idempotent in itself; ``find`` reads the page and reports the
  effect as done when every property already has the requested plain value.
"""

from itertools import islice
from typing import Any

from pydantic import Field, model_validator

from shared.agent.tools import notion_text as nt
from shared.agent.tools.base import Args, Output, SideEffect, Tool, ToolContext

_SCAN = 50  # candidates examined during reconciliation


def _has_marker(ctx: ToolContext, token: str, block_id: str) -> bool:
    wanted = nt.marker_text(ctx.key)
    return any(nt.block_text(b) == wanted for b in ctx.notion.list_children(token, block_id))


class CreatePageArgs(Args):
    title: str = Field(min_length=1, max_length=200)
    content: str = Field("", max_length=50_000)
    parent_page_id: str | None = Field(None, max_length=100)
    data_source_id: str | None = Field(None, max_length=100)
    properties: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_parent(self) -> "CreatePageArgs":
        if (self.parent_page_id is None) == (self.data_source_id is None):
            raise ValueError("give exactly one of parent_page_id or data_source_id")
        return self


def _title_property(ctx: ToolContext, token: str, args: CreatePageArgs) -> str:
    if args.data_source_id is None:
        return "title"
    schema = ctx.notion.retrieve_data_source(token, args.data_source_id).get("properties", {})
    return next((name for name, p in schema.items() if p.get("type") == "title"), "Name")


def create_page(ctx: ToolContext, args: CreatePageArgs) -> Output:
    token = ctx.token()
    title = {_title_property(ctx, token, args): {"title": nt.rich(args.title)}}
    parent = (
        {"page_id": args.parent_page_id} if args.parent_page_id else {"data_source_id": args.data_source_id}
    )
    children = [*nt.blocks_from_text(args.content), nt.marker_block(ctx.key)]
    page = ctx.notion.create_page(token, parent, args.properties | title, children)
    return {"page_id": page["id"], "url": page.get("url", ""), "title": args.title}


def find_page(ctx: ToolContext, args: CreatePageArgs) -> Output | None:
    token = ctx.token()
    if args.parent_page_id:
        # Child pages are child_page blocks of the parent; search (by title) covers a lagging listing.
        blocks = ctx.notion.list_children(token, args.parent_page_id)
        ids = [b["id"] for b in blocks if b.get("type") == "child_page"]
        ids = [i for i in ids if nt.title_of(ctx.notion.retrieve_page(token, i)) == args.title]
        found = islice(ctx.notion.search(token, args.title, {"property": "object", "value": "page"}), _SCAN)
        ids += [
            p["id"]
            for p in found
            if p.get("parent", {}).get("page_id") == args.parent_page_id and nt.title_of(p) == args.title
        ]
    else:
        assert args.data_source_id is not None
        name = _title_property(ctx, token, args)
        where = {"property": name, "title": {"equals": args.title}}
        newest = [{"timestamp": "created_time", "direction": "descending"}]
        ids = [
            p["id"]
            for p in islice(ctx.notion.query_data_source(token, args.data_source_id, where, newest), _SCAN)
        ]
    for page_id in ids[:_SCAN]:
        if _has_marker(ctx, token, page_id):
            page = ctx.notion.retrieve_page(token, page_id)
            return {"page_id": page_id, "url": page.get("url", ""), "title": args.title}
    return None


class UpdatePropertiesArgs(Args):
    page_id: str = Field(min_length=1, max_length=100)
    properties: dict[str, Any] = Field(min_length=1)


def update_properties(ctx: ToolContext, args: UpdatePropertiesArgs) -> Output:
    page = ctx.notion.update_page_properties(ctx.token(), args.page_id, args.properties)
    return {"page_id": page["id"], "properties": sorted(args.properties)}


def find_update(ctx: ToolContext, args: UpdatePropertiesArgs) -> Output | None:
    current = ctx.notion.retrieve_page(ctx.token(), args.page_id).get("properties", {})
    for name, wanted in args.properties.items():
        have = current.get(name)
        if have is None or nt.plain_value(have) != nt.plain_value({"type": have.get("type")} | wanted):
            return None
    return {"page_id": args.page_id, "properties": sorted(args.properties)}


class AppendBlocksArgs(Args):
    page_id: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=50_000)


def append_blocks(ctx: ToolContext, args: AppendBlocksArgs) -> Output:
    blocks = [*nt.blocks_from_text(args.text), nt.marker_block(ctx.key)]
    created = ctx.notion.append_blocks(ctx.token(), args.page_id, blocks)
    return {"page_id": args.page_id, "blocks": len(created)}


def find_append(ctx: ToolContext, args: AppendBlocksArgs) -> Output | None:
    found = _has_marker(ctx, ctx.token(), args.page_id)
    return {"page_id": args.page_id, "blocks": len(nt.blocks_from_text(args.text)) + 1} if found else None


class AddCommentArgs(Args):
    page_id: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=1900)


def add_comment(ctx: ToolContext, args: AddCommentArgs) -> Output:
    comment = ctx.notion.add_comment(ctx.token(), args.page_id, f"{args.text}\n{nt.marker_text(ctx.key)}")
    return {"page_id": args.page_id, "comment_id": comment.get("id", "")}


def find_comment(ctx: ToolContext, args: AddCommentArgs) -> Output | None:
    wanted = nt.marker_text(ctx.key)
    for comment in ctx.notion.list_comments(ctx.token(), args.page_id):
        if nt.plain(comment.get("rich_text")).endswith(wanted):
            return {"page_id": args.page_id, "comment_id": comment.get("id", "")}
    return None


TOOLS = [
    Tool(
        "create_page",
        SideEffect.NOTION_WRITE,
        CreatePageArgs,
        "Create a page (under a page or in a data source) with text content.",
        create_page,
        find_page,
    ),
    Tool(
        "update_properties",
        SideEffect.NOTION_WRITE,
        UpdatePropertiesArgs,
        "Set properties of a page (Notion property values).",
        update_properties,
        find_update,
    ),
    Tool(
        "append_blocks",
        SideEffect.NOTION_WRITE,
        AppendBlocksArgs,
        "Append text (paragraphs, '# ' headings, '- ' bullets) to a page.",
        append_blocks,
        find_append,
    ),
    Tool(
        "add_comment",
        SideEffect.NOTION_WRITE,
        AddCommentArgs,
        "Comment on a page.",
        add_comment,
        find_comment,
    ),
]
