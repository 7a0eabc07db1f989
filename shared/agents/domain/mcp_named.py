"""The MCP tools an agent's instructions page names: a line ``Tools: <server>/<tool>, ...`` (or
``MCP tools:``). A page that names some is offered only those, and calls only those; the owner's
policy of each still decides (a tool named but off stays off). Only ``server/tool`` names are read: a
``Tools:`` line of words names no MCP tool. The page is its editor's words, not the owner's: naming a
tool grants nothing (decision 0171)."""

from __future__ import annotations

import re

MAX_NAMED = 50
_LINE = re.compile(r"^\s*(?:mcp\s+)?tools\s*:\s*(?P<names>.+)$", re.IGNORECASE | re.MULTILINE)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}/[A-Za-z0-9_.-]{1,64}")


def named_mcp_tools(text: str) -> tuple[str, ...]:
    """The ``server/tool`` names the page's ``Tools:`` lines hold, in order, once each (at most
    :data:`MAX_NAMED`); none when it names none."""
    found: list[str] = []
    for line in _LINE.finditer(text or ""):
        for word in re.split(r"[\s,;]+", line.group("names")):
            name = word.strip("`'\".()")
            if _NAME.fullmatch(name) and name not in found:
                found.append(name)
    return tuple(found[:MAX_NAMED])
