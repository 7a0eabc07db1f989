"""Rich text split to Notion's limits, text blocks and append batches. Pure.

Limits (Notion's request limits reference): at most 2,000 characters per rich text ``text.content``,
100 elements per rich text array and 100 blocks per append (or page create). Notion counts string
length in UTF-16 code units, so an emoji counts twice. Every split keeps the UTF-16 length within the
limit and never cuts a character in two, which keeps the code-point length (what the local sandbox
counts) within it too.
"""

from collections.abc import Iterator
from typing import Any, NamedTuple

MAX_TEXT = 2000
MAX_RICH_TEXT_ITEMS = 100
MAX_BLOCKS_PER_APPEND = 100

Block = dict[str, Any]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Consecutive pieces of ``text``, each at most ``limit`` UTF-16 units; ``"".join`` gives it back."""
    pieces: list[str] = []
    start, used = 0, 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if used + width > limit:
            pieces.append(text[start:index])
            start, used = index, 0
        used += width
    if start < len(text):
        pieces.append(text[start:])
    return pieces


class Span(NamedTuple):
    """A run of text with one set of annotations."""

    text: str
    bold: bool = False
    italic: bool = False
    strikethrough: bool = False
    code: bool = False
    link: str | None = None


def rich_text(spans: str | list[Span]) -> list[dict[str, Any]]:
    """Rich text request items for ``spans`` (a plain string is one span), each within 2,000 units."""
    items: list[dict[str, Any]] = []
    for span in [Span(spans)] if isinstance(spans, str) else spans:
        annotations = {
            name: True for name in ("bold", "italic", "strikethrough", "code") if getattr(span, name)
        }
        for piece in split_text(span.text):
            item: dict[str, Any] = {
                "type": "text",
                "text": {"content": piece, "link": {"url": span.link} if span.link else None},
            }
            if annotations:
                item["annotations"] = annotations
            items.append(item)
    return items


def text_blocks(kind: str, spans: str | list[Span], **extra: Any) -> list[Block]:
    """One block of ``kind`` per 100 rich text items (very long text becomes several blocks)."""
    items = rich_text(spans) or [{"type": "text", "text": {"content": "", "link": None}}]
    return [
        {"object": "block", "type": kind, kind: {"rich_text": items[i : i + MAX_RICH_TEXT_ITEMS], **extra}}
        for i in range(0, len(items), MAX_RICH_TEXT_ITEMS)
    ]


def batches(blocks: list[Block], size: int = MAX_BLOCKS_PER_APPEND) -> Iterator[list[Block]]:
    """``blocks`` in order, ``size`` at a time (what one append request may carry)."""
    for start in range(0, len(blocks), size):
        yield blocks[start : start + size]
