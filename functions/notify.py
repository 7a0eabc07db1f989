"""``notify``: deliver one notification, at most once per notification id (a Cloud Tasks task).

Live (production): a Notion comment on the page it is about, a Slack message or an email, by the
tenant's choice, recorded in Firestore (shared/notify/services/delivery.py); a normal notification in the
tenant's quiet hours is re-enqueued for their end (shared/notify/services/notifications.py).
``POST /outbound``: an event fanned out to a workspace's webhook endpoints, or one signed delivery's
attempt (shared/outbound/services/deliver.py; a failed attempt is a 503 the queue retries).
"""

from flask import Request, Response

from functions._http import Reply, handle
from functions.tasks.entry import admit, take, take_routed
from shared import bootstrap
from shared.bootstrap import Container
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.services.notifications import deliver_notification
from shared.outbound.domain.hook_task import HookTask
from shared.outbound.services.deliver import run_hook_task
from shared.platform.topology import Queue, Target

# The live notifier's ports: its records, the tenant (channels, quiet hours), Notion with a token
# refresh (Secret Manager, the OAuth client), Slack, Discord, the mail relay, the queue (quiet hours; a
# reconnect notice). Literal names (the cold start bench reads them); each channel's ports are among
# them (tests/unit/notify/test_channel_table.py).
bootstrap.preload(
    "notifier",
    "notifications",
    "tenants",
    "notion",
    "notion_oauth",
    "secrets",
    "queue",
    "chat",
    "discord",
    "mailer",
    "hooks",
    "hook_sender",
)


def notify(request: Request) -> Response:
    def call(c: Container) -> Reply:
        if (hop := admit(request, c, Target.NOTIFY)) is not None:
            return hop
        if (hook := take_routed(request, HookTask, Queue.NOTIFY, c)) is not None:
            return run_hook_task(hook, c.outbound.delivering()), 200
        task = take(request, NotifyTask, Queue.NOTIFY, c)
        outcome = deliver_notification(
            task, c.notify.notifier, c.workspace.tenants, c.platform.queue, console=c.settings.frontend_url
        )
        body: dict[str, object] = {"notification_id": task.notification_id, "delivered": outcome.delivered}
        if outcome.deferred_until is not None:
            body["deferred_until"] = outcome.deferred_until.isoformat()
        return body, 200

    return handle(request, ("POST",), call)
