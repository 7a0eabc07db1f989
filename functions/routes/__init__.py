"""Routes of the ``api`` function, one module per concern. Each module exposes ``ROUTES``: a list of
``Route``; ``functions/api.py`` gathers them. A handler gets the request context and answers a Reply."""

from collections.abc import Callable
from typing import NamedTuple

from flask import Request

from functions._http import Reply


class Call(NamedTuple):
    """What a handler receives: the request, the path arguments and the session's tenant (if any)."""

    request: Request
    args: dict[str, str]
    tenant_id: str


class Route(NamedTuple):
    path: str  # werkzeug rule syntax, e.g. "/runs/<run_id>"
    methods: tuple[str, ...]
    handler: Callable[[Call], Reply]
    public: bool = False  # True: no session needed (e.g. GET /connect, signed approval links)
    # True: a session only, never an API key: what a leaked script key must not do (manage keys,
    # change settings, tokens or the connection); a key runs and follows runs and reads.
    session_only: bool = False


class Router:
    """Matches a path and a method to a route. Segments are literal or ``<name>`` (any one non-empty
    segment, as werkzeug's default converter). Ours rather than werkzeug's Map, which compiles a URL
    builder per rule (Python source, at import) that nothing here uses: ~10 ms of every api cold start.
    """

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self._patterns = [(tuple(r.path.strip("/").split("/")), r) for r in routes]

    def match(self, path: str, method: str) -> "Match":
        parts = tuple(path.strip("/").split("/"))
        allowed: set[str] = set()
        for pattern, route in self._patterns:
            args = _bind(pattern, parts)
            if args is None:
                continue
            if method in route.methods:
                return Match(route, args, [])
            allowed.update(route.methods)
        return Match(None, {}, sorted(allowed))


class Match(NamedTuple):
    route: Route | None
    args: dict[str, str]
    allowed: list[str]  # without a route: the methods the path takes (none: no such path)


def _bind(pattern: tuple[str, ...], parts: tuple[str, ...]) -> dict[str, str] | None:
    if len(pattern) != len(parts):
        return None
    args: dict[str, str] = {}
    for want, got in zip(pattern, parts, strict=True):
        if want.startswith("<") and want.endswith(">"):
            if not got:
                return None
            args[want[1:-1]] = got
        elif want != got:
            return None
    return args
