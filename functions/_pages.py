"""The page a person's mailed link opens in a browser, and the JSON its script asks for.

The token is in the URL's fragment (``{api_url}/links#<token>``), which a browser never sends. One
fixed page reads it and POSTs it to ``<path>/preview`` (changes nothing); its one button POSTs it to
``<path>/decide`` (``/confirm``). A GET changes nothing: mail scanners follow links. The page loads
nothing, runs only its own hashed script, sets text as text, refuses framing and is never cached
nor sent as a referrer. Why: docs/decisions/0011-decision-links-minted-at-sending.md.
"""

import base64
import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from html import escape
from typing import Any, NamedTuple

from flask import Request, Response

from functions._http import Reply, json_object
from shared.notify.services.links import link_url
from shared.platform.errors import AgentError, InvalidInput

log = logging.getLogger("functions")

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1rem;color:#1f2328}"
    "main{max-width:36rem;margin:auto}h1{font-size:1.4rem}"
    "blockquote{margin:0 0 1rem;padding:.5rem 1rem;border-left:3px solid #d0d7de;white-space:pre-wrap}"
    "button{font:inherit;padding:.5rem 1.25rem;border-radius:6px;border:1px solid #1f2328;cursor:pointer}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
_SCRIPT = """(function () {
  var main = document.getElementById("page");
  var base = location.pathname.replace(/\\/+$/, "");
  var token = location.hash.slice(1);
  if (history.replaceState) history.replaceState(null, "", base);
  var failed = {title: "Something went wrong, please try again in a minute",
                paragraphs: ["Open the link in your email again."]};
  function el(tag, text) { var e = document.createElement(tag); e.textContent = text; return e; }
  function show(page, act) {
    main.textContent = "";
    document.title = page.title + " \u00b7 Notion Agent";
    main.appendChild(el("h1", page.title));
    if (page.quote) main.appendChild(el("blockquote", page.quote));
    (page.paragraphs || []).forEach(function (p) { main.appendChild(el("p", p)); });
    if (page.button && act) {
      var button = el("button", page.button);
      button.type = "button";
      button.addEventListener("click", function () { button.disabled = true; call(act, ""); });
      main.appendChild(button);
    }
  }
  function call(action, then) {
    fetch(base + "/" + action, {
      method: "POST", credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify({token: token})
    }).then(function (r) { return r.json(); })
      .then(function (body) { show(body.page || failed, then); })
      .catch(function () { show(failed, ""); });
  }
  if (!token) {
    show({title: "This link is incomplete",
          paragraphs: ["Open the whole link from your email: it ends with # and a long code."]}, "");
    return;
  }
  call("preview", main.getAttribute("data-act"));
})();"""
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; script-src 'sha256-{_SCRIPT_HASH}'; style-src 'sha256-{_STYLE_HASH}'; "
        "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
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
TOKEN_CHARS = 4096  # far above any token we sign
LINK_TOKEN = rf"[A-Za-z0-9_.-]{{1,{TOKEN_CHARS}}}"  # base64url, "." between body and MAC
_LINK_TOKEN = re.compile(LINK_TOKEN)


class Page(NamedTuple):
    """A page's words: a title, paragraphs, an optional quotation (the owner's words, kept as written)
    and, when the link can be used, the label of the button that uses it."""

    title: str
    paragraphs: Iterable[str] = ()
    quote: str = ""
    button: str = ""

    def words(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "paragraphs": list(self.paragraphs),
            "quote": self.quote,
            "button": self.button,
        }


def sentence(text: str) -> str:
    """``text`` with its first letter upper case (``str.capitalize`` would lower the rest)."""
    return text[:1].upper() + text[1:]


def shell(act: str) -> Response:
    """The fixed page a mailed link opens: its script reads the token from the fragment, previews it,
    and its button POSTs it to ``<path>/<act>``. No token, nothing of the link, is in it."""
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>Notion Agent</title><style>{_STYLE}</style></head>"
        f'<body><main id="page" data-act="{escape(act)}"><h1>Opening the link…</h1>'
        "<noscript><p>This page needs JavaScript to read the link: its code stays in your browser's "
        "address bar until you use it.</p></noscript></main>"
        f"<script>{_SCRIPT}</script></body></html>"
    )
    return Response(html, status=200, mimetype="text/html", headers=HEADERS)


def moved(api_url: str, path: str, token: str) -> Response:
    """A redirect (303) to the page at ``path`` with the link's ``token`` in its fragment. A token
    of other characters than a signed token's (base64url and ".": a line break would split the
    Location header) is InvalidInput, never repeating it."""
    if not _LINK_TOKEN.fullmatch(token):
        raise InvalidInput(
            "this link is malformed: its code holds characters no link of ours has; open the link "
            "exactly as it was mailed"
        )
    headers = {
        "Location": link_url(api_url, path, token),
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
    return Response(status=303, headers=headers)


def token_of(request: Request) -> str:
    """The link's token from a JSON body ``{"token": "..."}``; InvalidInput (never repeating it)."""
    token = json_object(request, 'the body must be {"token": "<the link\'s code>"}').get("token")
    if not isinstance(token, str) or not token or len(token) > TOKEN_CHARS:
        raise InvalidInput("token: the link's code (after # in the link) is missing or malformed", ["token"])
    return token


def answer(produce: Callable[[], dict[str, Any]], page: Callable[[dict[str, Any]], Page]) -> Reply:
    """``produce``'s JSON with the ``page`` the script shows; a refusal (a project error) keeps its
    status, with a page saying why (the reason never holds the token)."""
    try:
        result = produce()
    except AgentError as exc:
        if exc.http_status >= 500:
            log.error("%s: %s", exc.code, exc.reason)
        title = _REFUSED.get(exc.http_status, "Something went wrong, please try again in a minute")
        body = {"error": exc.code, "reason": exc.reason, "page": Page(title, [exc.reason]).words()}
        return body, exc.http_status
    return result | {"page": page(result).words()}, 200
