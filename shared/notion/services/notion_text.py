"""Plain text in and out of Notion objects, a run's writes (sections), and the marker that finds them.

A write is signed "Notion Agent" (gray, italic), its key in the signature's link
(:mod:`shared.notify.domain.provenance`, decision 0124): the first block of a written section, the last
line of a comment. A section needing several requests is signed with `` (writing)``, completed when the
last request is done. Text goes through :mod:`shared.notion.domain.markdown` only. Rules: docs/engine.md.
"""

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from shared.notify.domain import provenance
from shared.notify.domain.provenance import Mark, marker_url
from shared.notion.domain.blocks import rich_text
from shared.notion.domain.markdown import Append, markdown_to_blocks, plan_appends

if TYPE_CHECKING:
    from shared.notion.ports import TenantNotion

MAX_REQUESTS = 10  # append requests one write may take (each at most 100 blocks)


def plain(items: Iterable[dict[str, Any]] | None) -> str:
    return "".join(str(i.get("plain_text") or i.get("text", {}).get("content", "")) for i in items or [])


def marker_block(link: str, *, writing: bool = False) -> dict[str, Any]:
    """The signature paragraph whose link is ``link`` (:func:`marker_url`, which holds the key)."""
    items = provenance.signature_items(link, writing=writing)
    return {"object": "block", "type": "paragraph", "paragraph": {"rich_text": items, "color": "gray"}}


def mark(block: dict[str, Any]) -> Mark | None:
    """The signature ``block`` is (its key, whether unfinished), new form or old; None for another."""
    body = block.get(block.get("type", ""), {})
    return provenance.mark_of(body.get("rich_text")) if isinstance(body, dict) else None


def is_marker(block: dict[str, Any], key: str, *, writing: bool | None = None) -> bool:
    """Whether ``block`` is ``key``'s signature (unfinished or not when ``writing`` is given)."""
    found = mark(block)
    return found is not None and found.key == key and writing in (None, found.writing)


def section(link: str, markdown: str) -> list[Append]:
    """The requests writing ``markdown`` as a section led by the signature linking to ``link``, in
    order; it says `` (writing)`` when they are several, until :func:`write_section` completes it."""
    appends = plan_appends([marker_block(link), *markdown_to_blocks(markdown)])
    if len(appends) > 1:
        first = appends[0]
        appends[0] = first._replace(children=[marker_block(link, writing=True), *first.children[1:]])
    return appends


def too_many_requests(text: str) -> str:
    """Why ``text`` does not fit one write (``MAX_REQUESTS`` requests with its marker), or ""."""
    count = len(section(marker_url("", "x"), text))
    if count <= MAX_REQUESTS:
        return ""
    return (
        f"the text needs {count} requests of at most 100 blocks and one call writes at most "
        f"{MAX_REQUESTS}: shorten it, or split it across several append_blocks steps"
    )


def write_section(
    notion: "TenantNotion", target: str, appends: list[Append], made: list[dict[str, Any]] | None = None
) -> int:
    """Run ``appends`` (from :func:`section`) under ``target`` in order, then complete the marker;
    ``made``: the first request's blocks when it was already carried out (a page created with them).
    Returns the top-level blocks written."""
    ids: dict[int, str] = {}
    written, marker = 0, ""
    for index, append in enumerate(appends):
        parent = target if append.parent < 0 else ids[append.parent]
        if index > 0 or made is None:
            made = notion.append_blocks(parent, append.children)
        written += len(made) if append.parent < 0 else 0
        if index == 0 and len(appends) > 1:
            marker = str(made[0]["id"])  # the section's first block: completed once the rest is written
        for handle, path in append.handles:
            ids[handle] = _block_id(notion, made, path)
    if marker:
        done = marker_block(_link_of(appends))
        notion.update_block(marker, {"paragraph": done["paragraph"]})
    return written


def create_with_section(
    notion: "TenantNotion", parent: dict[str, Any], properties: dict[str, Any], appends: list[Append]
) -> dict[str, Any]:
    """Create a page whose content is ``appends`` (from :func:`section`): the first request's blocks
    with the page, the rest written after them (:func:`write_section`). Returns the page."""
    page = notion.create_page(parent, properties, appends[0].children)
    if len(appends) > 1:
        made = list(islice(notion.list_children(page["id"]), len(appends[0].children)))
        write_section(notion, page["id"], appends, made)
    return page


def _link_of(appends: list[Append]) -> str:
    return str(appends[0].children[0]["paragraph"]["rich_text"][0]["text"]["link"]["url"])


def _block_id(notion: "TenantNotion", made: list[dict[str, Any]], path: tuple[int, ...]) -> str:
    """The id of the block at ``path`` below the created blocks ``made``."""
    block = made[path[0]]
    for index in path[1:]:
        block = next(islice(notion.list_children(str(block["id"])), index, None))
    return str(block["id"])


def section_blocks(notion: "TenantNotion", parent: str, key: str) -> list[dict[str, Any]]:
    """``key``'s section under ``parent``, complete or not: its marker and the blocks after it the
    same author wrote, up to the next marker or anyone else's block (empty: no such section)."""
    found: list[dict[str, Any]] = []
    children: Iterator[dict[str, Any]] = notion.list_children(parent)
    for block in children:
        if is_marker(block, key):
            author = (block.get("created_by") or {}).get("id")
            found.append(block)
            for after in children:
                if mark(after) is not None or (after.get("created_by") or {}).get("id") != author:
                    break
                found.append(after)
            break
    return found


def clear_section(notion: "TenantNotion", parent: str, key: str) -> int:
    """Delete ``key``'s section under ``parent`` (:func:`section_blocks`). Returns the blocks deleted."""
    doomed = [str(block["id"]) for block in section_blocks(notion, parent, key)]
    for block_id in doomed:
        notion.delete_block(block_id)
    return len(doomed)


def rich(text: str) -> list[dict[str, Any]]:
    """Rich text request items for plain ``text`` (a title), each within Notion's 2,000 UTF-16 units."""
    return rich_text(text)


def block_text(block: dict[str, Any]) -> str:
    body = block.get(block.get("type", ""), {})
    return plain(body.get("rich_text")) if isinstance(body, dict) else ""


def title_of(page: dict[str, Any]) -> str:
    for value in page.get("properties", {}).values():
        if value.get("type") == "title":
            return plain(value.get("title"))
    return ""


def plain_value(value: dict[str, Any]) -> Any:
    kind = value.get("type", "")
    raw = value.get(kind)
    if kind in ("title", "rich_text"):
        return plain(raw)
    if kind in ("select", "status"):
        return raw.get("name") if raw else None
    if kind == "multi_select":
        return [v.get("name") for v in raw or []]
    if kind == "date":
        return raw.get("start") if raw else None
    if kind == "people":
        return [v.get("id") for v in raw or []]
    return raw


def plain_properties(page: dict[str, Any]) -> dict[str, Any]:
    return {name: plain_value(v) for name, v in page.get("properties", {}).items()}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
