"""``GET /v1/pages/{page_id}/markdown``: a page's content as Notion's enhanced Markdown.

From Notion's reference ("Retrieve a page as markdown") and its guides ("Working with markdown
content", "Enhanced markdown format"): the answer is ``{"object": "page_markdown", "id", "markdown",
"truncated", "unknown_block_ids"}``; the id may be a page's or a block's (the subtree at that block,
how a truncated answer's ``unknown_block_ids`` are read); a page is rendered up to about 20,000
records (:data:`RECORD_LIMIT`), past which blocks appear as ``<unknown url="..." alt="..."/>``, their
ids in ``unknown_block_ids`` and ``truncated`` true; block types the format has no form for appear as
the same tag without truncating; a 404 when the page or block does not exist.

The format as rendered here: one block a line, children one tab deeper; headings ``#``..``###``;
``- `` / ``1. `` / ``- [ ] `` / ``- [x] `` items; ``> `` quotes; ``<details><summary>`` toggles;
``<callout>``; ``---``; fenced code; ``<table>`` rows; media as ``![caption](url)`` or
``<file src>``; ``<page url>``/``<database url>`` for child pages and databases; ``{color="..."}``
on a block of a colour other than the default; inline ``**bold**``, ``*italic*``, ``~~struck~~``,
`` `code` ``, ``[text](url)``; ``\\`` before the characters the format escapes. The page's title and
properties are not in it (they are the page object's).
"""

from __future__ import annotations

from local.notion_sandbox.errors import not_found
from local.notion_sandbox.ids import normalize_id
from local.notion_sandbox.model import JSON, Workspace
from local.notion_sandbox.pages import page_url

RECORD_LIMIT = 20_000  # records (blocks) one answer renders; the rest are unknown blocks
_ESCAPED = "\\*~`$[]<>{}|^"
_HEADINGS = {"heading_1": "# ", "heading_2": "## ", "heading_3": "### "}
_MEDIA = {"file": "file", "pdf": "pdf", "video": "video", "audio": "audio"}


def escape(text: str) -> str:
    return "".join("\\" + c if c in _ESCAPED else c for c in text)


def inline(items: list[JSON] | None) -> str:
    """Rich text as enhanced Markdown: annotations and links around each item's escaped text."""
    out = []
    for item in items or []:
        text = str(item.get("plain_text", ""))
        notes = item.get("annotations") or {}
        text = f"`{text}`" if notes.get("code") else escape(text)
        if notes.get("bold"):
            text = f"**{text}**"
        if notes.get("italic"):
            text = f"*{text}*"
        if notes.get("strikethrough"):
            text = f"~~{text}~~"
        if item.get("href"):
            text = f"[{text}]({item['href']})"
        out.append(text)
    return "".join(out)


class _Render:
    def __init__(self, ws: Workspace, limit: int) -> None:
        self.ws, self.left = ws, limit
        self.unknown: list[str] = []
        self.truncated = False

    def children(self, container: str, depth: int) -> list[str]:
        return [line for bid in self.ws.children.get(container, []) for line in self.block(bid, depth)]

    def block(self, block_id: str, depth: int) -> list[str]:  # noqa: PLR0911, PLR0912 (a branch a type)
        block = self.ws.blocks[block_id]
        pad = "\t" * depth
        if self.left <= 0:
            self.truncated = True
            self.unknown.append(block_id)
            return [f'{pad}<unknown url="{_url(block_id)}" alt="{block["type"]}"/>']
        self.left -= 1
        kind = block["type"]
        body = block.get(kind) or {}
        color = body.get("color", "default")
        attrs = f' {{color="{color}"}}' if color not in (None, "default") else ""
        text = inline(body.get("rich_text"))
        inner = self.children(block_id, depth + 1)
        if kind == "paragraph":
            head = [f"{pad}{text}{attrs}" if text else f"{pad}<empty-block/>"]
        elif kind in _HEADINGS:
            head = [f"{pad}{_HEADINGS[kind]}{text}{attrs}"]
        elif kind == "bulleted_list_item":
            head = [f"{pad}- {text}{attrs}"]
        elif kind == "numbered_list_item":
            head = [f"{pad}1. {text}{attrs}"]
        elif kind == "to_do":
            head = [f"{pad}- [{'x' if body.get('checked') else ' '}] {text}{attrs}"]
        elif kind == "quote":
            head = [f"{pad}> {text}{attrs}"]
        elif kind == "toggle":
            opened = f'<details color="{color}">' if attrs else "<details>"
            return [f"{pad}{opened}", f"{pad}<summary>{text}</summary>", *inner, f"{pad}</details>"]
        elif kind == "callout":
            icon = (body.get("icon") or {}).get("emoji", "")
            return [f'{pad}<callout icon="{icon}">', f"{pad}\t{text}", *inner, f"{pad}</callout>"]
        elif kind == "divider":
            head = [f"{pad}---"]
        elif kind == "code":
            code = "".join(str(i.get("plain_text", "")) for i in body.get("rich_text") or [])
            lines = [f"{pad}```{body.get('language', '')}", *(pad + line for line in code.split("\n"))]
            return [*lines, f"{pad}```"]
        elif kind == "table":
            return [f"{pad}<table>", *inner, f"{pad}</table>"]
        elif kind == "table_row":
            cells = "".join(f"<td>{inline(cell)}</td>" for cell in body.get("cells", []))
            return [f"{pad}<tr>{cells}</tr>"]
        elif kind == "image":
            head = [f"{pad}![{inline(body.get('caption'))}]({_source(body)})"]
        elif kind in _MEDIA:
            tag = _MEDIA[kind]
            head = [f'{pad}<{tag} src="{_source(body)}">{inline(body.get("caption"))}</{tag}>']
        elif kind == "child_page":
            title = str(body.get("title", ""))
            head = [f'{pad}<page url="{page_url(block_id, title)}">{escape(title)}</page>']
        elif kind == "child_database":
            head = [f'{pad}<database url="{_url(block_id)}">{escape(body.get("title", ""))}</database>']
        else:  # no form in the format (bookmark, embed, link preview, ...): not a truncation
            return [f'{pad}<unknown url="{_url(block_id)}" alt="{kind}"/>']
        return head + inner


def _url(block_id: str) -> str:
    return f"https://www.notion.so/{block_id.replace('-', '')}"


def _source(body: JSON) -> str:
    kind = body.get("type", "external")
    return str((body.get(kind) or {}).get("url", ""))


def page_markdown(ws: Workspace, object_id: str) -> JSON:
    """The ``page_markdown`` object for a page or a block of ``ws`` (see the module). Its query
    parameter ``include_transcript`` changes only meeting notes, which the sandbox does not hold."""
    oid = normalize_id(object_id)
    render = _Render(ws, RECORD_LIMIT)
    if oid in ws.pages:
        lines = render.children(oid, 0)
    elif oid in ws.blocks and not ws.blocks[oid].get("in_trash"):
        lines = render.block(oid, 0)
    else:
        raise not_found(object_id, "page")
    return {
        "object": "page_markdown",
        "id": oid,
        "markdown": "\n".join(lines) + ("\n" if lines else ""),
        "truncated": render.truncated,
        "unknown_block_ids": render.unknown,
    }
