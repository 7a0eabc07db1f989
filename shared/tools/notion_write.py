"""Notion write tools. Each carries its idempotency key into the workspace and can find it again
(``find``). A created page's and an appended section's first block is the key's completed marker,
a comment's last line the marker; text is Markdown (shared.notion.domain.markdown); properties
are set idempotently, and found done when every one already has the requested value.
How each is found: docs/engine.md, "Intents and reconciliation". Arguments Notion would refuse for
their shape are refused when the plan is checked and again, resolved, before the step's intent: the
model's to fix, never an error the step would meet on every retry.
"""

from collections.abc import Callable
from copy import deepcopy
from itertools import islice
from typing import Annotated, Any, Self

from pydantic import AfterValidator, Field, model_validator

from shared.notify.domain.provenance import signature_line, signed
from shared.notion.domain.markdown import Append
from shared.notion.services import notion_text as nt
from shared.platform.errors import ModelFixableError, PermanentError
from shared.tools.base import REFERENCE, Args, Output, SideEffect, Tool, ToolContext, checked
from shared.undo.domain.inverses import Inverse, cannot, property_inverse

_SCAN = 50  # candidates examined during reconciliation


def _reconciling[A: Args](
    find: Callable[[ToolContext, A], Output | None],
) -> Callable[[ToolContext, A], Output | None]:
    """``find``, with a refusal while looking (Notion's 404 for a page deleted or unshared since, say)
    failing the run rather than being model-fixable. It comes right after the intent, where it would
    get repaired arguments, but the earlier attempt may have written, and other arguments would
    write again."""

    def look(ctx: ToolContext, args: A) -> Output | None:
        try:
            return find(ctx, args)
        except ModelFixableError as exc:
            raise PermanentError(f"looking for an earlier attempt's effect: {exc.reason}") from exc

    return look


def notion_write[A: Args](
    name: str,
    args: type[A],
    description: str,
    run: Callable[[ToolContext, A], Output],
    *,
    find: Callable[[ToolContext, A], Output | None],
    targets: tuple[str, ...],
) -> Tool:
    """A tool that writes to Notion (given the tenant's Notion), whose ``find`` finds an earlier
    attempt's effect again, a refusal while looking failing the run (:func:`_reconciling`);
    ``targets``: the argument fields naming where it writes (``Tool.targets``)."""
    return Tool(
        name,
        SideEffect.NOTION_WRITE,
        args,
        description,
        run,
        uses_notion=True,
        find=_reconciling(find),
        targets=targets,
    )


def _has_marker(ctx: ToolContext, block_id: str, *, writing: bool = False) -> bool:
    children = ctx.need_notion().list_children(block_id)
    return any(nt.is_marker(b, ctx.key, writing=writing) for b in children)


def _fits_one_call(text: str) -> str:
    if problem := nt.too_many_requests(text):
        raise ValueError(problem)
    return text


def _one_call_text(value: str) -> str:
    """Markdown a write tool sends with its marker (a value that is one reference: once resolved)."""
    return checked(value, _fits_one_call)


def _section(ctx: ToolContext, text: str) -> list[Append]:
    """The requests writing ``text`` after the marker; more than a call may take is refused before
    any request (the arguments are checked before the intent, so only unchecked ones get here)."""
    if problem := nt.too_many_requests(text):
        raise ModelFixableError(problem)
    return nt.section(ctx.signature(), text)


class CreatePageArgs(Args):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    content: Annotated[str, Field(max_length=50_000), AfterValidator(_one_call_text)] = ""
    parent_page_id: Annotated[str, Field(max_length=100)] | None = None
    data_source_id: Annotated[str, Field(max_length=100)] | None = None
    properties: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_parent(self) -> Self:
        if (self.parent_page_id is None) == (self.data_source_id is None):
            raise ValueError("give exactly one of parent_page_id or data_source_id")
        return self


