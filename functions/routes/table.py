"""The api's route table: each route with the function that handles it, checked as this module is
imported (:func:`check`): a route without a handler, a handler without a route, or a method and path
served twice stops the import. Every handler's module loads with the table."""

from functions.routes import Doc, Route, contract
from functions.routes.agents_api import agents, feedback, routines
from functions.routes.memory_api import ask
from functions.routes.notify_api import notifications
from functions.routes.notion_api import connection, home, workspace
from functions.routes.platform_api import doctor
from functions.routes.rows import Tag, check, handler_modules, mailed_link, operator_route, route
from functions.routes.runs_api import (
    BULK,
    CONTROLS,
    DECISIONS,
    RETRY,
    approvals,
    inbox,
    run_actions,
    runs,
    usage,
)
from functions.routes.sync_api import SYNC_ROUTES
from functions.routes.team_api import (
    api_keys,
    audit,
    email_confirmations,
    integrations,
    session,
    settings,
    team,
)

_AGENT = "models.agents.AgentView"
_AGENTS = "models.agents.AgentList"


_runs = Tag("runs")
_connection = Tag("connection", session_only=True)
_session = Tag("session", session_only=True)
_settings = Tag("settings", session_only=True)
_integrations = Tag("integrations", session_only=True)
_keys = Tag("api keys", session_only=True)
_home = Tag("home")
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
        "GET /inbox",
        inbox.inbox,
        "The runs waiting for a decision the caller may make (the approvals inbox)",
        {200: "models.runs.Inbox"},
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
        route(f"POST /runs/<run_id>/{decide.__name__}", decide, doc, scope="runs:decide", role="editor")
        for decide, doc in DECISIONS.items()
    ),
    *(
        route(f"POST /runs/<run_id>/{control.__name__}", control, doc, scope="runs:control", role="editor")
        for control, doc in CONTROLS.items()
    ),
    route("POST /runs/<run_id>/retry", run_actions.retry, RETRY, scope="runs:control", role="editor"),
    route("POST /runs/bulk", run_actions.bulk, BULK, scope="runs:control", role="editor"),
    # A mailed link's token is in its fragment, POSTed by the page's script: never in a logged URL.
    *mailed_link(
        "/links",
        "decision",
        (approvals.page, approvals.preview, approvals.decide, approvals.legacy),
        "Apply a decision link",
        ("models.LinkPreview", "models.LinkDecided"),
        refusals=(401, 403, 404),
    ),
    Tag("connection", public=True)(
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
    Tag("notifications")(
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
    *mailed_link(
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
    Tag("ask")(
        "POST /ask",
        ask.post_ask,
        "Ask the workspace: an answer citing the pages it used",
        {200: "models.ask.AskAnswer"},
        body="memory_api.ask.AskRequest",
        scope="runs:start",
        refusals=(404, 409, 429),  # 404: no conversation of the caller's; 409: disconnected
        role="editor",
    ),
    Tag("usage")(
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
    route(
        "GET /agents",
        agents.list_agents,
        Doc("The workspace's agents (the default one made on first read)", "agents", {200: _AGENTS}),
        role="viewer",
    ),
    route(
        "POST /agents",
        agents.create,
        Doc("Make an agent", "agents", {201: _AGENT}, body="agents_api.agents.NewAgent", refusals=(409,)),
        session_only=True,
        role="admin",
    ),
    route(
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
    route(
        "PATCH /agents/<agent_id>",
        agents.edit,
        Doc(
            "Change an agent", "agents", {200: _AGENT}, body="agents_api.agents.AgentChange", refusals=(409,)
        ),
        session_only=True,
        role="admin",
    ),
    *(
        route(
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
    route(
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
    route(
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
    route(
        "POST /runs/<run_id>/rating",
        feedback.rate,
        Doc(
            "Rate an ended run: good, or bad with a reason its agent's next runs are told",
            "agents",
            {200: "models.feedback.Rated"},
            body="agents_api.feedback.RatingBody",
            refusals=(409,),
        ),
        role="editor",
    ),
    route(
        "POST /agents/<agent_id>/proposals/<proposal_id>",
        feedback.decide,
        Doc(
            "Accept or dismiss an instructions edit proposed from repeated reasons",
            "agents",
            {200: "models.feedback.ProposalDecided"},
            body="agents_api.feedback.Decision",
            refusals=(409, 502, 503),
        ),
        session_only=True,
        role="owner",
    ),
    route(
        "GET /agents/<agent_id>/routines",
        routines.routines,
        Doc(
            "An agent's routines, each with when it next starts a run",
            "agents",
            {200: "models.agents.Routines"},
        ),
        role="viewer",
    ),
    route(
        "POST /agents/<agent_id>/run-now",
        routines.run_now,
        Doc(
            "Start one of an agent's routines now (the same request_id starts one run)",
            "agents",
            {202: "models.runs.RunStarted"},
            body="agents_api.routines.RunNow",
            refusals=(409,),
        ),
        scope="runs:start",
        role="editor",
    ),
    route(
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
    route(
        "GET /team",
        team.get_team,
        Doc("The team, its open invites and who approves what", "team", {200: "models.team.TeamView"}),
        role="viewer",
    ),
    route(
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
    route(
        "DELETE /team/invites/<invite_id>",
        team.delete_invite,
        Doc("Withdraw an invite", "team", {200: "models.team.WithdrawnInvite"}, refusals=(404,)),
        session_only=True,
        role="admin",
    ),
    route(
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
    route(
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
    route(
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
    route(
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
    route(
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
    route(
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
    operator_route(
        "POST /doctor",
        doctor.start,
        "An operator's check: one task through each queue and one model call (make doctor)",
        (401,),
    ),
    operator_route(
        "GET /doctor/<check_id>",
        doctor.get_check,
        "What each hop of an operator's check recorded so far",
        (401, 404),
    ),
    *SYNC_ROUTES,
    Tag("contract", public=True)(
        "GET /openapi.json",
        contract.get_contract,
        "This contract (OpenAPI 3.1)",
        {200: "application/json", 304: ""},
    ),
]


# The modules whose handlers the table serves (:func:`functions.routes.rows.handler_modules`).
MODULES = handler_modules()

check(ROUTES, MODULES)
