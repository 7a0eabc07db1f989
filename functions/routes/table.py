"""The api's route table: each route with the function that handles it, checked as this module is
imported (:func:`check`): a route without a handler, a handler without a route, or a method and path
served twice stops the import. Every handler's module loads with the table."""

import importlib
import inspect
import pkgutil
from collections.abc import Iterable
from types import ModuleType

from functions import routes as routes_package
from functions._http import Reply
from functions.routes import (
    Call,
    Doc,
    Handler,
    Route,
    api_keys,
    approvals,
    audit,
    connection,
    contract,
    doctor,
    email_confirmations,
    home,
    integrations,
    notifications,
    run_actions,
    runs,
    session,
    settings,
    team,
    usage,
)
from shared.domain.members import ROLES


def _route(
    spec: str,
    handler: Handler,
    doc: Doc,
    *,
    public: bool = False,
    session_only: bool = False,
    scope: str = "read",
    role: str = "",
) -> Route:
    """The route ``"<METHOD> <path>"`` that ``handler`` serves (:class:`~functions.routes.Route`);
    ``role``: the least role that may call it (every route but a public one names one)."""
    method, path = spec.split(" ")
    return Route(path, (method,), handler, public, session_only, scope, doc, role)


_LINK = "models.LinkRefusal"  # what a mailed link's routes answer when they refuse
_LINK_BODY = "models.LinkToken"  # what a mailed link's page POSTs
_HTML = {200: "text/html"}
_MOVED = {303: ""}  # a redirect, without a body
_MOVED_RUN = {200: "models.runs.RunMoved"}  # a decision's or a control's answer


def _mailed_link(
    path: str,
    what: str,
    handlers: tuple[Handler, Handler, Handler, Handler],
    act_summary: str,
    answers: tuple[str, str],
    *,
    refusals: tuple[int, ...],
    tag: str = "links",
) -> list[Route]:
    """A mailed link's four public routes: the page it opens, what it would do (``answers[0]``), doing
    it (``answers[1]``; the act's handler names its path), and an older link's redirect to the page.
    ``refusals``: the statuses a link's token may be refused with."""
    page, preview, act, legacy = handlers

    def posted(spec: str, handler: Handler, summary: str, answer: str, refused: tuple[int, ...]) -> Route:
        doc = Doc(summary, tag, {200: answer}, body=_LINK_BODY, refusals=refused, error=_LINK)
        return _route(spec, handler, doc, public=True)

    return [
        _route(f"GET {path}", page, Doc(f"The page a mailed {what} link opens", tag, _HTML), public=True),
        posted(f"POST {path}/preview", preview, f"What a {what} link would do", answers[0], refusals),
        posted(f"POST {path}/{act.__name__}", act, act_summary, answers[1], (*refusals, 409)),
        _route(
            f"GET {path}/<token>",
            legacy,
            Doc(f"An older {what} link: to the page", tag, _MOVED, refusals=(400,)),
            public=True,
        ),
    ]


# Deciding a run's request, and controlling a run: routes alike but for their summaries.
_DECISIONS = {
    h: Doc(summary, "runs", _MOVED_RUN, body="run_actions.DecisionBody", refusals=(409,))
    for h, summary in (
        (run_actions.approve, "Approve the request the run waits for"),
        (run_actions.reject, "Reject the request the run waits for"),
        (run_actions.answer, "Answer the question the run asks"),
    )
}
_CONTROLS = {
    h: Doc(summary, "runs", _MOVED_RUN, body="run_actions.Note", body_required=False, refusals=(409,))
    for h, summary in (
        (run_actions.cancel, "Cancel a run"),
        (run_actions.pause, "Pause a run"),
        (run_actions.resume, "Resume a paused run"),
    )
}

_CHECK = {200: "models.doctor.DoctorCheck"}


