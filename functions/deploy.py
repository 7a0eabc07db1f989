"""``deploy``: the GitHub and Vercel steps of runs (Cloud Tasks, ``POST`` with a step task).

The engine's step, like execute-step's, with the tenant's GitHub/Vercel tokens and no Notion. It loads
the run, decides, records the intent, opens the pull request or starts the deployment (or finds it,
after a crash), records the result and enqueues the next step on execute-step. Duplicates and stale
steps are acknowledged (200); a step in progress elsewhere or a short transient failure answers 503.
"""

from flask import Request, Response

from functions._http import Reply, handle
from functions.tasks.entry import admit, take
from functions.tasks.step import step_reply
from shared import bootstrap
from shared.bootstrap import Container
from shared.platform.topology import Queue, Target
from shared.runs.domain.step_task import StepTask

bootstrap.preload("store", "queue", "secrets", "tenants", "code_host", "deployer")


def deploy(request: Request) -> Response:
    def call(c: Container) -> Reply:
        if (hop := admit(request, c, Target.DEPLOY)) is not None:
            return hop
        return step_reply(take(request, StepTask, Queue.DEPLOY, c), c.deploy_engine())

    return handle(request, ("POST",), call)
