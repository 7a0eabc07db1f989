"""Simple markdown to Notion block request objects. Pure.

Blocks: paragraphs, ``#`` to ``###`` headings, ``-``/``*`` bullets, ``1.`` numbers, ``- [ ]``/``- [x]``
to-dos, fenced code with a language, ``>`` quotes, ``> [!NOTE]`` callouts (also TIP, INFO, IMPORTANT,
WARNING, CAUTION), ``---`` dividers and ``<details><summary>`` toggles. List items nest by indentation.
Children nest at most two levels below a top-level block (Notion's limit in one request); deeper ones
follow their parent. Inline: ``**bold**``, ``*italic*``/``_italic_``, ``~~strike~~``, `` `code` ``, links.
"""

import re
from typing import Any

from shared.domain.blocks import Block, Span, text_blocks

MAX_NESTING = 2

_INLINE = re.compile(
    r"`(?P<code>[^`\n]+)`"
    r"|\*\*(?P<bold>[^*\n]+)\*\*"
    r"|~~(?P<strike>[^~\n]+)~~"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>https?://[^)\s]+)\)"
    r"|(?<![\w*])\*(?P<italic>[^*\n]+)\*(?![\w*])"
    r"|(?<!\w)_(?P<italic2>[^_\n]+)_(?!\w)"
)


def parse_inline(text: str) -> list[Span]:
    spans: list[Span] = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            spans.append(Span(text[position : match.start()]))
        if match["code"] is not None:
            spans.append(Span(match["code"], code=True))
        elif match["bold"] is not None:
            spans.append(Span(match["bold"], bold=True))
        elif match["strike"] is not None:
            spans.append(Span(match["strike"], strikethrough=True))
        elif match["label"] is not None:
            spans.append(Span(match["label"], link=match["url"]))
        else:
            spans.append(Span(match["italic"] or match["italic2"], italic=True))
        position = match.end()
    if position < len(text):
        spans.append(Span(text[position:]))
    return spans


CODE_LANGUAGES = {
    "bash", "c", "c#", "c++", "css", "diff", "docker", "go", "graphql", "html", "java", "javascript",
    "json", "kotlin", "makefile", "markdown", "php", "plain text", "python", "ruby", "rust", "scss",
    "shell", "sql", "swift", "typescript", "xml", "yaml",
}  # fmt: skip
_LANGUAGE_ALIASES = {
    "py": "python", "js": "javascript", "ts": "typescript", "sh": "shell", "zsh": "shell",
    "yml": "yaml", "cpp": "c++", "cs": "c#", "md": "markdown", "dockerfile": "docker", "text": "plain text",
}  # fmt: skip
CALLOUT_ICONS = {
    "NOTE": "💡",
    "TIP": "💡",
    "INFO": "\u2139\ufe0f",
    "IMPORTANT": "❗",
    "WARNING": "⚠️",
    "CAUTION": "🛑",
}

_FENCE = re.compile(r"^\s*```\s*(?P<lang>[\w+#. -]*?)\s*$")
_HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<text>.*)$")
_DIVIDER = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_TODO = re.compile(r"^(?P<indent>\s*)[-*+]\s+\[(?P<mark>[ xX])\]\s+(?P<text>.*)$")
_BULLET = re.compile(r"^(?P<indent>\s*)[-*+]\s+(?P<text>.*)$")
_NUMBER = re.compile(r"^(?P<indent>\s*)\d{1,9}[.)]\s+(?P<text>.*)$")
_CALLOUT = re.compile(r"^>\s*\[!(?P<kind>[A-Za-z]+)\]\s*(?P<text>.*)$")
_QUOTE = re.compile(r"^>\s?(?P<text>.*)$")
_DETAILS = re.compile(r"^\s*<details>\s*(?:<summary>(?P<summary>.*?)</summary>)?\s*$", re.IGNORECASE)
_SUMMARY = re.compile(r"^\s*<summary>(?P<summary>.*?)</summary>\s*$", re.IGNORECASE)
_END_DETAILS = re.compile(r"^\s*</details>\s*$", re.IGNORECASE)


def code_language(name: str) -> str:
    lowered = name.strip().lower()
    lowered = _LANGUAGE_ALIASES.get(lowered, lowered)
    return lowered if lowered in CODE_LANGUAGES else "plain text"


def markdown_to_blocks(markdown: str) -> list[Block]:
    """Notion block request objects for ``markdown`` (see the module docstring for what is understood)."""
    return _Parser(markdown.replace("\r\n", "\n").split("\n")).blocks(depth=0)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _nest(blocks: list[Block], children: list[Block], depth: int) -> list[Block]:
    """Attach ``children`` to the last block, or place them after it when nesting is too deep."""
    if not children:
        return blocks
    if depth >= MAX_NESTING:
        return blocks + children
    last = blocks[-1]
    last[last["type"]]["children"] = children
    return blocks


