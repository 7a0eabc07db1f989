"""Notion blocks, as read (children nested under ``block[type]["children"]``), and page properties
to Markdown. Pure. Every block type Notion returns has a line; the ones :mod:`shared.notion.domain.markdown`
writes come back as Markdown it turns into the same blocks (tests/unit/notion/test_notion_markdown.py).
"""

from __future__ import annotations

import re
from typing import Any

from shared.notion.domain.markdown import CALLOUT_ICONS

Block = dict[str, Any]
_ICON_KIND = {icon: kind for kind, icon in reversed(CALLOUT_ICONS.items())}
_ESCAPED = re.compile(r"([\\`*_~\[\]<>|])")
_LINE_START = re.compile(r"^(\s*)([#>+-]|\d+[.)])(?=\s|$)")
_MEDIA = ("image", "video", "file", "pdf", "audio")


def plain(items: list[dict[str, Any]] | None) -> str:
    """The plain text of a rich text array, read (``plain_text``) or requested (``text.content``)."""
    out = []
    for item in items or []:
        text = item.get("plain_text")
        if text is None:
            text = (item.get(item.get("type", "text")) or {}).get("content", "")
        out.append(str(text))
    return "".join(out)


def _escape(text: str) -> str:
    return _ESCAPED.sub(r"\\\1", text)


def inline(items: list[dict[str, Any]] | None) -> str:
    """A rich text array as inline Markdown: bold, italic, strikethrough, code and links kept."""
    out = []
    for item in items or []:
        text = plain([item])
        if not text:
            continue
        marks = item.get("annotations") or {}
        kind = item.get("type", "text")
        if kind == "equation":
            out.append(f"${text}$")
            continue
        lead, core, trail = _split_space(text)
        if marks.get("code"):
            ticks = "`" * (max((len(m) for m in re.findall("`+", core)), default=0) + 1)
            pad = " " if core.startswith("`") or core.endswith("`") else ""
            core = f"{ticks}{pad}{core}{pad}{ticks}"
        else:
            core = "  \n".join(_escape(part) for part in core.split("\n"))
        link = (item.get("text") or {}).get("link") or {}
        href = link.get("url") if isinstance(link, dict) else None
        href = href or item.get("href") if kind == "text" and not marks.get("code") else href
        if core and href:
            core = f"[{core}]({href.replace(' ', '%20').replace(')', '%29')})"
        for mark, wrap in (("strikethrough", "~~"), ("italic", "*"), ("bold", "**")):
            if core and marks.get(mark):
                core = f"{wrap}{core}{wrap}"
        out.append(lead + core + trail)
    return "".join(out)


def _split_space(text: str) -> tuple[str, str, str]:
    """Whitespace around ``text`` stays outside its formatting (CommonMark ignores ``** x**``)."""
    core = text.strip(" ")
    if not core:
        return text, "", ""
    start = text.index(core)
    return text[:start], core, text[start + len(core) :]


def _line(text: str) -> str:
    """A paragraph's text that no Markdown reading takes for a heading, list item or quote."""
    return _LINE_START.sub(lambda m: m[1] + "\\" + m[2], text, count=1)


def _children(block: Block) -> list[Block]:
    body = block.get(block.get("type", ""))
    return list(body.get("children") or []) if isinstance(body, dict) else []


def blocks_to_markdown(blocks: list[Block]) -> str:
    """``blocks`` (with their nested children) as Markdown, one blank line between blocks."""
    return _join([_block(b) for b in blocks]).strip("\n") + "\n"


def _join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if not part:
            continue
        if out:
            out += "" if _is_item(out.rstrip("\n").split("\n")[-1]) and _is_item(part) else "\n"
        out += part if part.endswith("\n") else part + "\n"
    return out


def _is_item(text: str) -> bool:
    """A top-level list item's line: lists stay tight (no blank line between items)."""
    return bool(re.match(r"^(- |\d+\. )", text))


def _indent(text: str, prefix: str, first: str | None = None) -> str:
    lines = text.rstrip("\n").split("\n")
    head = first if first is not None else prefix
    return (
        "\n".join([head + lines[0], *[(prefix + line) if line else prefix.rstrip() for line in lines[1:]]])
        + "\n"
    )


