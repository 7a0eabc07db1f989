"""The agent's signature on what it writes, and the key in it that finds a write again (decision 0124).

A person reads "Notion Agent" (gray italic); the write's key rides in that text's link, the run's
page in the console (``<console>/?ref=<key>#/runs/<run>``), which Notion returns as ``href``. Writes
made before 0124 carry the key in visible text (``Notion Agent · ref <key>``): lookups read both.
Here, below Notion and the notifications that both sign with it. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple
from urllib.parse import parse_qs, quote, urlsplit

SIGNATURE = "Notion Agent"
OLD_PREFIX = "Notion Agent · ref "  # the visible marker before decision 0124, still recognised
WRITING = " (writing)"  # a section written in several requests, until its last one is done
LOCAL_CONSOLE = "http://127.0.0.1:3000"  # the settings' default frontend_url, when none is given
_PARAM = "ref"


class Mark(NamedTuple):
    """A signature found in rich text: the key of the write it signs, and whether it is unfinished."""

    key: str
    writing: bool = False


def marker_url(console: str, key: str, run_id: str = "") -> str:
    """The signature's link: the console at ``console`` (the run's page when ``run_id`` is given),
    with ``key`` in its query, which the console's fragment routes ignore."""
    base = (console or LOCAL_CONSOLE).split("#", 1)[0].split("?", 1)[0].rstrip("/")
    page = f"#/runs/{quote(run_id, safe='')}" if run_id else ""
    return f"{base}/?{_PARAM}={quote(key, safe='')}{page}"


def key_of_url(url: object) -> str | None:
    """The key a signature's link carries, or None for any other link."""
    if not isinstance(url, str) or f"{_PARAM}=" not in url:
        return None
    found = parse_qs(urlsplit(url).query).get(_PARAM)
    return found[0] if found and found[0] else None


def _href(item: dict[str, Any]) -> object:
    link = (item.get("text") or {}).get("link") if isinstance(item.get("text"), dict) else None
    return item.get("href") or (link.get("url") if isinstance(link, dict) else None)


def _plain(items: Iterable[dict[str, Any]]) -> str:
    return "".join(str(i.get("plain_text") or (i.get("text") or {}).get("content", "")) for i in items)


def signature_items(url: str, *, writing: bool = False) -> list[dict[str, Any]]:
    """Notion rich text request items of a signature: "Notion Agent" in italic linking to ``url``."""
    parts = [(SIGNATURE, {"url": url})] + ([(WRITING, None)] if writing else [])
    return [
        {"type": "text", "text": {"content": text, "link": link}, "annotations": {"italic": True}}
        for text, link in parts
    ]


def mark_of(items: list[dict[str, Any]] | None) -> Mark | None:
    """The signature ``items`` (a block's or a description's rich text) are, new form or old; None
    when they are anything else (a person's text that links to the console is not a signature)."""
    items = items or []
    text = _plain(items)
    if items and (key := key_of_url(_href(items[0]))) and text in (SIGNATURE, SIGNATURE + WRITING):
        return Mark(key, text.endswith(WRITING))
    if text.startswith(OLD_PREFIX) and (key := text.removeprefix(OLD_PREFIX).removesuffix(WRITING)):
        return Mark(key, text.endswith(WRITING))
    return None


def signed(items: list[dict[str, Any]] | None, keys: Iterable[str], old: Iterable[str] = ()) -> bool:
    """Whether a comment's or message's rich text ``items`` carry one of ``keys`` in a link, or end with
    one of the ``old`` visible markers (those written before decision 0124)."""
    wanted = set(keys)
    if any(key_of_url(_href(i)) in wanted for i in items or []):
        return True
    ending = tuple(old) or tuple(OLD_PREFIX + k for k in wanted)
    return bool(ending) and _plain(items or []).rstrip().endswith(ending)


def signature_line(url: str) -> str:
    """A comment's last line, as Markdown: the signature linking to ``url``."""
    return f"*[{SIGNATURE}]({url})*"


_LINE = re.compile(rf"^\*\[{SIGNATURE}\]\((https?://[^\s()]+)\)\*$")


def url_of_line(line: str) -> str | None:
    """The link of a :func:`signature_line`, or None for any other line."""
    found = _LINE.match(line)
    return found.group(1) if found else None


# A page's Markdown line holding only a signature, either form, whatever emphasis or color wraps it.
_SIGNATURE_ONLY = re.compile(
    r"^[ \t*_]*(?:\[[*_]*Notion Agent[*_]*\]\([^)\s]*[?&]ref=[^)\s]*\)|Notion Agent · ref \S+?)"
    r"[*_ \t]*(?:\\?\(writing\\?\))?[*_ \t]*(?:\{[^}\n]*\})?[ \t]*(?:\n|$)",
    re.MULTILINE,
)


def without_signatures(markdown: str) -> str:
    """``markdown`` (a page as Markdown) without the lines that are only the agent's signature: what is
    indexed and quoted is the text, never a key."""
    return _SIGNATURE_ONLY.sub("", markdown)


_TRAILING = re.compile(r"\s*Notion Agent(?: · ref \S+)?\s*$")


def unsigned(text: str) -> str:
    """The agent's own comment's ``text`` (plain) without its trailing signature, either form."""
    return _TRAILING.sub("", text)
