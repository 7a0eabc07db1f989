"""The api's routes of the slack capability (shared.slack): Slack's events (:mod:`.events`), its button
presses (:mod:`.interactions`), the slash command (:mod:`.commands`) and the app's install with Slack's OAuth v2 (:mod:`.install`). The
table (functions.routes.table) lists them where :data:`SLACK_ROUTES` stands."""

from functions.routes import Handler, Route
from functions.routes.rows import MOVED, Tag
from functions.routes.slack_api.commands import post_commands
from functions.routes.slack_api.events import post_events
from functions.routes.slack_api.install import get_callback, post_install
from functions.routes.slack_api.interactions import post_interactions

_install = Tag("slack", session_only=True)
_EVENTS = (
    "Slack's Events API (X-Slack-Signature, X-Slack-Request-Timestamp): a member's mention or direct "
    "message starts their run, at most once per event"
)
_PRESSES = (
    "Slack's interactivity (X-Slack-Signature, X-Slack-Request-Timestamp): a member's press of an "
    "approval's button decides the run's very request, once; anyone else's is answered to them alone"
)
_COMMANDS = (
    "Slack's slash command /agent (X-Slack-Signature, X-Slack-Request-Timestamp): a member's words start "
    "their run, or an Ask for words beginning with ask, in a thread the app starts; once per invocation"
)


def _signed(route: str, handler: Handler, summary: str, answer: str) -> Route:
    """A route Slack itself posts to: public, signed with the app's signing secret (401 otherwise),
    404 without a Slack app or for an unknown team, 413 past the body limit."""
    return Tag("slack", public=True)(
        route, handler, summary, {200: f"models.slack.{answer}"}, refusals=(401, 404, 413)
    )


SLACK_ROUTES: list[Route] = [
    _signed("POST /slack/events", post_events, _EVENTS, "SlackEventAnswer"),
    _signed("POST /slack/interactions", post_interactions, _PRESSES, "SlackPressAnswer"),
    _signed("POST /slack/commands", post_commands, _COMMANDS, "SlackCommandAnswer"),
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
        paced=False,
    ),
]
