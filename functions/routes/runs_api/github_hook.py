"""GitHub's webhook on the api (issue 68, point 3; decision 0123): ``POST /github/webhook/<tenant_id>``.
It is public, each delivery signed with that workspace's own secret. A delivery goes to
:func:`shared.engine.services.check_wakeups.receive`, which wakes the run waiting on its checks or
review. For the owner: what to give GitHub."""

from datetime import UTC, datetime

from functions._http import Reply, read_body
from functions.routes import Call
from shared.code.domain import webhooks
from shared.engine.services.check_wakeups import receive
from shared.platform.domain.tasks import is_run_id
from shared.platform.errors import Conflict, NotFound

_HEADERS = (webhooks.SIGNATURE_HEADER, webhooks.DELIVERY_HEADER, webhooks.EVENT_HEADER)


def post_webhook(call: Call) -> Reply:
    """200 ``{"result": "woken" | "revising" | "ignored", "detail"}``. Refusals record nothing: 401 for a forged
    signature, 400 for a body that is not the event it says or no delivery id, 409 for a delivery id
    seen already. 404 when the path names no workspace, 413 past the body limit."""
    tenant_id = call.args["tenant_id"]
    if not is_run_id(tenant_id):  # the same id form as a tenant's
        raise NotFound("no GitHub webhook for this workspace")
    body = read_body(call.request, call.container.settings.webhook_max_body_bytes)
    # GitHub's header names, whatever their case on the way (werkzeug's lookup ignores case)
    headers = {name: call.request.headers.get(name, "") for name in _HEADERS}
    answer = receive(call.container.check_wakeups(), tenant_id, headers, body, datetime.now(UTC))
    if answer == "duplicate":
        raise Conflict("this X-GitHub-Delivery was received already: a replay changes nothing")
    return {"result": answer.partition(":")[0], "detail": answer}, 200


def get_webhook(call: Call) -> Reply:
    """The owner's: the Payload URL and secret of this workspace's webhook, to set at GitHub (not stored)."""
    base = call.container.settings.api_url.rstrip("/")
    secret = call.container.check_wakeups().key
    return {
        "url": f"{base}/github/webhook/{call.tenant_id}",
        "secret": webhooks.webhook_secret(secret, call.tenant_id),
        "events": ["check_run", "status", *webhooks.COMMENT_EVENTS, "pull_request_review"],
    }, 200
