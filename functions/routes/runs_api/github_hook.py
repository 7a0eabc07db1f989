"""GitHub's webhook on the api (decision 0123): ``POST /github/webhook/<tenant_id>``.
It is public, each delivery signed with that workspace's own secret (drawn for it and kept, decision
0139). A delivery passes the webhooks' shared entry (:mod:`functions.routes.deliveries`), then goes to
:func:`shared.engine.services.check_wakeups.receive`, which wakes the run waiting on its checks or
review. For the owner: what to give GitHub."""

from datetime import UTC, datetime

from functions._http import Reply
from functions.routes import Call
from functions.routes.deliveries import checked_delivery
from shared.code.domain import github_events
from shared.engine.services.check_wakeups import receive, webhook_secret
from shared.platform.errors import Conflict

_HEADERS = (github_events.SIGNATURE_HEADER, github_events.DELIVERY_HEADER, github_events.EVENT_HEADER)
# Every event the route acts on (check_wakeups.receive): what the owner subscribes GitHub to.
EVENTS = ("check_run", "status", *github_events.COMMENT_EVENTS, "pull_request_review")


def post_webhook(call: Call) -> Reply:
    """200 ``{"result": "woken" | "revising" | "ignored", "detail"}``. Refusals record nothing: 401 for a forged
    signature, 400 for a body that is not the event it says or no delivery id, 409 for a delivery id
    seen already. 404 when the path names no workspace (or an erased one), 413 past the body limit."""
    tenant_id, body = checked_delivery(call, "GitHub")
    # GitHub's header names, whatever their case on the way (werkzeug's lookup ignores case)
    headers = {name: call.request.headers.get(name, "") for name in _HEADERS}
    answer = receive(call.container.check_wakeups(), tenant_id, headers, body, datetime.now(UTC))
    if answer == "duplicate":
        raise Conflict("this X-GitHub-Delivery was received already: a replay changes nothing")
    return {"result": answer.partition(":")[0], "detail": answer}, 200


def get_webhook(call: Call) -> Reply:
    """The owner's: the Payload URL and secret of this workspace's webhook, to set at GitHub (drawn
    the first time, the same after)."""
    base = call.container.settings.api_url.rstrip("/")
    return {
        "url": f"{base}/github/webhook/{call.tenant_id}",
        "secret": webhook_secret(call.container.platform.secrets, call.tenant_id),
        "events": list(EVENTS),
    }, 200
