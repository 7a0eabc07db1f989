"""The api's route table: each route with the function that handles it, checked as this module is
imported (:func:`check`): a route without a handler, a handler without a route, or a method and path
served twice stops the import. Every handler's module loads with the table."""

import importlib
import inspect
import pkgutil
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any

from functions import routes as routes_package
from functions._http import Reply
from functions.routes import Call, Doc, Handler, Route, contract
from functions.routes.agents_api import agents
from functions.routes.memory_api import ask
from functions.routes.notify_api import notifications
from functions.routes.notion_api import connection, home, workspace
from functions.routes.platform_api import doctor
from functions.routes.runs_api import approvals, run_actions, runs, usage
from functions.routes.team_api import (
    api_keys,
    audit,
    email_confirmations,
    integrations,
    session,
    settings,
    team,
)
from shared.workspace.domain.members import ROLES


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


class _Tag:
    """The routes of one tag of the contract, with the access they have unless one says otherwise:
    ``tag(spec, handler, summary, answers, **doc)`` is a route (:class:`~functions.routes.Doc`'s
    other fields as keywords)."""

    def __init__(self, tag: str, *, public: bool = False, session_only: bool = False) -> None:
        self.tag, self.public, self.session_only = tag, public, session_only

    def __call__(
        self,
        spec: str,
        handler: Handler,
        summary: str,
        answers: Mapping[int, str],
        *,
        session_only: bool | None = None,
        scope: str = "read",
        role: str = "",
        **doc: Any,
    ) -> Route:
        only = self.session_only if session_only is None else session_only
        words = Doc(summary, self.tag, answers, **doc)
        return _route(spec, handler, words, public=self.public, session_only=only, scope=scope, role=role)


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
    link = _Tag(tag, public=True)
    return [
        link(f"GET {path}", page, f"The page a mailed {what} link opens", _HTML),
        link(
            f"POST {path}/preview",
            preview,
            f"What a {what} link would do",
            {200: answers[0]},
            body=_LINK_BODY,
            error=_LINK,
            refusals=refusals,
        ),
        link(
            f"POST {path}/{act.__name__}",
            act,
            act_summary,
            {200: answers[1]},
            body=_LINK_BODY,
            error=_LINK,
            refusals=(*refusals, 409),
        ),
        link(
            f"GET {path}/<token>",
            legacy,
            f"An older {what} link: to the page",
            _MOVED,
            path="models.LinkTokenPath",
            refusals=(400,),
        ),
    ]


# Deciding a run's request, and controlling a run: routes alike but for their summaries.
_DECISIONS = {
    h: Doc(summary, "runs", _MOVED_RUN, body="runs_api.run_actions.DecisionBody", refusals=(409,))
    for h, summary in (
        (run_actions.approve, "Approve the request the run waits for"),
        (run_actions.reject, "Reject the request the run waits for"),
        (run_actions.answer, "Answer the question the run asks"),
    )
}
_CONTROLS = {
    h: Doc(
        summary, "runs", _MOVED_RUN, body="runs_api.run_actions.Note", body_required=False, refusals=(409,)
    )
    for h, summary in (
        (run_actions.cancel, "Cancel a run"),
        (run_actions.pause, "Pause a run"),
        (run_actions.resume, "Resume a paused run"),
    )
}
_RETRY = Doc("Retry a failed run from its failed step", "runs", _MOVED_RUN, refusals=(409,))
_BULK = Doc(
    "Cancel or retry several runs",
    "runs",
    {200: "models.runs.BulkDone"},
    body="runs_api.run_actions.BulkBody",
)

_CHECK = {200: "models.doctor.DoctorCheck"}
_AGENT = "models.agents.AgentView"
_AGENTS = "models.agents.AgentList"


