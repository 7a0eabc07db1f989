"""The body of ``make doctor``'s task (``POST /doctor`` on each task function): a no-op the function
recognises and records, so an operator sees each queue deliver to its function (tools/doctor.py)."""

from typing import ClassVar, Literal

from shared.platform.domain.tasks import TaskBody, TaskId


class DoctorTask(TaskBody):
    """One hop of the check ``check_id``: sent through ``queue``, answered by that queue's function,
    which records its answer (``shared.platform.services.doctor``). Touches no tenant, starts no run."""

    ROUTE: ClassVar[str] = "/doctor"

    check_id: TaskId
    queue: Literal["plan", "execute-step", "deploy", "notify"]
