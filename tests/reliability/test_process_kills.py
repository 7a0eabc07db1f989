"""(i) kill -9 of a function's whole process group mid-step, on the local stack: functions run as
they do in production (functions-framework under gunicorn, a master and its worker), Notion answers
slowly so a step is in flight when the group dies, and execute-step is killed and started again
several times while the runs work. Every run completes, each effect once."""

import json
import random
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from local.demo import connect, http
from local.stack import LocalStack
from shared.platform.topology import Target
from shared.runs.domain.events import RunStatus
from tests.reliability.conftest import TOTALS, scale
from tests.reliability.harness import duplicated_effects, sound

pytestmark = [pytest.mark.reliability, pytest.mark.e2e]
ENDED = {"completed", "failed", "cancelled"}


class SandboxView:
    """What :func:`duplicated_effects` reads, from the stack's Notion sandbox."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    def notion_state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.stack.sandbox_admin("GET", "/workspaces/demo/state")
        return state

    def requests(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self.stack.sandbox_admin("GET", "/requests")
        return answer


def approve_waiting(outbox: Path, used: set[str]) -> None:
    """Use each approval link once it is in the outbox (a 5xx while a function restarts: next time)."""
    for path in sorted(outbox.glob("*-approval-*.json")):
        if path.name in used:
            continue
        page, _, token = json.loads(path.read_text())["links"]["approve"].partition("#")
        status, _, _ = http("POST", f"{page}/decide", {"token": token})
        if status < 500:
            used.add(path.name)


def test_i_kill_9_of_execute_steps_process_group_mid_step() -> None:
    rng = random.Random(9)
    count, kills_wanted = scale(4, 12), scale(3, 8)
    with LocalStack() as stack:
        auth = connect(stack)  # the console's browser: cookie, Origin, CSRF token
        ideas = stack.sandbox_admin("GET", "/workspaces/demo/state")["ids"]["ideas_data_source"]
        status, _, _ = http("PATCH", stack.url_of_api() + "/settings", {"data_source_ids": [ideas]}, auth)
        assert status == 200
        stack.sandbox_admin("POST", "/faults", {"latency_s": 0.3})
        pages = {}
        for i in range(count):
            idea = {"title": f"Kill {i}", "content": ["An idea."]}
            pages[f"Kill {i}"] = stack.sandbox_admin("POST", "/workspaces/demo/ideas", idea)["response"]["id"]
        stack.sandbox_admin("POST", "/webhook/flush", {"timeout": 10, "force": True})
        used: set[str] = set()
        kills, mid_step = 0, 0
        deadline = time.monotonic() + 300
        runs: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            approve_waiting(stack.outbox_dir, used)
            runs = http("GET", stack.url_of_api() + "/runs", headers=auth)[1].get("runs", [])
            if len(runs) == count and all(r["status"] in ENDED for r in runs):
                break
            if kills < kills_wanted and any(r["status"] == RunStatus.RUNNING.value for r in runs):
                time.sleep(rng.uniform(0.2, 0.8))
                mid_step += _step_in_flight(stack)
                stack.kill_and_restart(Target.EXECUTE_STEP)
                kills += 1
            time.sleep(0.3)
        result = {
            "runs": count,
            "lost": count - len(runs),
            "duplicated_effects": duplicated_effects(SandboxView(stack), pages),
            "stuck": sum(r["status"] not in {"completed", "failed"} for r in runs),
            "failed": sum(r["status"] == "failed" for r in runs),
        }
        TOTALS.update(result)
    assert kills == kills_wanted and mid_step >= 1, f"killed {kills} times, {mid_step} mid-step"
    assert result == sound(count), (result, runs)


def _step_in_flight(stack: LocalStack) -> bool:
    """Whether the tasks emulator is delivering an execute-step task at this moment."""
    with urllib.request.urlopen(f"http://{stack.tasks_admin}/tasks", timeout=5) as answer:
        tasks = json.loads(answer.read())["tasks"]
    return any(t["queue_id"] == "execute-step" and t["running"] for t in tasks)