def _title_property(ctx: ToolContext, args: CreatePageArgs) -> str:
    if args.data_source_id is None:
        return "title"
    schema = ctx.need_notion().retrieve_data_source(args.data_source_id).get("properties", {})
    return next((name for name, p in schema.items() if p.get("type") == "title"), "Name")


def create_page(ctx: ToolContext, args: CreatePageArgs) -> Output:
    title = {_title_property(ctx, args): {"title": nt.rich(args.title)}}
    parent = (
        {"page_id": args.parent_page_id} if args.parent_page_id else {"data_source_id": args.data_source_id}
    )
    notion = ctx.need_notion()
    appends = _section(ctx, args.content)
    if len(appends) > 1 and (earlier := _page_with_marker(ctx, args, writing=True)) is not None:
        # An earlier attempt created the page but did not finish its content: write it there again.
        nt.clear_section(notion, earlier["page_id"], ctx.key)
        nt.write_section(notion, earlier["page_id"], appends)
        return earlier
    page = nt.create_with_section(notion, parent, args.properties | title, appends)
    return _created(page, args.title)


def _created(page: dict[str, Any], title: str) -> Output:
    """A created page's result, its inverse the page moved to the trash unless someone other than
    its creator (``written_by``: the integration's bot) edited it since."""
    page_id, url = str(page["id"]), page.get("url", "")
    by = str((page.get("created_by") or {}).get("id", ""))
    inverse = Inverse(action="archive_page", target=page_id, written_by=by).model_dump()
    return {"page_id": page_id, "url": url, "title": title, "inverse": inverse}


def find_page(ctx: ToolContext, args: CreatePageArgs) -> Output | None:
    return _page_with_marker(ctx, args)


def _page_with_marker(ctx: ToolContext, args: CreatePageArgs, *, writing: bool = False) -> Output | None:
    """The page an earlier attempt created: its completed marker found (or, ``writing``, its marker
    still writing)."""
    notion = ctx.need_notion()
    if args.parent_page_id:
        # Child pages are child_page blocks of the parent; search (by title) covers a lagging listing.
        blocks = notion.list_children(args.parent_page_id)
        ids = [b["id"] for b in blocks if b.get("type") == "child_page"]
        ids = [i for i in ids if nt.title_of(notion.retrieve_page(i)) == args.title]
        found = islice(notion.search(args.title, {"property": "object", "value": "page"}), _SCAN)
        ids += [
            p["id"]
            for p in found
            if p.get("parent", {}).get("page_id") == args.parent_page_id and nt.title_of(p) == args.title
        ]
    else:
        assert args.data_source_id is not None
        name = _title_property(ctx, args)
        where = {"property": name, "title": {"equals": args.title}}
        newest = [{"timestamp": "created_time", "direction": "descending"}]
        ids = [p["id"] for p in islice(notion.query_data_source(args.data_source_id, where, newest), _SCAN)]
    for page_id in ids[:_SCAN]:
        if _has_marker(ctx, page_id, writing=writing):
            return _created(notion.retrieve_page(page_id), args.title)
    return None


# What each writable property value type takes (Notion's page properties reference); the computed
# ones (formula, rollup, created_time, unique_id, ...) cannot be written.
_TAKES: dict[str, tuple[tuple[type, ...], str]] = {
    "title": ((list,), '[{"text": {"content": "..."}}]'),
    "rich_text": ((list,), '[{"text": {"content": "..."}}]'),
    "number": ((int, float, type(None)), "a number or null"),
    "select": ((dict, type(None)), '{"name": "..."} or null'),
    "status": ((dict, type(None)), '{"name": "..."} or null'),
    "multi_select": ((list,), '[{"name": "..."}]'),
    "date": ((dict, type(None)), '{"start": "2025-01-31"} or null'),
    "people": ((list,), '[{"id": "<user id>"}]'),
    "files": ((list,), '[{"name": "...", "external": {"url": "..."}}]'),
    "checkbox": ((bool,), "true or false"),
    "url": ((str, type(None)), "a string or null"),
    "email": ((str, type(None)), "a string or null"),
    "phone_number": ((str, type(None)), "a string or null"),
    "relation": ((list,), '[{"id": "<page id>"}]'),
}
_EXAMPLE = '{"Status": {"status": {"name": "Done"}}}'


