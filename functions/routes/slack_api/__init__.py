"""The api's route of the slack capability (shared.slack): Slack's events (:mod:`.events`). The table
(functions.routes.table) lists it where :data:`SLACK_ROUTES` stands."""

from functions.routes import Route
from functions.routes.rows import Tag
from functions.routes.slack_api.events import post_events

SLACK_ROUTES: list[Route] = [
    Tag("slack", public=True)(
        "POST /slack/events",
        post_events,
        "Slack's Events API (X-Slack-Signature, X-Slack-Request-Timestamp): a member's mention or direct "
        "message starts their run, at most once per event",
        {200: "models.slack.SlackEventAnswer"},
        refusals=(401, 404, 413),
    ),
]
