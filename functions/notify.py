"""``notify``: deliver one notification, at most once per notification id (a Cloud Tasks task)."""

from flask import Request, Response

from functions._http import Reply, handle, parse_json
from shared import bootstrap
from shared.domain.tasks import NotifyTask
from shared.logs import add_labels
from shared.services.notifications import deliver_notification

bootstrap.preload("notifier")


def notify(request: Request) -> Response:
    def call() -> Reply:
        task = parse_json(request, NotifyTask)
        add_labels(tenant=task.tenant_id, run=task.run_id or "")
        delivered = deliver_notification(task, bootstrap.container().notifier)
        return {"notification_id": task.notification_id, "delivered": delivered}, 200

    return handle(request, ("POST",), call)
