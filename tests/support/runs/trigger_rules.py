"""Shared by the trigger-rule tests and ``make bench-triggers``: model calls counted, the Notion
requests the sandbox received, and the plan tasks intake left on the held queue, planned for real."""

import base64
from typing import Any

from pydantic import BaseModel

from local.notion_sandbox.testing import Admin
from local.tasks_emulator import TasksEmulator
from shared.engine.planning.start import start_run
from shared.platform.domain.model_calls import ModelReply, Tier
from shared.platform.ports import Model
from shared.platform.topology import Queue
from shared.runs.domain.plan_task import PlanTask
from shared.runs.services.deps import Deps


class CountingModel(Model):
    """The deployment's model (the offline one here), every call counted."""

    def __init__(self, inner: Model) -> None:
        self.inner, self.calls = inner, 0

    def generate[T: BaseModel](self, tier: Tier, prompt: str, schema: type[T]) -> ModelReply[T]:
        self.calls += 1
        return self.inner.generate(tier, prompt, schema)


def last_request(admin: Admin) -> int:
    """The sequence number of the last Notion API request the sandbox received (0: none)."""
    log = admin.get("/requests")
    return int(log[-1]["seq"]) if log else 0


def requests_since(admin: Admin, seq: int) -> list[dict[str, Any]]:
    """The Notion API requests the sandbox received after ``seq`` (a person's acts are not among them)."""
    return [r for r in admin.get("/requests") if int(r["seq"]) > seq]


class Planner:
    """Plans each plan task intake leaves on the held queue, once, as the plan function would (the
    tasks it enqueues in turn, such as a start scheduled for later, too)."""

    def __init__(self, tasks: TasksEmulator, deps: Deps) -> None:
        self.tasks, self.deps = tasks, deps
        self.done: set[str] = set()

    def plan_pending(self) -> list[bool]:
        """``start_run`` of every plan task not planned yet, until none is left: what each returned."""
        started: list[bool] = []
        while True:
            fresh = [
                t
                for t in self.tasks.pending_tasks()
                if t["queue_id"] == Queue.PLAN.value and t["name"] not in self.done
            ]
            if not fresh:
                return started
            for task in fresh:
                self.done.add(task["name"])
                body = PlanTask.model_validate_json(base64.b64decode(task["body"]))
                started.append(start_run(body, self.deps))