def _operator_route(spec: str, handler: Handler, summary: str, refusals: tuple[int, ...]) -> Route:
    """A route of the operator's (``make doctor``): public to the router, its handler checks the
    operator's ``Authorization: Doctor <token>`` (functions.routes.platform_api.doctor)."""
    answers = {202: _CHECK[200]} if spec.startswith("POST") else _CHECK
    doc = Doc(summary, "operations", answers, headers="models.doctor.DoctorHeaders", refusals=refusals)
    return _route(spec, handler, doc, public=True)


_runs = _Tag("runs")
_connection = _Tag("connection", session_only=True)
_session = _Tag("session", session_only=True)
_settings = _Tag("settings", session_only=True)
_integrations = _Tag("integrations", session_only=True)
_keys = _Tag("api keys", session_only=True)
_home = _Tag("home")
_STARTED = {202: "models.runs.RunStarted"}
_NOTION_DOWN = (502, 503)

# The api's routes: the first whose path and method match serves the request.
ROUTES: list[Route] = [
    _runs(
        "POST /runs",
        runs.start,
        "Start a run",
        _STARTED,
        body="runs_api.runs.NewRun",
        refusals=(409,),
        scope="runs:start",
        role="editor",
    ),
    _runs(
        "GET /runs",
        runs.list_all,
        "List runs, filtered and paged",
        {200: "models.runs.RunList"},
        query="runs_api.runs.RunsQuery",
        role="viewer",
    ),
    _runs(
        "GET /skipped-edits",
        runs.skipped,
        "Edits the trigger rules skipped in the last week",
        {200: "models.runs.SkippedEdits"},
        query="runs_api.runs.SkippedQuery",
        role="viewer",
    ),
    _runs(
        "GET /runs/<run_id>",
        runs.get_run,
        "A run, its timeline and what it wrote (ETag: a 304 when unchanged)",
        {200: "models.runs.RunTimeline", 304: ""},
        headers="models.runs.RunHeaders",
        role="viewer",
    ),
    _runs(
        "GET /runs/<run_id>/related",
        runs.related,
        "The runs that handed a run its work and the runs it started (children, hand-offs)",
        {200: "models.runs.RunRelated"},
        role="viewer",
    ),
    _runs(
        "POST /runs/<run_id>/again",
        runs.again,
        "Run again: a new run with the same goal and page",
        _STARTED,
        body="runs_api.runs.Again",
        body_required=False,
        refusals=(409,),
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
    _route("POST /runs/<run_id>/retry", run_actions.retry, _RETRY, scope="runs:control", role="editor"),
    _route("POST /runs/bulk", run_actions.bulk, _BULK, scope="runs:control", role="editor"),
    # A mailed link's token is in its fragment, POSTed by the page's script: never in a logged URL.
    *_mailed_link(
        "/links",
        "decision",
        (approvals.page, approvals.preview, approvals.decide, approvals.legacy),
        "Apply a decision link",
        ("models.LinkPreview", "models.LinkDecided"),
        refusals=(401, 403, 404),
    ),
    _Tag("connection", public=True)(
        "GET /connect",
        connection.start_connect,
        "Start connecting a workspace",
        {200: "models.connection.ConnectStart"},
        headers="models.connection.ConnectHeaders",
        refusals=(409,),
    ),
    _connection(
        "DELETE /connection",
        connection.remove_connection,
        "Disconnect the workspace",
        {200: "models.connection.Disconnected"},
        refusals=_NOTION_DOWN,
        role="owner",
    ),
    _connection(
        "POST /workspace/erase",
        workspace.erase,
        "Erase the workspace and all its data (its name typed to confirm)",
        {200: "models.connection.Erased"},
        body="notion_api.workspace.EraseWorkspace",
        refusals=_NOTION_DOWN,
        role="owner",
    ),
    _session(
        "GET /session",
        session.get_session,
        "The session and its CSRF token",
        {200: "models.session.SessionView"},
        role="viewer",
    ),
    _session(
        "DELETE /session",
        session.sign_out,
        "Sign this browser out",
        {200: "models.session.SignedOut"},
        role="viewer",
    ),
    _settings(
        "GET /settings",
        settings.get_settings,
        "The owner's settings",
        {200: "models.settings.SettingsView"},
        session_only=False,
        role="viewer",
    ),
    _settings(
        "PATCH /settings",
        settings.patch_settings,
        "Change some settings",
        {200: "models.settings.SettingsView"},
        body="models.settings.SettingsChange",
        refusals=(409, 429, 503),
        role="admin",
    ),
    _Tag("notifications")(
        "GET /notifications",
        notifications.list_notifications,
        "Notification records, newest first",
        {200: "models.notifications.NotificationList"},
        query="models.notifications.NotificationsQuery",
        role="viewer",
    ),
    _integrations(
        "GET /integrations",
        integrations.get_integrations,
        "Which integrations are connected",
        {200: "models.integrations.IntegrationList"},
        session_only=False,
        role="viewer",
    ),
    _integrations(
        "PUT /integrations/<name>",
        integrations.put_integration,
        "Connect an integration with its token",
        {200: "models.integrations.IntegrationConnected"},
        body="models.integrations.IntegrationToken",
        path="models.integrations.IntegrationPath",
        refusals=(409, 503),
        role="admin",
    ),
    _integrations(
        "DELETE /integrations/<name>",
        integrations.delete_integration,
        "Disconnect an integration",
        {200: "models.integrations.IntegrationDisconnected"},
        path="models.integrations.IntegrationPath",
        refusals=(503,),
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
        ("models.ConfirmationPreview", "models.Confirmed"),
        refusals=(401, 404),
        tag="email confirmations",
    ),
    _Tag("ask")(
        "POST /ask",
        ask.post_ask,
        "Ask the workspace: an answer citing the pages it used",
        {200: "models.ask.AskAnswer"},
        body="memory_api.ask.AskRequest",
        scope="runs:start",
        refusals=(404, 409, 429),  # 404: no conversation of the caller's; 409: disconnected
        role="editor",
    ),
    _Tag("usage")(
        "GET /usage",
        usage.get_usage,
        "Model spend against the budgets",
        {200: "models.usage.Usage"},
        role="viewer",
    ),
    _keys(
        "POST /api-keys",
        api_keys.post_api_key,
        "Make an API key",
        {201: "models.api_keys.MadeApiKey"},
        body="team_api.api_keys.NewApiKey",
        headers="models.api_keys.KeyHeaders",
        refusals=(409,),
        role="viewer",
    ),
    _keys(
        "GET /api-keys",
        api_keys.get_api_keys,
        "List the API keys",
        {200: "models.api_keys.ApiKeyList"},
        role="viewer",
    ),
    _keys(
        "DELETE /api-keys/<key_id>",
        api_keys.remove_api_key,
        "Delete an API key",
        {200: "models.api_keys.DeletedApiKey"},
        role="viewer",
    ),
    _home(
        "GET /notion/pages",
        home.list_pages,
        "Pages and data sources the integration can see",
        {200: "models.home.PickerPage"},
        query="models.home.PagesQuery",
        refusals=_NOTION_DOWN,
        role="admin",
    ),
    _home(
        "GET /notion/data-sources/<data_source_id>/properties",
        home.list_properties,
        "A data source's properties, for its trigger rules",
        {200: "models.home.PropertyList"},
        path="models.home.PropertiesPath",
        refusals=(404, *_NOTION_DOWN),
        role="admin",
    ),
    _home(
        "GET /home",
        home.get_home,
        "The agent's databases in Notion",
        {200: "models.home.HomeView"},
        refusals=_NOTION_DOWN,
        role="viewer",
    ),
    _home(
        "POST /home",
        home.post_home,
        "Find or make the agent's databases under a page",
        {200: "models.home.HomeView"},
        body="notion_api.home.NewHome",
        refusals=(409, *_NOTION_DOWN),
        session_only=True,
        role="admin",
    ),
    _route(
        "GET /agents",
        agents.list_agents,
        Doc("The workspace's agents (the default one made on first read)", "agents", {200: _AGENTS}),
        role="viewer",
    ),
    _route(
        "POST /agents",
        agents.create,
        Doc("Make an agent", "agents", {201: _AGENT}, body="agents_api.agents.NewAgent", refusals=(409,)),
        session_only=True,
        role="admin",
    ),
    _route(
        "GET /agents/<agent_id>",
        agents.get_agent,
        Doc(
            "An agent and its instructions as its page holds them",
            "agents",
            {200: _AGENT},
            refusals=(502, 503),
        ),
        role="viewer",
    ),
    _route(
        "PATCH /agents/<agent_id>",
        agents.edit,
        Doc(
            "Change an agent", "agents", {200: _AGENT}, body="agents_api.agents.AgentChange", refusals=(409,)
        ),
        session_only=True,
        role="admin",
    ),
    *(
        _route(
            f"POST /agents/<agent_id>/{h.__name__}",
            h,
            Doc(summary, "agents", {200: _AGENT}),
            session_only=True,
            role="admin",
        )
        for h, summary in (
            (agents.pause, "Pause an agent: nothing starts it"),
            (agents.resume, "Resume an agent"),
        )
    ),
    _route(
        "DELETE /agents/<agent_id>",
        agents.remove,
        Doc(
            "Delete an agent (not the default one)",
            "agents",
            {200: "models.agents.DeletedAgent"},
            refusals=(409,),
        ),
        session_only=True,
        role="admin",
    ),
    _route(
        "POST /agents/<agent_id>/instructions/accept",
        agents.accept,
        Doc(
            "Accept the instructions page's version someone else edited",
            "agents",
            {200: "models.agents.Accepted"},
            body="agents_api.agents.Acceptance",
            refusals=(409, 502, 503),
        ),
        session_only=True,
        role="admin",
    ),
    _route(
        "GET /agents/<agent_id>/runs",
        agents.agent_runs,
        Doc(
            "An agent's runs, newest first",
            "agents",
            {200: "models.runs.RunList"},
            query="agents_api.agents.AgentRunsQuery",
        ),
        role="viewer",
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
            "Invite a person to the team (its link is shown in this answer and mailed to them)",
            "team",
            {201: "models.team.MadeInvite"},
            body="team_api.team.NewInvite",
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
            body="team_api.team.RoleChange",
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
            {200: "shared.workspace.domain.members.Approvers"},
            body="shared.workspace.domain.members.Approvers",
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
            query="team_api.audit.AuditQuery",
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
            query="team_api.audit.AuditQuery",
        ),
        role="admin",
    ),
    _route(
        "PUT /audit/retention",
        audit.put_retention,
        Doc(
            "How long the audit log keeps an entry",
            "audit",
            {200: "team_api.audit.Retention"},
            body="team_api.audit.Retention",
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
    _Tag("contract", public=True)(
        "GET /openapi.json",
        contract.get_contract,
        "This contract (OpenAPI 3.1)",
        {200: "application/json", 304: ""},
    ),
]


# The modules whose handlers the table serves, every module of functions.routes but the table: each
# function of theirs that takes a Call and answers a Reply is a route's handler. They sit in functions.routes and its subpackages (one per capability), the models' package aside:
# walked by path, so the models (the contract's alone) are not loaded.
def _route_modules(path: str, prefix: str) -> Iterable[str]:
    for m in pkgutil.iter_modules([path]):
        if m.ispkg and m.name != "models":
            yield from _route_modules(f"{path}/{m.name}", f"{prefix}{m.name}.")
        elif not m.ispkg and f"{prefix}{m.name}" != __name__:
            yield f"{prefix}{m.name}"


MODULES = tuple(
    importlib.import_module(name)
    for name in _route_modules(routes_package.__path__[0], f"{routes_package.__name__}.")
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
