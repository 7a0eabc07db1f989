"""What each task function does with ``make doctor``'s task (``POST /doctor``): record its hop
(shared.platform.services.doctor), after its caller was checked as for any task; and plan's round of the
doctor on a schedule (``POST /doctor/round``, Cloud Scheduler). Its body and service load
with the first such request: no other request loads them (tests/unit/platform/entry/test_import_hygiene.py)."""

from flask import Request

from functions._http import Reply, parse_task, retry_count
from shared.bootstrap import Container
from shared.platform.topology import Target

ROUTE = "/doctor"  # DoctorTask.ROUTE, where the queue sends the body
# Cloud Scheduler's job doctor (terraform/scheduler.tf) on plan: judge the last round, start the next.
# One of functions.tasks.caller.SCHEDULER_ROUTES, so only the scheduler's (and the tasks') account reach it.
ROUND_ROUTE = "/doctor/round"


def doctor_round(request: Request, c: Container) -> Reply | None:
    """The answer to the scheduled doctor's round (shared.platform.services.doctor.scheduled_round); None when
    the request is not one. The scheduler's body is ignored: a round needs nothing from it."""
    if request.path.rstrip("/") != ROUND_ROUTE:
        return None
    from shared.platform.services.doctor import scheduled_round

    return scheduled_round(c.platform.queue, c.platform.doctor_checks), 200


def doctor_hop(request: Request, c: Container, target: Target, with_model: bool = False) -> Reply | None:
    """The answer to a doctor task on ``target`` (plan makes the check's model calls, one to each
    family the deployment uses: ``with_model``); None when the request is not one."""
    if request.path.rstrip("/") != ROUTE:
        return None
    from shared.platform.domain.doctor_task import DoctorTask
    from shared.platform.services.doctor import answer_hop, families_of

    task = parse_task(request, DoctorTask, "doctor", c.platform.dead_letters)
    model = c.platform.model if with_model else None
    families = families_of(c.settings)
    return answer_hop(
        task, target.value, retry_count(request) + 1, c.platform.doctor_checks, model, families=families
    ), 200