def _operator_route(spec: str, handler: Handler, summary: str, refusals: tuple[int, ...]) -> Route:
    """A route of the operator's (``make doctor``): public to the router, its handler checks the
    operator's ``Authorization: Doctor <token>`` (functions.routes.doctor)."""
    answers = {202: _CHECK[200]} if spec.startswith("POST") else _CHECK
    doc = Doc(summary, "operations", answers, headers="models.doctor.DoctorHeaders", refusals=refusals)
    return _route(spec, handler, doc, public=True)


# The api's routes: the first whose path and method match serves the request.
ROUTES: list[Route] = [
    _route(
        "POST /runs",
        runs.start,
        Doc("Start a run", "runs", {202: "models.runs.RunStarted"}, body="runs.NewRun", refusals=(409,)),
        scope="runs:start",
        role="editor",
    ),
    _route(
        "GET /runs",
        runs.list_all,
        Doc("List runs, filtered and paged", "runs", {200: "models.runs.RunList"}, query="runs.RunsQuery"),
        role="viewer",
    ),
    _route(
        "GET /runs/<run_id>",
        runs.get_run,
        Doc(
            "A run, its timeline and what it wrote (ETag: a 304 when unchanged)",
            "runs",
            {200: "models.runs.RunTimeline", 304: ""},
            headers="models.runs.RunHeaders",
        ),
        role="viewer",
    ),
    _route(
        "POST /runs/<run_id>/again",
        runs.again,
        Doc(
            "Run again: a new run with the same goal and page",
            "runs",
            {202: "models.runs.RunStarted"},
            body="runs.Again",
            body_required=False,
            refusals=(409,),
        ),
        scope="runs:start",
        role="editor",
    ),
    *(
        _route(f"POST /runs/<run_id>/{decide.__name__}", decide, doc, scope="runs:decide", role="editor")
        for decide, doc in _DECISIONS.items()
    ),
    *(
        _route(f"POST /runs/<run_id>/{control.__name__}", control, doc, scope="runs:control", role="editor")
        for control, doc in _CONTROLS.items()
    ),
    # A mailed link's token is in its fragment, POSTed by the page's script: never in a logged URL.
    *_mailed_link(
        "/links",
        "decision",
        (approvals.page, approvals.preview, approvals.decide, approvals.legacy),
        "Apply a decision link",
        ("models.links.LinkPreview", "models.links.LinkDecided"),
        refusals=(401, 403, 404),
    ),
    _route(
        "GET /connect",
        connection.start_connect,
        Doc(
            "Start connecting a workspace",
            "connection",
            {200: "models.connection.ConnectStart"},
            headers="models.connection.ConnectHeaders",
            refusals=(409,),
        ),
        public=True,
    ),
    _route(
        "DELETE /connection",
        connection.remove_connection,
        Doc(
            "Disconnect the workspace",
            "connection",
            {200: "models.connection.Disconnected"},
            refusals=(502, 503),
        ),
        session_only=True,
        role="owner",
    ),
    _route(
        "GET /session",
        session.get_session,
        Doc("The session and its CSRF token", "session", {200: "models.session.SessionView"}),
        session_only=True,
        role="viewer",
    ),
    _route(
        "DELETE /session",
        session.sign_out,
        Doc("Sign this browser out", "session", {200: "models.session.SignedOut"}),
        session_only=True,
        role="viewer",
    ),
    _route(
        "GET /settings",
        settings.get_settings,
        Doc("The owner's settings", "settings", {200: "models.settings.SettingsView"}),
        role="viewer",
    ),
    _route(
        "PATCH /settings",
        settings.patch_settings,
        Doc(
            "Change some settings",
            "settings",
            {200: "models.settings.SettingsView"},
            body="models.settings.SettingsChange",
            refusals=(409, 429, 503),
        ),
        session_only=True,
        role="admin",
    ),
    _route(
        "GET /notifications",
        notifications.list_notifications,
        Doc(
            "Notification records, newest first",
            "notifications",
            {200: "models.notifications.NotificationList"},
            query="models.notifications.NotificationsQuery",
        ),
        role="viewer",
    ),
    _route(
        "GET /integrations",
        integrations.get_integrations,
        Doc("Which integrations are connected", "integrations", {200: "models.integrations.IntegrationList"}),
        role="viewer",
    ),
    _route(
        "PUT /integrations/<name>",
        integrations.put_integration,
        Doc(
            "Connect an integration with its token",
            "integrations",
            {200: "models.integrations.IntegrationConnected"},
            body="models.integrations.IntegrationToken",
            path="models.integrations.IntegrationPath",
            refusals=(409, 503),
        ),
        session_only=True,
        role="admin",
    ),
    _route(
        "DELETE /integrations/<name>",
        integrations.delete_integration,
        Doc(
            "Disconnect an integration",
            "integrations",
            {200: "models.integrations.IntegrationDisconnected"},
            path="models.integrations.IntegrationPath",
            refusals=(503,),
        ),
        session_only=True,
        role="admin",
    ),
    *_mailed_link(
        "/email-confirmations",
        "confirmation",
        (
            email_confirmations.page,
            email_confirmations.preview,
            email_confirmations.confirm,
            email_confirmations.legacy,
        ),
        "Confirm a notification_email",
        ("models.links.ConfirmationPreview", "models.links.Confirmed"),
        refusals=(401, 404),
        tag="email confirmations",
    ),
    _route(
        "GET /usage",
        usage.get_usage,
        Doc("Model spend against the budgets", "usage", {200: "models.usage.Usage"}),
        role="viewer",
    ),
    _route(
        "POST /api-keys",
        api_keys.post_api_key,
        Doc(
            "Make an API key",
            "api keys",
            {201: "models.api_keys.MadeApiKey"},
            body="api_keys.NewApiKey",
            headers="models.api_keys.KeyHeaders",
            refusals=(409,),
        ),
        session_only=True,
        role="viewer",
    ),
    _route(
        "GET /api-keys",
        api_keys.get_api_keys,
        Doc("List the API keys", "api keys", {200: "models.api_keys.ApiKeyList"}),
        session_only=True,
        role="viewer",
    ),
    _route(
        "DELETE /api-keys/<key_id>",
        api_keys.remove_api_key,
        Doc("Delete an API key", "api keys", {200: "models.api_keys.DeletedApiKey"}),
        session_only=True,
        role="viewer",
    ),
    _route(
        "GET /notion/pages",
        home.list_pages,
        Doc(
            "Pages and data sources the integration can see",
            "home",
            {200: "models.home.PickerPage"},
            query="models.home.PagesQuery",
            refusals=(502, 503),
        ),
        role="admin",
    ),
    _route(
        "GET /home",
        home.get_home,
        Doc("The agent's databases in Notion", "home", {200: "models.home.HomeView"}, refusals=(502, 503)),
        role="viewer",
    ),
    _route(
        "POST /home",
        home.post_home,
        Doc(
            "Find or make the agent's databases under a page",
            "home",
            {200: "models.home.HomeView"},
            body="home.NewHome",
            refusals=(409, 502, 503),
        ),
        session_only=True,
        role="admin",
    ),
    _route(
        "GET /team",
        team.get_team,
        Doc("The team, its open invites and who approves what", "team", {200: "models.team.TeamView"}),
        role="viewer",
    ),
    _route(
        "POST /team/invites",
        team.post_invite,
        Doc(
            "Invite a person to the team (the link is shown in this answer only)",
            "team",
            {201: "models.team.MadeInvite"},
            body="team.NewInvite",
            refusals=(409,),
        ),
        session_only=True,
        role="admin",
    ),
    _route(
        "DELETE /team/invites/<invite_id>",
        team.delete_invite,
        Doc("Withdraw an invite", "team", {200: "models.team.WithdrawnInvite"}, refusals=(404,)),
        session_only=True,
        role="admin",
    ),
    _route(
        "PATCH /team/members/<member_id>",
        team.patch_member,
        Doc(
            "Change a member's role",
            "team",
            {200: "models.team.TeamMember"},
            body="team.RoleChange",
            refusals=(404,),
        ),
        session_only=True,
        role="admin",
    ),
    _route(
        "DELETE /team/members/<member_id>",
        team.delete_member,
        Doc(
            "Remove a member: their sessions and API keys end at once",
            "team",
            {200: "models.team.RemovedMember"},
            refusals=(404,),
        ),
        session_only=True,
        role="admin",
    ),
    _route(
        "PUT /team/approvers",
        team.put_approvers,
        Doc(
            "Choose who approves each class of request",
            "team",
            {200: "shared.domain.members.Approvers"},
            body="shared.domain.members.Approvers",
        ),
        session_only=True,
        role="owner",
    ),
    _route(
        "GET /audit",
        audit.get_audit,
        Doc(
            "The audit log: who did what, when, from where (newest first, filtered)",
            "audit",
            {200: "models.audit.AuditPage"},
            query="audit.AuditQuery",
        ),
        role="admin",
    ),
    _route(
        "GET /audit/export",
        audit.export_audit,
        Doc(
            "Every entry the filters keep, as JSON lines",
            "audit",
            {200: "application/x-ndjson"},
            query="audit.AuditQuery",
        ),
        role="admin",
    ),
    _route(
        "PUT /audit/retention",
        audit.put_retention,
        Doc(
            "How long the audit log keeps an entry", "audit", {200: "audit.Retention"}, body="audit.Retention"
        ),
        session_only=True,
        role="owner",
    ),
    _operator_route(
        "POST /doctor",
        doctor.start,
        "An operator's check: one task through each queue and one model call (make doctor)",
        (401,),
    ),
    _operator_route(
        "GET /doctor/<check_id>",
        doctor.get_check,
        "What each hop of an operator's check recorded so far",
        (401, 404),
    ),
    _route(
        "GET /openapi.json",
        contract.get_contract,
        Doc("This contract (OpenAPI 3.1)", "contract", {200: "application/json", 304: ""}),
        public=True,
    ),
]

