"""Routes of the ``api`` function: the table :data:`ROUTES` here, the handlers in one module per
concern. A handler gets the request context and answers a Reply.

A route names its handler (:class:`Lazy`, ``"<module>.<function>"``); the handler's module is
imported on the route's first request. So a cold start loads the code of the route it serves, not of
all of them (Cloud Functions' advice for code that not every request runs). ``make bench-coldstart``
shows, beside the import, the import with every route's module loaded.
"""

import importlib
from collections.abc import Callable
from typing import Literal, NamedTuple

from flask import Request

from functions._http import Reply
from shared.bootstrap import Container


class Call(NamedTuple):
    """What a handler receives: the request, the path arguments, the session's tenant (if any) and
    the container it answers from."""

    request: Request
    args: dict[str, str]
    tenant_id: str
    container: Container
    via: Literal["session", "key"] = "session"  # how the request authenticated


type Handler = Callable[[Call], Reply]


class Lazy:
    """The handler ``<module>.<function>`` of this package, imported on its first call."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, call: Call) -> Reply:
        return resolve(self.name)(call)

    def __repr__(self) -> str:
        return f"Lazy({self.name!r})"


def resolve(name: str) -> Handler:
    """The handler ``<module>.<function>`` of this package (its module imported once, then cached)."""
    module, function = name.rsplit(".", 1)
    handler: Handler = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    return handler


class Route(NamedTuple):
    path: str  # werkzeug rule syntax, e.g. "/runs/<run_id>"
    methods: tuple[str, ...]
    handler: Handler
    public: bool = False  # True: no session needed (e.g. GET /connect, signed approval links)
    # True: a session only, never an API key: what a leaked script key must not do (manage keys,
    # change settings, tokens or the connection); a key runs and follows runs and reads.
    session_only: bool = False
    scope: str = "read"  # what an API key needs for it (shared.domain.api_keys.SCOPES)


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


# The api's routes: the first whose path and method match serves the request.
ROUTES = [
    Route("/runs", ("POST",), Lazy("runs.start"), scope="runs:start"),
    Route("/runs", ("GET",), Lazy("runs.list_all")),
    Route("/runs/<run_id>", ("GET",), Lazy("runs.get_run")),
    *(
        Route(f"/runs/<run_id>/{d}", ("POST",), Lazy(f"run_actions.{d}"), scope="runs:decide")
        for d in ("approve", "reject", "answer")
    ),
    *(
        Route(f"/runs/<run_id>/{a}", ("POST",), Lazy(f"run_actions.{a}"), scope="runs:control")
        for a in ("cancel", "pause", "resume")
    ),
    # A mailed link's token is in its fragment, POSTed by the page's script: never in a logged URL.
    Route("/links", ("GET",), Lazy("approvals.page"), public=True),
    Route("/links/preview", ("POST",), Lazy("approvals.preview"), public=True),
    Route("/links/decide", ("POST",), Lazy("approvals.decide"), public=True),
    Route("/links/<token>", ("GET",), Lazy("approvals.legacy"), public=True),
    Route("/connect", ("GET",), Lazy("connection.start_connect"), public=True),
    Route("/connection", ("DELETE",), Lazy("connection.remove_connection"), session_only=True),
    Route("/session", ("GET",), Lazy("session.get_session"), session_only=True),
    Route("/session", ("DELETE",), Lazy("session.sign_out"), session_only=True),
    Route("/settings", ("GET",), Lazy("settings.get_settings")),
    Route("/settings", ("PATCH",), Lazy("settings.patch_settings"), session_only=True),
    Route("/notifications", ("GET",), Lazy("notifications.list_notifications")),
    Route("/integrations", ("GET",), Lazy("integrations.get_integrations")),
    Route("/integrations/<name>", ("PUT",), Lazy("integrations.put_integration"), session_only=True),
    Route("/integrations/<name>", ("DELETE",), Lazy("integrations.delete_integration"), session_only=True),
    Route("/email-confirmations", ("GET",), Lazy("email_confirmations.page"), public=True),
    Route("/email-confirmations/preview", ("POST",), Lazy("email_confirmations.preview"), public=True),
    Route("/email-confirmations/confirm", ("POST",), Lazy("email_confirmations.confirm"), public=True),
    Route("/email-confirmations/<token>", ("GET",), Lazy("email_confirmations.legacy"), public=True),
    Route("/usage", ("GET",), Lazy("usage.get_usage")),
    Route("/api-keys", ("POST",), Lazy("api_keys.post_api_key"), session_only=True),
    Route("/api-keys", ("GET",), Lazy("api_keys.get_api_keys"), session_only=True),
    Route("/api-keys/<key_id>", ("DELETE",), Lazy("api_keys.remove_api_key"), session_only=True),
    Route("/notion/pages", ("GET",), Lazy("home.list_pages")),
    Route("/home", ("GET",), Lazy("home.get_home")),
    Route("/home", ("POST",), Lazy("home.post_home"), session_only=True),
]