def _block(block: Block) -> str:  # noqa: PLR0911, PLR0912 (one branch per block type)
    kind = str(block.get("type", ""))
    body = block.get(kind)
    body = body if isinstance(body, dict) else {}
    text = inline(body.get("rich_text"))
    children = blocks_to_markdown(_children(block)) if _children(block) else ""
    if kind == "paragraph":
        own = _line(text) if text else ""
        return _join([own, children])
    if kind.startswith("heading_"):
        level = int(kind[-1]) if kind[-1].isdigit() else 3
        return _join([f"{'#' * level} {text}", children])
    if kind in ("bulleted_list_item", "numbered_list_item", "to_do"):
        mark = "1. " if kind == "numbered_list_item" else "- "
        if kind == "to_do":
            mark += "[x] " if body.get("checked") else "[ ] "
        pad = " " * (3 if kind == "numbered_list_item" else 2)
        lead = mark + (text or "")
        return _indent(lead + ("\n\n" + children if children else ""), pad, "")
    if kind == "toggle":
        return f"<details><summary>{text}</summary>\n\n{children}\n</details>\n"
    if kind == "quote":
        return _indent(_join([text, children]), "> ")
    if kind == "callout":
        icon = (body.get("icon") or {}).get("emoji", "")
        head = f"[!{_ICON_KIND.get(icon, 'NOTE')}]" + (f" {text}" if text else "")
        return _indent(_join([head, children]), "> ")
    if kind == "code":
        code = plain(body.get("rich_text"))
        fence = "`" * max(3, max((len(m) for m in re.findall("`+", code)), default=0) + 1)
        language = str(body.get("language") or "")
        language = "" if language == "plain text" else language.replace(" ", "-")
        caption = inline(body.get("caption"))
        return f"{fence}{language}\n{code}\n{fence}\n" + (f"\n{caption}\n" if caption else "")
    if kind == "divider":
        return "---\n"
    if kind == "table":
        return _table(block)
    if kind == "table_row":
        return "| " + " | ".join(inline(c).replace("\n", " ") for c in body.get("cells") or []) + " |\n"
    if kind == "equation":
        return f"$$\n{body.get('expression', '')}\n$$\n"
    if kind in ("child_page", "child_database"):
        what = "Page" if kind == "child_page" else "Database"
        return f"{what}: {_escape(str(body.get('title') or 'Untitled'))}\n"
    if kind in _MEDIA:
        return _media(kind, body)
    if kind in ("bookmark", "embed", "link_preview"):
        url = str(body.get("url", ""))
        caption = inline(body.get("caption")) or url
        return f"[{caption}]({url})\n" if url else ""
    if kind == "link_to_page":
        target = body.get(str(body.get("type", ""))) or ""
        return f"Link to page {target}\n"
    if kind in ("synced_block", "column_list", "column", "template", "tab"):
        return _join([text, children])
    if kind in ("table_of_contents", "breadcrumb"):
        return ""
    return _join([text or f"({kind} block: not shown through the API)", children])


def _media(kind: str, body: dict[str, Any]) -> str:
    source = body.get(str(body.get("type", ""))) or {}
    url = str(source.get("url", "")) if isinstance(source, dict) else ""
    caption = inline(body.get("caption")) or str(body.get("name") or kind)
    return (
        (f"![{caption}]({url})\n" if kind == "image" else f"[{caption}]({url})\n") if url else f"{caption}\n"
    )


def _table(block: Block) -> str:
    rows = [r for r in _children(block) if r.get("type") == "table_row"]
    if not rows:
        return ""
    width = max(int(block["table"].get("table_width") or 1), *(len(r["table_row"]["cells"]) for r in rows))
    lines = []
    for index, row in enumerate(rows):
        cells = [inline(c).replace("\n", " ") for c in row["table_row"].get("cells") or []]
        cells += [""] * (width - len(cells))
        lines.append("| " + " | ".join(cells) + " |")
        if index == 0:
            lines.append("|" + "---|" * width)
    return "\n".join(lines) + "\n"


