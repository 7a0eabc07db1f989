"""Deliver a notification at most once per notification id."""

import logging

from shared.domain.tasks import NotifyTask
from shared.ports import Notifier

log = logging.getLogger(__name__)


def deliver_notification(task: NotifyTask, notifier: Notifier) -> bool:
    delivered = notifier.deliver(task)
    log.info(
        "notification %s %s", task.notification_id, "delivered" if delivered else "was already delivered"
    )
    return delivered
