"""Plain text in and out of Notion objects, and the marker that makes an effect findable by key.

Notion has no hidden fields, so a run's write carries a small visible provenance line,
``Notion Agent · ref <tenant tag>-<run:step:call>`` (gray, italic): the last block of a created page
or an appended batch, the last line of a comment. Reconciliation looks for exactly that text. Text
is split to Notion's limits by :mod:`shared.domain.blocks`.
"""

from collections.abc import Iterable
from typing import Any

from shared.domain.blocks import Span, rich_text, text_blocks

MAX_BLOCKS = 99  # + the marker = Notion's 100 per request, so one call is one atomic effect


def marker_text(key: str) -> str:
    return f"Notion Agent · ref {key}"


def rich(text: str) -> list[dict[str, Any]]:
    """Rich text request items for ``text``, each within Notion's 2,000 UTF-16 units."""
    return rich_text(text)


def plain(items: Iterable[dict[str, Any]] | None) -> str:
    return "".join(str(i.get("plain_text") or i.get("text", {}).get("content", "")) for i in items or [])


def blocks_from_text(text: str) -> list[dict[str, Any]]:
    """Paragraphs from text: ``# `` lines become headings, ``- `` lines bullets; every line is kept
    (the write tools refuse text of more than ``MAX_BLOCKS`` blocks, see :func:`too_many_blocks`)."""
    blocks: list[dict[str, Any]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        kind, body = "paragraph", line
        if line.startswith("# "):
            kind, body = "heading_2", line[2:]
        elif line.startswith(("- ", "* ")):
            kind, body = "bulleted_list_item", line[2:]
        blocks.extend(text_blocks(kind, body))
    return blocks


def too_many_blocks(text: str) -> str:
    """Why ``text`` does not fit one write call with its marker (one atomic request), or ""."""
    count = len(blocks_from_text(text))
    if count <= MAX_BLOCKS:
        return ""
    return (
        f"the text makes {count} blocks (one per non-empty line) and one call writes at most {MAX_BLOCKS}: "
        "shorten it, or split it across several append_blocks steps"
    )


def marker_block(key: str) -> dict[str, Any]:
    [block] = text_blocks("paragraph", [Span(marker_text(key), italic=True)], color="gray")
    return block


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
