"""Pages for a person who opens a signed link from a mail in a browser.

Approve/reject links and address confirmations point at api. A browser opens them with a GET that
asks for ``text/html``: that request gets a page saying what the link would do, with one button, a
form posting to the same URL, and the POST from that form gets a page with the outcome or the reason
it was refused. Every other client (``Accept: application/json``, ``*/*`` or none) gets the JSON it
got before. The GET stays safe (mail scanners follow links; none submits forms).

A page has no script and loads nothing: its only style is inline, allowed by its hash. Its text is
escaped (a run's goal and a workspace's name are the owner's words), framing it is refused (a button
under someone else's page could be clicked unawares), and it is neither cached nor sent as a referrer:
its URL holds the link's token.
"""

import base64
import hashlib
import logging
from collections.abc import Callable, Iterable
from html import escape
from typing import Any, NamedTuple

from flask import Request, Response

from functions._http import Reply
from shared.errors import AgentError

log = logging.getLogger("functions")

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1rem;color:#1f2328}"
    "main{max-width:36rem;margin:auto}h1{font-size:1.4rem}"
    "blockquote{margin:0 0 1rem;padding:.5rem 1rem;border-left:3px solid #d0d7de;white-space:pre-wrap}"
    "button{font:inherit;padding:.5rem 1.25rem;border-radius:6px;border:1px solid #1f2328;cursor:pointer}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
_REFUSED = {
    401: "This link cannot be used",
    404: "Nothing to do here",
    409: "This link cannot be used now",
    429: "Too many requests",
}


class Page(NamedTuple):
    """A page's words: a title, paragraphs, an optional quotation (the owner's words, kept as written)
    and, when the link can be used, the label of the button that uses it."""

    title: str
    paragraphs: Iterable[str] = ()
    quote: str = ""
    button: str = ""


def sentence(text: str) -> str:
    """``text`` with its first letter upper case (``str.capitalize`` would lower the rest)."""
    return text[:1].upper() + text[1:]


def wants_page(request: Request) -> bool:
    """Whether the client prefers HTML to JSON (a browser does; ``*/*`` or no Accept means JSON)."""
    return request.accept_mimetypes.best_match(("application/json", "text/html")) == "text/html"


def render(page: Page, status: int = 200) -> Response:
    parts = [f"<h1>{escape(page.title)}</h1>"]
    if page.quote:
        parts.append(f"<blockquote>{escape(page.quote)}</blockquote>")
    parts += [f"<p>{escape(p)}</p>" for p in page.paragraphs]
    if page.button:
        parts.append(f'<form method="post"><button type="submit">{escape(page.button)}</button></form>')
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(page.title)} · Notion Agent</title><style>{_STYLE}</style></head>"
        f"<body><main>{''.join(parts)}</main></body></html>"
    )
    return Response(html, status=status, mimetype="text/html", headers=HEADERS)


def answer(
    request: Request, produce: Callable[[], dict[str, Any]], page: Callable[[dict[str, Any]], Page]
) -> Reply:
    """``produce``'s JSON, or for a browser the page made of it; a refusal (a project error) becomes a
    page with its status and reason, which never holds the token."""
    if not wants_page(request):
        return produce(), 200
    try:
        return render(page(produce()))
    except AgentError as exc:
        if exc.http_status >= 500:
            log.error("%s: %s", exc.code, exc.reason)
        title = _REFUSED.get(exc.http_status, "Something went wrong, please try again in a minute")
        return render(Page(title, [exc.reason]), exc.http_status)
