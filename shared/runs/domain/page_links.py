"""Links to Notion pages as a person follows them: the address Notion gives a page (its
page object's ``url``) wherever the run saw it, else the page's id under Notion's web address
(settings: ``notion_web_base_url``). On the local stack the Notion sandbox answers its own screen's
address as ``url`` and is that web address too, leading ``<sandbox>/<id>`` to the page's screen, so
every link opens there."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.runs.domain.notion_events import plain_id

NOTION_WEB = "https://www.notion.so"  # Notion's web address: production's notion_web_base_url


def page_link(page_id: object, known: dict[str, str] | None = None, *, web: str) -> str:
    """Where ``page_id`` opens: its url in ``known`` (plain id → the url Notion gave), else
    ``<web>/<plain id>`` (``web``: settings' ``notion_web_base_url``), which Notion resolves to the
    page; "" for no page id."""
    plain = plain_id(str(page_id or ""))
    if not plain:
        return ""
    return (known or {}).get(plain) or f"{web.rstrip('/')}/{plain}"


def web_url(url: object) -> str:
    """``url`` when it is a web address (http or https), else ""."""
    text = str(url or "")
    return text if text.startswith(("https://", "http://")) else ""


def known_urls(pairs: Iterable[tuple[Any, Any]]) -> dict[str, str]:
    """Plain page id → the web address Notion gave it, from ``(page_id, url)`` pairs; the first wins."""
    known: dict[str, str] = {}
    for page_id, url in pairs:
        plain, address = plain_id(str(page_id or "")), web_url(url)
        if plain and address:
            known.setdefault(plain, address)
    return known