def check_property_value(value: Any) -> Any:
    """``value`` if it is a Notion property value object: one key, a writable type, holding what
    that type takes (an optional ``type`` naming the same type is allowed). A value that is one
    reference is checked once resolved."""
    if isinstance(value, str) and REFERENCE.fullmatch(value):
        return value
    kinds = [k for k in value if k != "type"] if isinstance(value, dict) else []
    if len(kinds) != 1 or kinds[0] not in _TAKES or value.get("type", kinds[0]) != kinds[0]:
        shown = sorted(value) if isinstance(value, dict) else repr(value)[:60]
        raise ValueError(
            f"a property value is an object with one key, its type (one of {', '.join(_TAKES)}), "
            f"e.g. {_EXAMPLE}; got {shown}"
        )
    kind = kinds[0]
    types, takes = _TAKES[kind]
    inner = value[kind]
    items_ok = not isinstance(inner, list) or all(isinstance(i, dict) for i in inner)
    if not isinstance(inner, types) or (kind == "number" and isinstance(inner, bool)) or not items_ok:
        raise ValueError(f"{kind} takes {takes}; got {repr(inner)[:60]}")
    return value


class UpdatePropertiesArgs(Args):
    page_id: Annotated[str, Field(min_length=1, max_length=100)]
    properties: Annotated[
        dict[str, Annotated[Any, AfterValidator(check_property_value)]],  # a refusal names properties.<name>
        Field(min_length=1, description=f"property name → Notion property value, e.g. {_EXAMPLE}"),
    ]


def update_properties(ctx: ToolContext, args: UpdatePropertiesArgs) -> Output:
    """Sets the properties, having read what they held: the inverse sets those again."""
    notion = ctx.need_notion()
    before = deepcopy(notion.retrieve_page(args.page_id).get("properties", {}))  # a client may reuse it
    page = notion.update_page_properties(args.page_id, args.properties)
    after = page.get("properties", {})
    return {
        "page_id": page["id"],
        "properties": sorted(args.properties),
        "url": page.get("url", ""),
        "inverse": property_inverse(
            args.page_id,
            before,
            after,
            args.properties,
            str((page.get("last_edited_by") or {}).get("id", "")),
        ),
    }


def find_update(ctx: ToolContext, args: UpdatePropertiesArgs) -> Output | None:
    page = ctx.need_notion().retrieve_page(args.page_id)
    current = page.get("properties", {})
    if all(_holds(current.get(name), wanted) for name, wanted in args.properties.items()):
        # Found done after a crash: what the properties held before is gone from the page.
        lost = cannot("the values it replaced were not recorded before an interrupted attempt wrote")
        return {
            "page_id": args.page_id,
            "properties": sorted(args.properties),
            "url": page.get("url", ""),
            "inverse": lost,
        }
    return None


def _holds(have: Any, wanted: Any) -> bool:
    """Whether the page's value ``have`` already is ``wanted``. Anything not shaped as a property
    value (an intent recorded before the arguments were checked so) is not found, never an error:
    the write then meets Notion's own answer."""
    if not isinstance(have, dict) or not isinstance(wanted, dict):
        return False
    try:
        return bool(nt.plain_value(have) == nt.plain_value({"type": have.get("type")} | wanted))
    except (AttributeError, TypeError):  # e.g. {"select": "Done"}: plain_value expects Notion's shapes
        return False


class AppendBlocksArgs(Args):
    page_id: Annotated[str, Field(min_length=1, max_length=100)]
    text: Annotated[str, Field(min_length=1, max_length=50_000), AfterValidator(_one_call_text)]


