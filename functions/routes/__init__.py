"""Routes of the ``api`` function: the table :data:`ROUTES` here, the handlers in one module per
concern. A handler gets the request context and answers a Reply.

A route names its handler (:class:`Lazy`, ``"<module>.<function>"``); the handler's module is
imported on the route's first request. So a cold start loads the code of the route it serves, not of
all of them (Cloud Functions' advice for code that not every request runs). ``make bench-coldstart``
shows, beside the import, the import with every route's module loaded. A :class:`Doc` names models
alike, for the contract (``functions.openapi``)."""

import importlib
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


# Summaries of the routes made in a loop below.
_DECISIONS = {
    "approve": "Approve the request the run waits for",
    "reject": "Reject the request the run waits for",
    "answer": "Answer the question the run asks",
}
_CONTROLS = {"cancel": "Cancel a run", "pause": "Pause a run", "resume": "Resume a paused run"}
_LINK = "models.LinkRefusal"  # what a mailed link's routes answer when they refuse
_LINK_BODY = "models.LinkToken"  # what a mailed link's page POSTs
_HTML = {200: "text/html"}
_MOVED = {303: ""}  # a redirect, without a body

_DOCTOR = "An operator's check: one task through each queue and one model call (make doctor)"
_DOCTOR_READ = "What each hop of an operator's check recorded so far"
_CHECK = "models.doctor.DoctorCheck"


def _operator_route(
    path: str,
    method: str,
    handler: Lazy,
    summary: str,
    *,
    answers: Mapping[int, str],
    refusals: tuple[int, ...],
) -> Route:
    """A route of the operator's (``make doctor``): public to the router, its handler checks the
    operator's ``Authorization: Doctor <token>`` (functions.routes.doctor)."""
    doc = Doc(summary, "operations", answers, headers="models.doctor.DoctorHeaders", refusals=refusals)
    return Route(path, (method,), handler, public=True, doc=doc)


