"""What every task function does first: its caller checked, a doctor task answered, then the task
read from the body (a bad one dead-lettered) with its tenant and run added to the log's labels."""

from flask import Request

from functions._http import Reply, parse_task
from functions.tasks.caller import check_caller
from functions.tasks.doctor import doctor_hop
from shared.bootstrap import Container
from shared.platform.domain.tasks import TaskBody
from shared.platform.logs import add_labels
from shared.platform.topology import Target


def admit(request: Request, c: Container, target: Target, with_model: bool = False) -> Reply | None:
    """Refuse a caller ``target`` does not take (check_caller: 401 or 403), then answer a doctor task
    (doctor_hop, with the model's call when ``with_model``); None for any other task."""
    check_caller(request, c.settings, target)
    return doctor_hop(request, c, target, with_model)


def take[T: TaskBody](request: Request, model: type[T], queue: str, c: Container) -> T:
    """The body as ``model`` (parse_task: a bad one is kept as a dead letter and refused); its
    ``tenant_id``, and its ``run_id`` when it names one, become the request's log labels."""
    task = parse_task(request, model, queue, c.platform.dead_letters)
    add_labels(tenant=getattr(task, "tenant_id", ""), run=getattr(task, "run_id", None) or "")
    return task


def take_routed[T: TaskBody](request: Request, model: type[T], queue: str, c: Container) -> T | None:
    """:func:`take` when the request's path is ``model.ROUTE``; None for any other path."""
    if request.path.rstrip("/") != model.ROUTE:
        return None
    return take(request, model, queue, c)