def append_blocks(ctx: ToolContext, args: AppendBlocksArgs) -> Output:
    """Writes the section; what an earlier attempt of the same call wrote (its marker's section,
    complete or not) is deleted first, so a retry or rerun leaves one copy."""
    appends = _section(ctx, args.text)
    notion = ctx.need_notion()
    nt.clear_section(notion, args.page_id, ctx.key)
    written = nt.write_section(notion, args.page_id, appends)
    return {"page_id": args.page_id, "blocks": written, "inverse": _section_inverse(ctx, args.page_id)}


def _section_inverse(ctx: ToolContext, page_id: str) -> dict[str, Any]:
    """An appended section's inverse: the section its marker (the call's key) starts, deleted."""
    return Inverse(action="clear_section", target=page_id, key=ctx.key).model_dump()


def find_append(ctx: ToolContext, args: AppendBlocksArgs) -> Output | None:
    found = _has_marker(ctx, args.page_id)
    if not found:
        return None
    blocks = len(nt.section(ctx.signature(), args.text)[0].children)
    return {"page_id": args.page_id, "blocks": blocks, "inverse": _section_inverse(ctx, args.page_id)}


class AddCommentArgs(Args):
    page_id: Annotated[str, Field(min_length=1, max_length=100)]
    text: Annotated[str, Field(min_length=1, max_length=1900)]


def add_comment(ctx: ToolContext, args: AddCommentArgs) -> Output:
    text = f"{args.text}\n{signature_line(ctx.signature())}"
    comment = ctx.need_notion().add_comment(args.page_id, text)
    return _commented(args.page_id, comment)


def _commented(page_id: str, comment: dict[str, Any]) -> Output:
    """A comment's result, its inverse the comment deleted (Notion lets a connection delete the
    comments it made: "Delete a comment"); ``written``: its text as Notion answered it, what an undo
    compares with first."""
    comment_id = str(comment.get("id", ""))
    written = {"text": nt.plain(comment.get("rich_text"))}
    inverse = Inverse(action="delete_comment", target=comment_id, written=written).model_dump()
    return {"page_id": page_id, "comment_id": comment_id, "inverse": inverse}


def find_comment(ctx: ToolContext, args: AddCommentArgs) -> Output | None:
    """The comment an earlier attempt made: its signature's link holds the key (or, made before
    decision 0124, its visible last line)."""
    for comment in ctx.need_notion().list_comments(args.page_id):
        if signed(comment.get("rich_text"), [ctx.key]):
            return _commented(args.page_id, comment)
    return None


TOOLS = [
    # The title is a target: find_page looks a page up by its title.
    notion_write(
        "create_page",
        CreatePageArgs,
        "Create a page (under a page or in a data source) with Markdown content (see append_blocks).",
        create_page,
        find=find_page,
        targets=("parent_page_id", "data_source_id", "title"),
    ),
    notion_write(
        "update_properties",
        UpdatePropertiesArgs,
        f"Set properties of a page: property name → Notion property value, e.g. {_EXAMPLE}.",
        update_properties,
        find=find_update,
        targets=("page_id",),
    ),
    notion_write(
        "append_blocks",
        AppendBlocksArgs,
        "Append Markdown to a page: headings (#, ##, ###), **bold**, *italic*, ~~strike~~, `code`, "
        "[links](https://...), nested - / 1. / - [ ] lists, ```lang code fences, > quotes, "
        "> [!NOTE] callouts, <details><summary>Title</summary> toggles, --- dividers, | tables |. "
        f"At most {nt.MAX_REQUESTS} requests of 100 blocks; split longer text across steps.",
        append_blocks,
        find=find_append,
        targets=("page_id",),
    ),
    notion_write(
        "add_comment",
        AddCommentArgs,
        "Comment on a page (inline Markdown: **bold**, *italic*, `code`, links).",
        add_comment,
        find=find_comment,
        targets=("page_id",),
    ),
]