def property_text(value: dict[str, Any]) -> str:  # noqa: PLR0911 (one return per kind of value)
    """A page property's value as one line of text ("" when empty)."""
    kind = str(value.get("type", ""))
    raw = value.get(kind)
    if raw is None:
        return ""
    if kind in ("title", "rich_text"):
        return plain(raw)
    if kind in ("select", "status"):
        return str(raw.get("name", ""))
    if kind == "multi_select":
        return ", ".join(str(v.get("name", "")) for v in raw)
    if kind == "date":
        end = raw.get("end")
        return str(raw.get("start", "")) + (f" → {end}" if end else "")
    if kind in ("people", "created_by", "last_edited_by"):
        people = raw if isinstance(raw, list) else [raw]
        return ", ".join(str(p.get("name") or p.get("id", "")) for p in people)
    if kind == "relation":
        return ", ".join(str(r.get("id", "")) for r in raw)
    if kind == "files":
        return ", ".join(str(f.get("name", "")) for f in raw)
    if kind in ("formula", "rollup"):
        inner = raw.get(raw.get("type", ""))
        if isinstance(inner, list):
            return ", ".join(property_text(v) for v in inner if isinstance(v, dict))
        return (
            property_text({"type": raw.get("type"), raw.get("type", ""): inner})
            if isinstance(inner, dict)
            else ("" if inner is None else str(inner))
        )
    if kind == "unique_id":
        return f"{raw.get('prefix') or ''}{'-' if raw.get('prefix') else ''}{raw.get('number', '')}"
    if kind == "checkbox":
        return "yes" if raw else "no"
    return str(raw) if not isinstance(raw, dict | list) else ""


def title_of(page: dict[str, Any]) -> str:
    """A page's title (its ``title`` property's text)."""
    for value in (page.get("properties") or {}).values():
        if isinstance(value, dict) and value.get("type") == "title":
            return plain(value.get("title"))
    return ""


def properties_markdown(page: dict[str, Any]) -> str:
    """A page's properties other than its title, one ``- Name: value`` line each (empty ones left out)."""
    lines = []
    for name, value in (page.get("properties") or {}).items():
        if not isinstance(value, dict) or value.get("type") == "title":
            continue
        text = property_text(value)
        if text:
            lines.append(f"- {_escape(str(name))}: {_escape(text)}")
    return "\n".join(lines) + ("\n" if lines else "")


_ATTRIBUTES = re.compile(r'\s*\{(?:\w+="[^"]*"\s*)+\}\s*$')  # {color="red"}, {toggle="true" ...}
_DROPPED = re.compile(
    r"^\s*(</?(?:callout|table|columns|column|synced_block)\b[^>]*>|:::.*|<empty-block/>)\s*$"
)
_UNKNOWN = re.compile(r'<unknown url="[^"]*" alt="[^"]*"/>')
_REFERENCE = re.compile(r'<(page|database) url="[^"]*"[^>]*>(.*?)</\1>')
_CELL = re.compile(r"<td[^>]*>(.*?)</td>")
_OPENING_DETAILS = re.compile(r"<details\b[^>]*>")


def from_enhanced(markdown: str, title: str = "") -> str:
    """Notion's enhanced Markdown (``GET /v1/pages/{id}/markdown``) as the plain Markdown the index
    and the model read, in the shape :func:`blocks_to_markdown` gives. Dropped, their text kept: block
    attributes (colours), container tags (callout, table, columns, synced blocks), empty blocks and
    unknown-block tags. Table rows become ``| a | b |``, child pages and databases ``Page: T`` and
    ``Database: T``, a tab of nesting two spaces. A first ``# title`` line repeating the page's
    title is left out: the reader writes the title."""
    lines: list[str] = []
    for raw in markdown.splitlines():
        tabs = len(raw) - len(raw.lstrip("\t"))
        line = _ATTRIBUTES.sub("", raw[tabs:])
        if _DROPPED.match(line):
            continue
        line = _UNKNOWN.sub("", _OPENING_DETAILS.sub("<details>", line))
        line = _REFERENCE.sub(lambda m: f"{m[1].capitalize()}: {m[2]}", line)
        if line.startswith("<tr"):  # a row sits one tab inside its table: at the table's depth here
            line, tabs = "| " + " | ".join(_CELL.findall(line)) + " |", max(tabs - 1, 0)
        if not lines and title and line.strip() == f"# {_escape(title)}".strip():
            continue
        lines.append("  " * tabs + line if line.strip() else "")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def page_content(answer: dict[str, Any], title: str, chars: int) -> tuple[str, str]:
    """A ``page_markdown`` answer's content as plain Markdown (:func:`from_enhanced`), at most
    ``chars`` characters, and why it was cut short ("" when whole). It is cut short when Notion left
    blocks out (``truncated``: past its limit of about 20,000 blocks, or not shared with the
    integration), or when it is longer than ``chars``."""
    content = from_enhanced(str(answer.get("markdown") or ""), title)
    cut = ""
    if answer.get("truncated"):
        left_out = len(answer.get("unknown_block_ids") or [])
        cut = f"Notion left out {left_out} blocks (past its record limit, or not shared with the agent)"
    if len(content) > chars:
        content, cut = content[:chars], cut or f"more than {chars} characters"
    return content, cut
