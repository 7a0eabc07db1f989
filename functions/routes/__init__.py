"""Routes of the ``api`` function: what a route is (:class:`Route`, its :class:`Doc`) and what its
handler receives (:class:`Call`); the handlers live in one module per concern, and the table that
names each route's handler function is :data:`functions.routes.table.ROUTES`. A :class:`Doc` names
the route's models by ``"<module>.<Class>"``, for the contract alone (``functions.openapi``)."""

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Literal, NamedTuple

from flask import Request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from functions._http import Reply
from shared.bootstrap import Container

if TYPE_CHECKING:
    from shared.workspace.domain.members import Member
    from shared.workspace.ports import TenantStore


class Call(NamedTuple):
    """What a handler receives: the request, the path arguments, the session's tenant (if any) and
    the container it answers from."""

    request: Request
    args: dict[str, str]
    tenant_id: str
    container: Container
    via: Literal["session", "key"] = "session"  # how the request authenticated
    read_tenants: "TenantStore | None" = None  # this request's (``ReadOnce``): its tenant read once
    member: "Member | None" = None  # who is acting, with their role as held now (None: a public route)
    key_id: str = ""  # the API key it came with ("" for a session)
    scopes: tuple[str, ...] | None = None  # the API key's scopes (None: a session, which may do all)

    @property
    def tenants(self) -> "TenantStore":
        """The tenants as this request reads them: the tenant its authentication read is not read
        again (``ReadOnce``)."""
        return self.read_tenants or self.container.workspace.tenants

    @property
    def member_id(self) -> str:
        """The acting member's id; "" on a public route."""
        return self.member.member_id if self.member is not None else ""

    @property
    def person(self) -> str:
        """The Notion user id of the person calling (a session's or an API key's member); "" if unknown."""
        return self.member.notion_user_id if self.member is not None else ""

    @property
    def role(self) -> str:
        """The acting member's role as held now; "" on a public route."""
        return self.member.role if self.member is not None else ""


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
    operation: str = ""  # its operationId, when its handler's module and name do not make it


class Route(NamedTuple):
    path: str  # werkzeug rule syntax, e.g. "/runs/<run_id>"
    methods: tuple[str, ...]
    handler: Handler
    public: bool = False  # True: no session needed (e.g. GET /connect, signed approval links)
    # True: a session only, never an API key: what a leaked script key must not do (manage keys,
    # change settings, tokens or the connection); a key runs and follows runs and reads.
    session_only: bool = False
    scope: str = "read"  # what an API key needs for it (shared.team.domain.api_keys.SCOPES)
    doc: Doc | None = None  # the contract's words for it: every route of ROUTES has them (a test)
    # The least role (shared.workspace.domain.members.ROLES) that may call it, checked by the api before its
    # handler; "" only for a public route. docs/security.md, "Roles", has the same table (a test).
    role: str = ""
    # False only for a provider's OAuth redirect back to the api (decision 0236). It is the browser's
    # navigation after a person's consent, not the console's request. A 429 there would show a bare
    # refusal where the console should come back.
    paced: bool = True


class Router:
    """Matches a path and a method to a route with werkzeug's routing (what Flask routes with).
    Segments are literal or ``<name>`` (any one non-empty segment); a trailing slash is the same path,
    and an empty segment matches none (no slashes merged, no redirect)."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        rules = [Rule(r.path, methods=r.methods, endpoint=i) for i, r in enumerate(routes)]
        self._paths = Map(rules, strict_slashes=False, merge_slashes=False).bind("api")

    def match(self, path: str, method: str) -> "Match":
        try:
            index, args = self._paths.match(path, method)
        except MethodNotAllowed as refused:  # HEAD, which werkzeug adds to GET, is the api's GET
            return Match(None, {}, sorted(set(refused.valid_methods or ()) - {"HEAD"}))
        except NotFound:
            return Match(None, {}, [])
        return Match(self.routes[index], dict(args), [])  # the default converter: strings


class Match(NamedTuple):
    route: Route | None
    args: dict[str, str]
    allowed: list[str]  # without a route: the methods the path takes (none: no such path)
