"""GitLab's routes (docs/api.md): its status, connect and disconnect, the user mapping, the sync log,
and the public webhook that takes GitLab's deliveries (:mod:`shared.sync.services.intake`), each
carrying our secret token. The access token is checked with GitLab, kept in Secret Manager and never
echoed."""

from functions._http import Reply, json_object, read_body
from functions.routes import Call
from functions.routes.sync_api.linear import tool_log, tool_people
from shared.platform.domain.tasks import is_run_id
from shared.platform.errors import NotFound
from shared.sync.services.connect import connect_gitlab, disconnect_gitlab, gitlab_status
from shared.sync.services.intake import ingest_gitlab

_BODY = (
    'the body must be a JSON object {"access_token": "...", "project": "group/project" or its id, '
    '"base_url": "https://gitlab.com"?, "data_source_id": "..."?}'
)


def get_gitlab(call: Call) -> Reply:
    return gitlab_status(call.tenant_id, call.container.gitlab_store), 200


def put_gitlab(call: Call) -> Reply:
    body = json_object(call.request, _BODY)
    return connect_gitlab(call.tenant_id, body, call.container.gitlab_linking()), 200


def delete_gitlab(call: Call) -> Reply:
    return disconnect_gitlab(call.tenant_id, call.container.gitlab_linking()), 200


def put_people(call: Call) -> Reply:
    return tool_people(call, call.container.gitlab_store, "gitlab")


def get_log(call: Call) -> Reply:
    return tool_log(call, call.container.gitlab_store, "gitlab")


def post_webhook(call: Call) -> Reply:
    tenant_id = call.args["tenant_id"]
    if not is_run_id(tenant_id):  # the same id form as a tenant's
        raise NotFound("no GitLab connection for this workspace")
    c = call.container
    body = read_body(call.request, c.settings.webhook_max_body_bytes)
    return ingest_gitlab(tenant_id, body, dict(call.request.headers), c.gitlab_intake()), 200
