"""A day's plan as the console shows it (``GET /daily-plan``): the sections of the Markdown its
page was written from, read back from what the tenant store keeps, and the runs waiting for a decision
as links to their runs. Pure: no Notion read per view."""

import re
from collections.abc import Sequence
from typing import Any

DECISIONS = "Waiting for a decision"
_LINK = re.compile(r"^\[((?:\\.|[^\]\\])*)\]\((https://[^)\s]*)\)(.*)$")
_ESCAPED = re.compile(r"\\(.)")


def _plain(text: str) -> str:
    """Markdown written by :func:`shared.notion.domain.markdown.literal` back to the words it holds."""
    return _ESCAPED.sub(r"\1", text).strip()


def _item(line: str) -> dict[str, Any]:
    """One list line: its words, and its page's link when it has one."""
    link = _LINK.match(line)
    if link:
        return {"text": f"{_plain(link[1])} {_plain(link[3])}".strip(), "url": link[2]}
    return {"text": _plain(line), "url": None}


def sections(text: str, waiting: Sequence[tuple[str, str]] = ()) -> list[dict[str, Any]]:
    """Each ``## heading`` of ``text`` with its items (``text``, ``url``, ``run_id``); "Nothing." makes
    an empty section. In "Waiting for a decision" the first items are the ``waiting`` runs
    (``(run_id, title)``, in the page's order), each named by its run."""
    found: list[dict[str, Any]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("## "):
            found.append({"heading": _plain(line[3:]), "items": []})
        elif line.startswith("- ") and found:
            found[-1]["items"].append({**_item(line[2:]), "run_id": None})
    for section in found:
        if section["heading"] != DECISIONS:
            continue
        for item, (run_id, title) in zip(section["items"], waiting, strict=False):
            item.update(text=title or "A run", run_id=run_id)
    return found
