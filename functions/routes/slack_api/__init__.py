"""The api's routes of the slack capability (shared.slack): Slack's events (:mod:`.events`), its button
presses (:mod:`.interactions`) and the app's install with Slack's OAuth v2 (:mod:`.install`). The
table (functions.routes.table) lists them where :data:`SLACK_ROUTES` stands."""

from functions.routes import Route
from functions.routes.rows import MOVED, Tag
from functions.routes.slack_api.events import post_events
from functions.routes.slack_api.install import get_callback, post_install
from functions.routes.slack_api.interactions import post_interactions

_install = Tag("slack", session_only=True)

SLACK_ROUTES: list[Route] = [
    Tag("slack", public=True)(
        "POST /slack/events",
        post_events,
        "Slack's Events API (X-Slack-Signature, X-Slack-Request-Timestamp): a member's mention or direct "
        "message starts their run, at most once per event",
        {200: "models.slack.SlackEventAnswer"},
        refusals=(401, 404, 413),
    ),
    Tag("slack", public=True)(
        "POST /slack/interactions",
        post_interactions,
        "Slack's interactivity (X-Slack-Signature, X-Slack-Request-Timestamp): a member's press of an "
        "approval's button decides the run's very request, once; anyone else's is answered to them alone",
        {200: "models.slack.SlackPressAnswer"},
        refusals=(401, 404, 413),
    ),
    _install(
        "POST /slack/install",
        post_install,
        "Add to Slack: Slack's OAuth v2 authorize URL for the deployment's app (a signed state, 10 minutes)",
        {200: "models.slack.SlackInstallStart"},
        refusals=(409, 503),
        role="admin",
    ),
    _install(
        "GET /slack/oauth/callback",
        get_callback,
        "Slack's OAuth redirect: the code exchanged, the bot token kept, the team linked, the browser sent "
        "to the console",
        MOVED,
        query="sync_api.models.OAuthCallbackQuery",  # the same redirect query as the sync connects
        refusals=(400, 409, 503),
        role="admin",
    ),
]