# The api's routes: the first whose path and method match serves the request.
ROUTES = [
    Route(
        "/runs",
        ("POST",),
        Lazy("runs.start"),
        scope="runs:start",
        doc=Doc(
            "Start a run",
            "runs",
            body="runs.NewRun",
            answers={202: "models.runs.RunStarted"},
            refusals=(409,),
        ),
    ),
    Route(
        "/runs",
        ("GET",),
        Lazy("runs.list_all"),
        doc=Doc(
            "List runs, filtered and paged",
            "runs",
            query="runs.RunsQuery",
            answers={200: "models.runs.RunList"},
        ),
    ),
    Route(
        "/runs/<run_id>",
        ("GET",),
        Lazy("runs.get_run"),
        doc=Doc(
            "A run, its timeline and what it wrote (ETag: a 304 when unchanged)",
            "runs",
            headers="models.runs.RunHeaders",
            answers={200: "models.runs.RunTimeline", 304: ""},
        ),
    ),
    Route(
        "/runs/<run_id>/again",
        ("POST",),
        Lazy("runs.again"),
        scope="runs:start",
        doc=Doc(
            "Run again: a new run with the same goal and page",
            "runs",
            body="runs.Again",
            body_required=False,
            answers={202: "models.runs.RunStarted"},
            refusals=(409,),
        ),
    ),
    *(
        Route(
            f"/runs/<run_id>/{d}",
            ("POST",),
            Lazy(f"run_actions.{d}"),
            scope="runs:decide",
            doc=Doc(
                summary,
                "runs",
                body="run_actions.DecisionBody",
                answers={200: "models.runs.RunMoved"},
                refusals=(409,),
            ),
        )
        for d, summary in _DECISIONS.items()
    ),
    *(
        Route(
            f"/runs/<run_id>/{a}",
            ("POST",),
            Lazy(f"run_actions.{a}"),
            scope="runs:control",
            doc=Doc(
                summary,
                "runs",
                body="run_actions.Note",
                body_required=False,
                answers={200: "models.runs.RunMoved"},
                refusals=(409,),
            ),
        )
        for a, summary in _CONTROLS.items()
    ),
    # A mailed link's token is in its fragment, POSTed by the page's script: never in a logged URL.
    Route(
        "/links",
        ("GET",),
        Lazy("approvals.page"),
        public=True,
        doc=Doc("The page a mailed decision link opens", "links", answers=_HTML),
    ),
    Route(
        "/links/preview",
        ("POST",),
        Lazy("approvals.preview"),
        public=True,
        doc=Doc(
            "What a decision link would do",
            "links",
            body=_LINK_BODY,
            answers={200: "models.links.LinkPreview"},
            refusals=(401, 403, 404),
            error=_LINK,
        ),
    ),
    Route(
        "/links/decide",
        ("POST",),
        Lazy("approvals.decide"),
        public=True,
        doc=Doc(
            "Apply a decision link",
            "links",
            body=_LINK_BODY,
            answers={200: "models.links.LinkDecided"},
            refusals=(401, 403, 404, 409),
            error=_LINK,
        ),
    ),
    Route(
        "/links/<token>",
        ("GET",),
        Lazy("approvals.legacy"),
        public=True,
        doc=Doc("An older decision link: to the page", "links", answers=_MOVED, refusals=(400,)),
    ),
    Route(
        "/connect",
        ("GET",),
        Lazy("connection.start_connect"),
        public=True,
        doc=Doc(
            "Start connecting a workspace",
            "connection",
            answers={200: "models.connection.ConnectStart"},
            headers="models.connection.ConnectHeaders",
            refusals=(409,),
        ),
    ),
    Route(
        "/connection",
        ("DELETE",),
        Lazy("connection.remove_connection"),
        session_only=True,
        doc=Doc(
            "Disconnect the workspace",
            "connection",
            answers={200: "models.connection.Disconnected"},
            refusals=(502, 503),
        ),
    ),
    Route(
        "/session",
        ("GET",),
        Lazy("session.get_session"),
        session_only=True,
        doc=Doc("The session and its CSRF token", "session", answers={200: "models.session.SessionView"}),
    ),
    Route(
        "/session",
        ("DELETE",),
        Lazy("session.sign_out"),
        session_only=True,
        doc=Doc("Sign this browser out", "session", answers={200: "models.session.SignedOut"}),
    ),
    Route(
        "/settings",
        ("GET",),
        Lazy("settings.get_settings"),
        doc=Doc("The owner's settings", "settings", answers={200: "models.settings.SettingsView"}),
    ),
    Route(
        "/settings",
        ("PATCH",),
        Lazy("settings.patch_settings"),
        session_only=True,
        doc=Doc(
            "Change some settings",
            "settings",
            body="models.settings.SettingsChange",
            answers={200: "models.settings.SettingsView"},
            refusals=(409, 429, 503),
        ),
    ),
    Route(
        "/notifications",
        ("GET",),
        Lazy("notifications.list_notifications"),
        doc=Doc(
            "Notification records, newest first",
            "notifications",
            query="models.notifications.NotificationsQuery",
            answers={200: "models.notifications.NotificationList"},
        ),
    ),
    Route(
        "/integrations",
        ("GET",),
        Lazy("integrations.get_integrations"),
        doc=Doc(
            "Which integrations are connected",
            "integrations",
            answers={200: "models.integrations.IntegrationList"},
        ),
    ),
    Route(
        "/integrations/<name>",
        ("PUT",),
        Lazy("integrations.put_integration"),
        session_only=True,
        doc=Doc(
            "Connect an integration with its token",
            "integrations",
            path="models.integrations.IntegrationPath",
            body="models.integrations.IntegrationToken",
            answers={200: "models.integrations.IntegrationConnected"},
            refusals=(409, 503),
        ),
    ),
    Route(
        "/integrations/<name>",
        ("DELETE",),
        Lazy("integrations.delete_integration"),
        session_only=True,
        doc=Doc(
            "Disconnect an integration",
            "integrations",
            path="models.integrations.IntegrationPath",
            answers={200: "models.integrations.IntegrationDisconnected"},
            refusals=(503,),
        ),
    ),
    Route(
        "/email-confirmations",
        ("GET",),
        Lazy("email_confirmations.page"),
        public=True,
        doc=Doc("The page a mailed confirmation link opens", "email confirmations", answers=_HTML),
    ),
    Route(
        "/email-confirmations/preview",
        ("POST",),
        Lazy("email_confirmations.preview"),
        public=True,
        doc=Doc(
            "What a confirmation link would do",
            "email confirmations",
            body=_LINK_BODY,
            answers={200: "models.links.ConfirmationPreview"},
            refusals=(401, 404),
            error=_LINK,
        ),
    ),
    Route(
        "/email-confirmations/confirm",
        ("POST",),
        Lazy("email_confirmations.confirm"),
        public=True,
        doc=Doc(
            "Confirm a notification_email",
            "email confirmations",
            body=_LINK_BODY,
            answers={200: "models.links.Confirmed"},
            refusals=(401, 404, 409),
            error=_LINK,
        ),
    ),
    Route(
        "/email-confirmations/<token>",
        ("GET",),
        Lazy("email_confirmations.legacy"),
        public=True,
        doc=Doc(
            "An older confirmation link: to the page", "email confirmations", answers=_MOVED, refusals=(400,)
        ),
    ),
    Route(
        "/usage",
        ("GET",),
        Lazy("usage.get_usage"),
        doc=Doc("Model spend against the budgets", "usage", answers={200: "models.usage.Usage"}),
    ),
    Route(
        "/api-keys",
        ("POST",),
        Lazy("api_keys.post_api_key"),
        session_only=True,
        doc=Doc(
            "Make an API key",
            "api keys",
            body="api_keys.NewApiKey",
            headers="models.api_keys.KeyHeaders",
            answers={201: "models.api_keys.MadeApiKey"},
            refusals=(409,),
        ),
    ),
    Route(
        "/api-keys",
        ("GET",),
        Lazy("api_keys.get_api_keys"),
        session_only=True,
        doc=Doc("List the API keys", "api keys", answers={200: "models.api_keys.ApiKeyList"}),
    ),
    Route(
        "/api-keys/<key_id>",
        ("DELETE",),
        Lazy("api_keys.remove_api_key"),
        session_only=True,
        doc=Doc("Delete an API key", "api keys", answers={200: "models.api_keys.DeletedApiKey"}),
    ),
    Route(
        "/notion/pages",
        ("GET",),
        Lazy("home.list_pages"),
        doc=Doc(
            "Pages and data sources the integration can see",
            "home",
            query="models.home.PagesQuery",
            answers={200: "models.home.PickerPage"},
            refusals=(502, 503),
        ),
    ),
    Route(
        "/home",
        ("GET",),
        Lazy("home.get_home"),
        doc=Doc(
            "The agent's databases in Notion",
            "home",
            answers={200: "models.home.HomeView"},
            refusals=(502, 503),
        ),
    ),
    Route(
        "/home",
        ("POST",),
        Lazy("home.post_home"),
        session_only=True,
        doc=Doc(
            "Find or make the agent's databases under a page",
            "home",
            body="home.NewHome",
            answers={200: "models.home.HomeView"},
            refusals=(409, 502, 503),
        ),
    ),
    _operator_route("/doctor", "POST", Lazy("doctor.start"), _DOCTOR, answers={202: _CHECK}, refusals=(401,)),
    _operator_route(
        "/doctor/<check_id>",
        "GET",
        Lazy("doctor.get_check"),
        _DOCTOR_READ,
        answers={200: _CHECK},
        refusals=(401, 404),
    ),
    Route(
        "/openapi.json",
        ("GET",),
        Lazy("contract.get_contract"),
        public=True,
        doc=Doc("This contract (OpenAPI 3.1)", "contract", answers={200: "application/json", 304: ""}),
    ),
]