class _Parser:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.i = 0

    def blocks(self, depth: int) -> list[Block]:
        out: list[Block] = []
        paragraph: list[str] = []

        def flush() -> None:
            if paragraph:
                out.extend(text_blocks("paragraph", parse_inline("\n".join(paragraph))))
                paragraph.clear()

        while self.i < len(self.lines):
            line = self.lines[self.i]
            made = self._structured(line, depth)
            if made is None:
                if line.strip():
                    paragraph.append(line.strip())
                else:
                    flush()
                self.i += 1
                continue
            flush()
            out.extend(made)
        flush()
        return out

    def _structured(self, line: str, depth: int) -> list[Block] | None:  # noqa: PLR0911 (one return per construct)
        """The blocks starting at the current line (advancing past them), or None for paragraph text."""
        if match := _FENCE.match(line):
            return self._code(match["lang"])
        if _DETAILS.match(line):
            return self._toggle(line, depth)
        if match := _HEADING.match(line):
            self.i += 1
            level = min(len(match["level"]), 3)
            return text_blocks(f"heading_{level}", parse_inline(match["text"].strip()))
        if _DIVIDER.match(line):
            self.i += 1
            return [{"object": "block", "type": "divider", "divider": {}}]
        if match := _TODO.match(line):
            checked = match["mark"] in "xX"
            return self._item("to_do", match, depth, checked=checked)
        if match := _BULLET.match(line):
            return self._item("bulleted_list_item", match, depth)
        if match := _NUMBER.match(line):
            return self._item("numbered_list_item", match, depth)
        if match := _CALLOUT.match(line):
            return self._callout(match["kind"].upper(), match["text"])
        if _QUOTE.match(line):
            return text_blocks("quote", parse_inline("\n".join(self._quoted())))
        return None

    def _quoted(self) -> list[str]:
        texts: list[str] = []
        while self.i < len(self.lines) and (match := _QUOTE.match(self.lines[self.i])):
            if _CALLOUT.match(self.lines[self.i]):  # a callout starts a new block
                break
            texts.append(match["text"])
            self.i += 1
        return texts

    def _code(self, language: str) -> list[Block]:
        self.i += 1
        body: list[str] = []
        while self.i < len(self.lines) and not _FENCE.match(self.lines[self.i]):
            body.append(self.lines[self.i])
            self.i += 1
        self.i += 1  # the closing fence (or the end)
        return text_blocks("code", "\n".join(body), language=code_language(language))

    def _callout(self, kind: str, first: str) -> list[Block]:
        self.i += 1
        texts = [first] if first else []
        texts += self._quoted()
        icon = {"type": "emoji", "emoji": CALLOUT_ICONS.get(kind, "💡")}
        return text_blocks("callout", parse_inline("\n".join(texts)), icon=icon)

    def _item(self, kind: str, match: re.Match[str], depth: int, **extra: Any) -> list[Block]:
        indent = len(match["indent"].expandtabs(4))
        self.i += 1
        nested: list[str] = []
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if line.strip() and _indent(line.expandtabs(4)) <= indent:
                break
            if not line.strip() and not self._continues(indent):
                break
            nested.append(line.expandtabs(4))
            self.i += 1
        blocks = text_blocks(kind, parse_inline(match["text"].strip()), **extra)
        children = _Parser(_dedent(nested)).blocks(depth + 1) if nested else []
        return _nest(blocks, children, depth)

    def _continues(self, indent: int) -> bool:
        """A blank line belongs to an item when the next non-blank line is indented under it."""
        for line in self.lines[self.i + 1 :]:
            if line.strip():
                return _indent(line.expandtabs(4)) > indent
        return False

    def _toggle(self, line: str, depth: int) -> list[Block]:
        summary = _DETAILS.match(line)
        title = summary["summary"] if summary and summary["summary"] is not None else None
        self.i += 1
        if title is None and self.i < len(self.lines) and (found := _SUMMARY.match(self.lines[self.i])):
            title = found["summary"]
            self.i += 1
        inner: list[str] = []
        level = 1
        while self.i < len(self.lines):
            current = self.lines[self.i]
            self.i += 1
            if _DETAILS.match(current):
                level += 1
            elif _END_DETAILS.match(current):
                level -= 1
                if level == 0:
                    break
            inner.append(current)
        blocks = text_blocks("toggle", parse_inline((title or "Details").strip()))
        return _nest(blocks, _Parser(inner).blocks(depth + 1), depth)


def _dedent(lines: list[str]) -> list[str]:
    widths = [_indent(line) for line in lines if line.strip()]
    cut = min(widths, default=0)
    return [line[cut:] for line in lines]
