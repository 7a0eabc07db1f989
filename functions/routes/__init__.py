"""Routes of the ``api`` function: what a route is (:class:`Route`, its :class:`Doc`) and what its
handler receives (:class:`Call`); the handlers live in one module per concern, and the table that
names each route's handler function is :data:`functions.routes.table.ROUTES`. A :class:`Doc` names
the route's models by ``"<module>.<Class>"``, for the contract alone (``functions.openapi``)."""

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Literal, NamedTuple

from flask import Request

from functions._http import Reply
from shared.bootstrap import Container

if TYPE_CHECKING:
    from shared.ports import TenantStore


class Call(NamedTuple):
    """What a handler receives: the request, the path arguments, the session's tenant (if any) and
    the container it answers from."""

    request: Request
    args: dict[str, str]
    tenant_id: str
    container: Container
    via: Literal["session", "key"] = "session"  # how the request authenticated
    read_tenants: "TenantStore | None" = None  # this request's (``ReadOnce``): its tenant read once

    @property
    def tenants(self) -> "TenantStore":
        """The tenants as this request reads them: the tenant its authentication read is not read
        again (``ReadOnce``)."""
        return self.read_tenants or self.container.tenants


type Handler = Callable[[Call], Reply]


class Doc(NamedTuple):
    """What the contract says of a route beyond its path, methods and authentication. A model is named
    ``"<module>.<Class>"`` of this package (or ``"shared.<...>.<Class>"``), imported only by the
    contract's generator (``functions.openapi``); error answers its shape implies are added there."""

    summary: str
    tag: str
    # status -> the answer's model, a media type ("text/html": a page), or "" (no body: a redirect)
    answers: Mapping[int, str]
    body: str = ""  # the JSON body's model
    body_required: bool = True  # False: the body may be left out
    query: str = ""  # the model of the query parameters, one field each
    headers: str = ""  # the model of the header parameters (aliases are their names)
    path: str = ""  # the model of the path parameters; none: each is a non-empty string
    refusals: tuple[int, ...] = ()  # error statuses beyond those implied (409, 429, 502, 503)
    error: str = ""  # the model of its error answers, when not the api's usual one


class Route(NamedTuple):
    path: str  # werkzeug rule syntax, e.g. "/runs/<run_id>"
    methods: tuple[str, ...]
    handler: Handler
    public: bool = False  # True: no session needed (e.g. GET /connect, signed approval links)
    # True: a session only, never an API key: what a leaked script key must not do (manage keys,
    # change settings, tokens or the connection); a key runs and follows runs and reads.
    session_only: bool = False
    scope: str = "read"  # what an API key needs for it (shared.domain.api_keys.SCOPES)
    doc: Doc | None = None  # the contract's words for it: every route of ROUTES has them (a test)


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
