"""The api's route table: each route with the function that handles it, checked as this module is
imported (:func:`check`): a route without a handler, a handler without a route, or a method and path
served twice stops the import. Every handler's module loads with the table. Each capability's rows are
in its package's ``table`` module (``functions/routes/<capability>_api/table.py``; sync's in
``sync_api``); the few of a capability with one or two routes, and the contract's, are here."""

from functions.routes import Route, contract
from functions.routes.agents_api.table import AGENTS_ROUTES
from functions.routes.calendar_api import push as calendar_push
from functions.routes.google_api import GOOGLE_ROUTES
from functions.routes.mail_api import MAIL_ROUTES
from functions.routes.mcp_api import MCP_ROUTES
from functions.routes.memory_api import ask
from functions.routes.notify_api import notifications
from functions.routes.notion_api.table import NOTION_ROUTES
from functions.routes.outbound_api import OUTBOUND_ROUTES
from functions.routes.platform_api import doctor
from functions.routes.rows import Tag, check, handler_modules, operator_route
from functions.routes.runs_api.table import RUNS_ROUTES
from functions.routes.sessions_api.table import SESSIONS_ROUTES
from functions.routes.slack_api import SLACK_ROUTES
from functions.routes.sync_api import SYNC_ROUTES
from functions.routes.team_api.table import TEAM_ROUTES

# The api's routes. The router (werkzeug's) matches a literal segment before a ``<name>`` one, whatever
# their order here; no two routes' paths and methods overlap otherwise.
ROUTES: list[Route] = [
    *RUNS_ROUTES,
    *NOTION_ROUTES,
    *TEAM_ROUTES,
    *SLACK_ROUTES,
    Tag("calendar", public=True)(
        "POST /calendar/push",
        calendar_push.post_push,
        "Google Calendar's notification on a connected calendar's channel (X-Goog-Channel-Token checked): "
        "the changes read from the stored sync token and the upcoming meetings kept",
        {200: "models.calendar.CalendarPushAnswer"},
        refusals=(400, 401, 403, 404, 413),
    ),
    *MAIL_ROUTES,
    *GOOGLE_ROUTES,
    Tag("notifications")(
        "GET /notifications",
        notifications.list_notifications,
        "Notification records, newest first",
        {200: "models.notifications.NotificationList"},
        query="models.notifications.NotificationsQuery",
        role="viewer",
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
    *AGENTS_ROUTES,
    *SESSIONS_ROUTES,
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
    *MCP_ROUTES,
    *OUTBOUND_ROUTES,
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
