"""Markdown to Notion block request objects (markdown-it-py), and the requests that write them. Pure.

Blocks: paragraphs, headings (4-6 become heading_3), bulleted, numbered and ``[ ]``/``[x]`` to-do
items nesting as deep as written, fenced code with Notion's language names, quotes, ``> [!NOTE]``
callouts, ``<details><summary>`` toggles, dividers and tables. Inline: bold, italic, ``~~strike~~``,
code and http(s)/mailto links. :func:`plan_appends` splits a tree into requests within Notion's limits.
"""

from __future__ import annotations

import re
from collections import deque
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

from shared.notify.domain import provenance
from shared.notion.domain.blocks import (
    MAX_BLOCKS_PER_APPEND,
    MAX_RICH_TEXT_ITEMS,
    Block,
    Span,
    rich_text,
    text_blocks,
)

MAX_NESTING = 2  # levels of children one request may carry below its top-level blocks
MAX_URL = 2000


@cache
def _parser() -> MarkdownIt:
    """The parser, built at the first conversion: a function that writes no text loads none of it."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def _tree(tokens: list[Any]) -> SyntaxTreeNode:
    from markdown_it.tree import SyntaxTreeNode

    return SyntaxTreeNode(tokens)


# Notion's code block languages (@notionhq/client 5.26.0, LanguageRequest).
CODE_LANGUAGES = frozenset({
    "abap", "abc", "agda", "arduino", "ascii art", "assembly", "bash", "basic", "bnf", "c", "c#", "c++",
    "clojure", "coffeescript", "coq", "css", "dart", "dhall", "diff", "docker", "ebnf", "elixir", "elm",
    "erlang", "f#", "flow", "fortran", "gherkin", "glsl", "go", "graphql", "groovy", "haskell", "hcl",
    "html", "idris", "java", "javascript", "json", "julia", "kotlin", "latex", "less", "lisp",
    "livescript", "llvm ir", "lua", "makefile", "markdown", "markup", "matlab", "mathematica", "mermaid",
    "nix", "notion formula", "objective-c", "ocaml", "pascal", "perl", "php", "plain text", "powershell",
    "prolog", "protobuf", "purescript", "python", "r", "racket", "reason", "ruby", "rust", "sass", "scala",
    "scheme", "scss", "shell", "smalltalk", "solidity", "sql", "swift", "toml", "typescript", "vb.net",
    "verilog", "vhdl", "visual basic", "webassembly", "xml", "yaml", "java/c/c++/c#",
})  # fmt: skip
_LANGUAGE_ALIASES = {
    "py": "python", "python3": "python", "js": "javascript", "jsx": "javascript", "ts": "typescript",
    "tsx": "typescript", "sh": "shell", "zsh": "shell", "console": "shell", "yml": "yaml", "cpp": "c++",
    "cs": "c#", "csharp": "c#", "md": "markdown", "dockerfile": "docker", "text": "plain text",
    "txt": "plain text", "plaintext": "plain text", "golang": "go", "rs": "rust", "rb": "ruby",
    "kt": "kotlin", "tf": "hcl", "terraform": "hcl", "objc": "objective-c", "ps1": "powershell",
    "proto": "protobuf", "patch": "diff", "htm": "html", "tex": "latex",
}  # fmt: skip
CALLOUT_ICONS = {
    "NOTE": "💡",
    "TIP": "💡",
    "INFO": "\u2139\ufe0f",
    "IMPORTANT": "❗",
    "WARNING": "⚠️",
    "CAUTION": "🛑",
}
_CALLOUT = re.compile(r"^\[!(?P<kind>[A-Za-z]+)\][ \t]*")
_TODO = re.compile(r"^\[(?P<mark>[ xX])\](?:[ \t]+|$)")
_DETAILS_PARTS = re.compile(
    r"(?P<open><details\b[^>]*>)|<summary\b[^>]*>(?P<summary>.*?)</summary\s*>|(?P<close></details\s*>)",
    re.IGNORECASE | re.DOTALL,
)
_PLAIN = Span("")
_LINKABLE = re.compile(r"^(?:https?://[^\s]+|mailto:[^\s]+)$", re.IGNORECASE)


def code_language(name: str) -> str:
    """Notion's name for a fence's language (its first word); ``plain text`` for one it lacks."""
    words = name.strip().lower().split()
    lowered = _LANGUAGE_ALIASES.get(words[0], words[0]) if words else ""
    return lowered if lowered in CODE_LANGUAGES else "plain text"


def markdown_to_blocks(markdown: str) -> list[Block]:
    """Notion block request objects for ``markdown``, children nested as written (unbounded: see
    :func:`plan_appends`). Every rich text item holds at most 2,000 UTF-16 units, every array 100."""
    return _blocks(_tree(_parser().parse(markdown)).children)


def inline_spans(markdown: str) -> list[Span]:
    """The inline formatting of ``markdown`` (line breaks kept), as for a comment's rich text."""
    tokens = _parser().parseInline(markdown)
    return _spans(_tree(tokens).children[0]) if tokens else []


