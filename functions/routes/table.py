"""The api's route table: each route with the function that handles it, checked as this module is
imported (:func:`check`): a route without a handler, a handler without a route, or a method and path
served twice stops the import. Every handler's module loads with the table."""

import inspect
from collections.abc import Iterable
from types import ModuleType

from functions._http import Reply
from functions.routes import (
    Call,
    Doc,
    Handler,
    Route,
    api_keys,
    approvals,
    connection,
    contract,
    email_confirmations,
    home,
    integrations,
    notifications,
    run_actions,
    runs,
    session,
    settings,
    usage,
)

# Summaries of the routes made in a loop below.
_DECISIONS: dict[Handler, str] = {
    run_actions.approve: "Approve the request the run waits for",
    run_actions.reject: "Reject the request the run waits for",
    run_actions.answer: "Answer the question the run asks",
}
_CONTROLS: dict[Handler, str] = {
    run_actions.cancel: "Cancel a run",
    run_actions.pause: "Pause a run",
    run_actions.resume: "Resume a paused run",
}
_LINK = "models.LinkRefusal"  # what a mailed link's routes answer when they refuse
_LINK_BODY = "models.LinkToken"  # what a mailed link's page POSTs
_HTML = {200: "text/html"}
_MOVED = {303: ""}  # a redirect, without a body

# The api's routes: the first whose path and method match serves the request.
ROUTES: list[Route] = [
    Route(
        "/runs",
        ("POST",),
        runs.start,
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
        runs.list_all,
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
        runs.get_run,
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
        runs.again,
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
            f"/runs/<run_id>/{decide.__name__}",
            ("POST",),
            decide,
            scope="runs:decide",
            doc=Doc(
                summary,
                "runs",
                body="run_actions.DecisionBody",
                answers={200: "models.runs.RunMoved"},
                refusals=(409,),
            ),
        )
        for decide, summary in _DECISIONS.items()
    ),
    *(
        Route(
            f"/runs/<run_id>/{control.__name__}",
            ("POST",),
            control,
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
        for control, summary in _CONTROLS.items()
    ),
    # A mailed link's token is in its fragment, POSTed by the page's script: never in a logged URL.
    Route(
        "/links",
        ("GET",),
        approvals.page,
        public=True,
        doc=Doc("The page a mailed decision link opens", "links", answers=_HTML),
    ),
    Route(
        "/links/preview",
        ("POST",),
        approvals.preview,
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
        approvals.decide,
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
        approvals.legacy,
        public=True,
        doc=Doc("An older decision link: to the page", "links", answers=_MOVED, refusals=(400,)),
    ),
    Route(
        "/connect",
        ("GET",),
        connection.start_connect,
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
        connection.remove_connection,
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
        session.get_session,
        session_only=True,
        doc=Doc("The session and its CSRF token", "session", answers={200: "models.session.SessionView"}),
    ),
    Route(
        "/session",
        ("DELETE",),
        session.sign_out,
        session_only=True,
        doc=Doc("Sign this browser out", "session", answers={200: "models.session.SignedOut"}),
    ),
    Route(
        "/settings",
        ("GET",),
        settings.get_settings,
        doc=Doc("The owner's settings", "settings", answers={200: "models.settings.SettingsView"}),
    ),
    Route(
        "/settings",
        ("PATCH",),
        settings.patch_settings,
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
        notifications.list_notifications,
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
        integrations.get_integrations,
        doc=Doc(
            "Which integrations are connected",
            "integrations",
            answers={200: "models.integrations.IntegrationList"},
        ),
    ),
    Route(
        "/integrations/<name>",
        ("PUT",),
        integrations.put_integration,
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
        integrations.delete_integration,
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
        email_confirmations.page,
        public=True,
        doc=Doc("The page a mailed confirmation link opens", "email confirmations", answers=_HTML),
    ),
    Route(
        "/email-confirmations/preview",
        ("POST",),
        email_confirmations.preview,
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
        email_confirmations.confirm,
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
        email_confirmations.legacy,
        public=True,
        doc=Doc(
            "An older confirmation link: to the page", "email confirmations", answers=_MOVED, refusals=(400,)
        ),
    ),
    Route(
        "/usage",
        ("GET",),
        usage.get_usage,
        doc=Doc("Model spend against the budgets", "usage", answers={200: "models.usage.Usage"}),
    ),
    Route(
        "/api-keys",
        ("POST",),
        api_keys.post_api_key,
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
        api_keys.get_api_keys,
        session_only=True,
        doc=Doc("List the API keys", "api keys", answers={200: "models.api_keys.ApiKeyList"}),
    ),
    Route(
        "/api-keys/<key_id>",
        ("DELETE",),
        api_keys.remove_api_key,
        session_only=True,
        doc=Doc("Delete an API key", "api keys", answers={200: "models.api_keys.DeletedApiKey"}),
    ),
    Route(
        "/notion/pages",
        ("GET",),
        home.list_pages,
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
        home.get_home,
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
        home.post_home,
        session_only=True,
        doc=Doc(
            "Find or make the agent's databases under a page",
            "home",
            body="home.NewHome",
            answers={200: "models.home.HomeView"},
            refusals=(409, 502, 503),
        ),
    ),
    Route(
        "/openapi.json",
        ("GET",),
        contract.get_contract,
        public=True,
        doc=Doc("This contract (OpenAPI 3.1)", "contract", answers={200: "application/json", 304: ""}),
    ),
]

# The modules whose handlers the table serves: every function of theirs that takes a Call and answers
# a Reply is a route's handler.
MODULES = (
    api_keys,
    approvals,
    connection,
    contract,
    email_confirmations,
    home,
    integrations,
    notifications,
    run_actions,
    runs,
    session,
    settings,
    usage,
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
    """ValueError naming what is wrong unless each route has a callable handler, each handler of
    ``modules`` serves a route, and no method and path is served twice."""
    routes = list(routes)
    served: set[tuple[str, str]] = set()
    for route in routes:
        if not callable(route.handler):
            raise ValueError(f"{route.methods} {route.path} has no handler: {route.handler!r}")
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
