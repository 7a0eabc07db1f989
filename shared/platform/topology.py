"""The deployment's shape: the functions (``Target``) and the Cloud Tasks queues that deliver to them
(``Queue``, ``QUEUE_TARGETS``). Terraform declares the same functions and queues; tools/infra_drift.py
checks the two agree. Settings (``shared.platform.config``) say where each function is, not which exist."""

from enum import StrEnum


class Target(StrEnum):
    """The deployable functions; each value is the entry point in ``functions/main.py``."""

    OAUTH_CALLBACK = "oauth_callback"
    NOTION_WEBHOOK = "notion_webhook"
    PLAN = "plan"
    EXECUTE_STEP = "execute_step"
    DEPLOY = "deploy"
    NOTIFY = "notify"
    API = "api"


class Queue(StrEnum):
    """Cloud Tasks queues, by the function they deliver to. Values are the queue ids."""

    PLAN = "plan"
    EXECUTE_STEP = "execute-step"
    DEPLOY = "deploy"
    NOTIFY = "notify"


QUEUE_TARGETS: dict[Queue, Target] = {
    Queue.PLAN: Target.PLAN,
    Queue.EXECUTE_STEP: Target.EXECUTE_STEP,
    Queue.DEPLOY: Target.DEPLOY,
    Queue.NOTIFY: Target.NOTIFY,
}