def inline_rich_text(markdown: str) -> list[dict[str, Any]]:
    """Rich text request items for ``markdown``'s inline formatting (each within 2,000 units)."""
    return rich_text(_merged(inline_spans(markdown)))


def comment_rich_text(text: str) -> list[dict[str, Any]]:
    """A comment's rich text: ``text`` as inline Markdown, except a last line that is the agent's
    signature (``provenance.signature_line``), always kept whole so the comment is found again by its
    link; at most 100 items."""
    body, _, last = text.rpartition("\n")
    url = provenance.url_of_line(last)
    if url is None:
        return inline_rich_text(text)[:MAX_RICH_TEXT_ITEMS]
    marker = (rich_text("\n") if body else []) + provenance.signature_items(url)
    return inline_rich_text(body)[: MAX_RICH_TEXT_ITEMS - len(marker)] + marker


_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # ASCII punctuation: CommonMark escapes every one


def literal(text: str) -> str:
    """``text`` as Markdown that renders as itself, on one line. Whitespace runs and control
    characters (line breaks included) become one space. Every ASCII punctuation character is
    backslash-escaped, so no heading, list, link, emphasis, code or HTML can come of it."""
    joined = " ".join("".join(" " if c < " " or "\x7f" <= c <= "\x9f" else c for c in text).split())
    return _PUNCTUATION.sub(r"\\\1", joined)


# --- inline ---------------------------------------------------------------------------------------


def _spans(node: SyntaxTreeNode, style: Span = _PLAIN) -> list[Span]:
    out: list[Span] = []
    for child in node.children:
        kind = child.type
        if kind == "text":
            out.append(style._replace(text=child.content))
        elif kind in ("softbreak", "hardbreak"):
            out.append(style._replace(text="\n"))
        elif kind == "code_inline":
            out.append(style._replace(text=child.content, code=True))
        elif kind == "html_inline":
            out.append(
                style._replace(
                    text="\n" if re.fullmatch(r"<br\s*/?>", child.content, re.I) else child.content
                )
            )
        elif kind == "strong":
            out += _spans(child, style._replace(bold=True))
        elif kind == "em":
            out += _spans(child, style._replace(italic=True))
        elif kind == "s":
            out += _spans(child, style._replace(strikethrough=True))
        elif kind in ("link", "image"):
            href = str(child.attrs.get("href") or child.attrs.get("src") or "")
            linked = style._replace(link=href) if _LINKABLE.match(href) and len(href) <= MAX_URL else style
            inner = _spans(child, linked) if kind == "link" else [linked._replace(text=child.content or href)]
            out += inner
        else:
            out += _spans(child, style) if child.children else [style._replace(text=child.content)]
    return out


def _merged(spans: list[Span]) -> list[Span]:
    """Neighbouring spans with the same formatting as one (fewer rich text items)."""
    out: list[Span] = []
    for span in spans:
        if not span.text:
            continue
        if out and out[-1]._replace(text="") == span._replace(text=""):
            out[-1] = out[-1]._replace(text=out[-1].text + span.text)
        else:
            out.append(span)
    return out


def _inline(node: SyntaxTreeNode | None) -> list[Span]:
    return _merged(_spans(node)) if node is not None else []


def _first_inline(node: SyntaxTreeNode) -> SyntaxTreeNode | None:
    return next((c for c in node.children if c.type == "inline"), None)


