"""GitLab's routes (docs/api.md): its status, connect and disconnect, the user mapping, the sync log
(:data:`GITLAB`, the routes every tool has), and the public webhook that takes GitLab's deliveries
(:mod:`shared.sync.services.intake`), each carrying our secret token. The access token is checked
with GitLab, kept in Secret Manager and never echoed."""

from functions._http import Reply
from functions.routes import Call
from functions.routes.sync_api.tools import ToolRoutes, delivery
from shared.sync.services.connect import connect_gitlab, disconnect_gitlab, gitlab_status
from shared.sync.services.intake import ingest_gitlab

GITLAB = ToolRoutes(
    "gitlab",
    'the body must be a JSON object {"access_token": "...", "project": "group/project" or its id, '
    '"base_url": "https://gitlab.com"?, "data_source_id": "..."?}',
    store=lambda c: c.gitlab_store,
    linking=lambda c: c.gitlab_linking(),
    status=gitlab_status,
    connect=connect_gitlab,
    disconnect=disconnect_gitlab,
)


def post_webhook(call: Call) -> Reply:
    return delivery(call, "GitLab", ingest_gitlab, lambda c: c.gitlab_intake())