# The modules whose handlers the table serves, every module of functions.routes but the table: each
# function of theirs that takes a Call and answers a Reply is a route's handler.
MODULES = tuple(
    importlib.import_module(f"{routes_package.__name__}.{m.name}")
    for m in pkgutil.iter_modules(routes_package.__path__)
    if not m.ispkg and m.name != __name__.rsplit(".", 1)[1]
)


def handlers_of(module: ModuleType) -> dict[str, Handler]:
    """The handlers ``module`` defines: its public functions of one ``Call`` that answer a ``Reply``."""
    found: dict[str, Handler] = {}
    for name, value in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(value) or value.__module__ != module.__name__:
            continue
        params = list(inspect.signature(value).parameters.values())
        if [p.annotation for p in params] == [Call] and value.__annotations__.get("return") == Reply:
            found[name] = value
    return found


def check(routes: Iterable[Route], modules: Iterable[ModuleType]) -> None:
    """ValueError naming what is wrong unless each route has a callable handler and a role (a public
    route none), each handler of ``modules`` serves a route, and no method and path is served twice."""
    routes = list(routes)
    served: set[tuple[str, str]] = set()
    for route in routes:
        if not callable(route.handler):
            raise ValueError(f"{route.methods} {route.path} has no handler: {route.handler!r}")
        if route.public != (route.role not in ROLES):
            raise ValueError(
                f"{route.methods} {route.path}: a route names the least role that may call it "
                f"({', '.join(ROLES)}; docs/security.md, 'Roles'), a public route none"
            )
        for method in route.methods:
            if (method, route.path) in served:
                raise ValueError(f"{method} {route.path} is served twice")
            served.add((method, route.path))
    routed = {id(route.handler) for route in routes}
    for module in modules:
        for name, handler in handlers_of(module).items():
            if id(handler) not in routed:
                raise ValueError(f"{module.__name__}.{name} handles no route: add its Route to ROUTES")


check(ROUTES, MODULES)