def _strip_prefix(spans: list[Span], pattern: re.Pattern[str]) -> tuple[re.Match[str] | None, list[Span]]:
    """``pattern`` matched at the start of the first span's text, and the spans without it."""
    if not spans or spans[0].code or not (match := pattern.match(spans[0].text)):
        return None, spans
    rest = spans[0].text[match.end() :].removeprefix("\n")  # ``> [!NOTE]`` on a line of its own
    return match, _merged([spans[0]._replace(text=rest), *spans[1:]])


# --- blocks ---------------------------------------------------------------------------------------


def _with_children(blocks: list[Block], children: list[Block]) -> list[Block]:
    """``blocks`` (one block split for its rich text, or one) with ``children`` under the last."""
    if children:
        last = blocks[-1]
        last[last["type"]]["children"] = children
    return blocks


def _blocks(nodes: list[SyntaxTreeNode]) -> list[Block]:
    """Blocks of sibling nodes; ``<details>`` HTML opens a toggle that takes the siblings after it."""
    stack: list[tuple[list[Span] | None, list[Block]]] = [(None, [])]
    for node in nodes:
        if node.type != "html_block" or not _DETAILS_PARTS.search(node.content):
            stack[-1][1].extend(_block(node))
            continue
        position = 0
        for part in _DETAILS_PARTS.finditer(node.content):
            stack[-1][1].extend(markdown_to_blocks(node.content[position : part.start()]))
            position = part.end()
            if part["open"]:
                stack.append((None, []))
            elif part["close"] and len(stack) > 1:
                _close(stack)
            elif part["summary"] is not None and len(stack) > 1 and stack[-1][0] is None:
                stack[-1] = (_merged(inline_spans(part["summary"].strip())), stack[-1][1])
        stack[-1][1].extend(markdown_to_blocks(node.content[position:]))
    while len(stack) > 1:
        _close(stack)
    return stack[0][1]


def _close(stack: list[tuple[list[Span] | None, list[Block]]]) -> None:
    summary, children = stack.pop()
    toggle = text_blocks("toggle", summary or [Span("Details")])
    stack[-1][1].extend(_with_children(toggle, children))


def _block(node: SyntaxTreeNode) -> list[Block]:  # noqa: PLR0911 (one return per construct)
    kind = node.type
    if kind == "paragraph":
        return text_blocks("paragraph", _inline(_first_inline(node)))
    if kind == "heading":
        level = min(int(node.tag[1:]), 3)
        return text_blocks(f"heading_{level}", _inline(_first_inline(node)))
    if kind in ("bullet_list", "ordered_list"):
        item = "bulleted_list_item" if kind == "bullet_list" else "numbered_list_item"
        return [b for child in node.children for b in _item(item, child)]
    if kind in ("fence", "code_block"):
        language = code_language(node.info) if kind == "fence" else "plain text"
        return text_blocks("code", node.content.removesuffix("\n"), language=language)
    if kind == "hr":
        return [{"object": "block", "type": "divider", "divider": {}}]
    if kind == "blockquote":
        return _quote(node)
    if kind == "table":
        return _table(node)
    if kind == "html_block":
        return text_blocks("paragraph", node.content.strip("\n")) if node.content.strip() else []
    return text_blocks("paragraph", node.content) if node.content.strip() else []


def _lead(node: SyntaxTreeNode) -> tuple[list[Span], list[SyntaxTreeNode]]:
    """A container's first paragraph's text (its own line in Notion) and the nodes after it."""
    children = list(node.children)
    if children and children[0].type == "paragraph":
        return _inline(_first_inline(children[0])), children[1:]
    return [], children


def _item(kind: str, node: SyntaxTreeNode) -> list[Block]:
    spans, rest = _lead(node)
    extra: dict[str, Any] = {}
    match, stripped = _strip_prefix(spans, _TODO)
    if match is not None:
        kind, spans, extra = "to_do", stripped, {"checked": match["mark"] in "xX"}
    return _with_children(text_blocks(kind, spans, **extra), _blocks(rest))


def _quote(node: SyntaxTreeNode) -> list[Block]:
    spans, rest = _lead(node)
    match, stripped = _strip_prefix(spans, _CALLOUT)
    if match is not None and match["kind"].upper() in CALLOUT_ICONS:
        icon = {"type": "emoji", "emoji": CALLOUT_ICONS[match["kind"].upper()]}
        return _with_children(text_blocks("callout", stripped, icon=icon), _blocks(rest))
    return _with_children(text_blocks("quote", spans), _blocks(rest))


def _table(node: SyntaxTreeNode) -> list[Block]:
    rows = [tr for part in node.children for tr in part.children if tr.type == "tr"]
    width = max((len(tr.children) for tr in rows), default=1)
    made = [_row(tr, width) for tr in rows]
    header = bool(node.children) and node.children[0].type == "thead"
    body = {"table_width": width, "has_column_header": header, "has_row_header": False, "children": made}
    return [{"object": "block", "type": "table", "table": body}]


def _row(tr: SyntaxTreeNode, width: int) -> Block:
    cells = [_cell(_inline(_first_inline(cell))) for cell in tr.children]
    cells += [[] for _ in range(width - len(cells))]
    return {"object": "block", "type": "table_row", "table_row": {"cells": cells}}


def _cell(spans: list[Span]) -> list[dict[str, Any]]:
    """A cell's rich text; past 100 items the rest is kept as plain text (a cell is one array)."""
    items = rich_text(spans)
    if len(items) <= MAX_RICH_TEXT_ITEMS:
        return items
    head = items[: MAX_RICH_TEXT_ITEMS // 2]
    rest = "".join(i["text"]["content"] for i in items[MAX_RICH_TEXT_ITEMS // 2 :])
    return head + rich_text(rest)[: MAX_RICH_TEXT_ITEMS - len(head)]


# --- requests -------------------------------------------------------------------------------------


class Append(NamedTuple):
    """One append request: ``children`` (at most ``MAX_BLOCKS_PER_APPEND`` blocks, counting nested
    ones, at most ``MAX_NESTING`` levels deep) under ``parent``: -1 for the target, else a handle an
    earlier request named. ``handles``: (handle, path of a block in ``children``) whose id later
    requests need, a path being the block's index at each level."""

    parent: int
    children: list[Block]
    handles: list[tuple[int, tuple[int, ...]]]


def count_blocks(blocks: list[Block]) -> int:
    """Blocks in ``blocks``, nested ones included."""
    return sum(1 + count_blocks(b[b["type"]].get("children", [])) for b in blocks)


def plan_appends(blocks: list[Block], budget: int = MAX_BLOCKS_PER_APPEND) -> list[Append]:
    """Requests that write ``blocks`` in order: each within Notion's 100 blocks and two levels of
    children; children past either go in later requests to the block that holds them (a table
    always carries at least one row, as Notion requires). Run in order, they rebuild the tree."""
    appends: list[Append] = []
    queue: deque[tuple[int, list[Block]]] = deque([(-1, blocks)])
    handle = 0
    while queue:
        parent, nodes = queue.popleft()
        start = 0
        while start < len(nodes):
            taken: list[Block] = []
            deferred: list[tuple[tuple[int, ...], list[Block]]] = []
            left = budget
            while start < len(nodes) and (got := _take(nodes[start], 0, left)) is not None:
                block, used, pending = got
                taken.append(block)
                deferred += [((len(taken) - 1, *path), rest) for path, rest in pending]
                left -= used
                start += 1
            handles = []
            for path, rest in deferred:
                handles.append((handle, path))
                queue.append((handle, rest))
                handle += 1
            appends.append(Append(parent, taken, handles))
    return appends


def _take(
    node: Block, depth: int, left: int
) -> tuple[Block, int, list[tuple[tuple[int, ...], list[Block]]]] | None:
    """``node`` as far as ``left`` blocks and the nesting allow: the request object, the blocks it
    holds, and (relative path, children) left for later; None if it cannot go in at all."""
    kind = node["type"]
    body = node[kind]
    children: list[Block] = body.get("children", [])
    if left < (2 if kind == "table" else 1) or (kind == "table" and depth >= MAX_NESTING):
        return None
    copy = {**node, kind: {k: v for k, v in body.items() if k != "children"}}
    if not children:
        return copy, 1, []
    if depth >= MAX_NESTING:
        return copy, 1, [((), children)]
    used, taken, pending = 1, [], []
    index = 0
    while index < len(children) and (got := _take(children[index], depth + 1, left - used)) is not None:
        block, count, sub = got
        taken.append(block)
        pending += [((len(taken) - 1, *path), rest) for path, rest in sub]
        used += count
        index += 1
    if taken:
        copy[kind]["children"] = taken
    if index < len(children):
        pending.insert(0, ((), children[index:]))
    return copy, used, pending
