"""What the tests of a code run's checks share (tests/integration/code): the run's tools, its
planned steps (open a draft pull request, wait for its checks) and the run started as planned."""

import json
from datetime import UTC, datetime
from typing import Any

from shared.engine.services import followups
from shared.engine.services.run_log import RunLog
from shared.runs.domain.events import PlannedStep, RunPlanned, RunStatus, ToolResult
from shared.runs.domain.state import fold
from tests.support.engine.deploy_steps import Pair
from tests.support.engine.engine_fakes import plan_answer

BRANCH = "${steps.1.branch}"
TOOLS = ["await_checks", "finish", "open_pull_request", "plan_next", "push_fix", "request_approval"]


def version(text: str) -> list[dict[str, str]]:
    return [{"path": "VERSION", "content": text}]


def steps(*planned: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return plan_answer(*planned, goal="bump the version", risk="high")


OPEN = (
    "open_pull_request",
    {"repository": "acme/site", "title": "Bump", "files": version("1\n"), "draft": True},
)
AWAIT = ("await_checks", {"repository": "acme/site", "branch": BRANCH})


def start(pair: Pair, first: dict[str, Any]) -> None:
    """The run as planned, its allow-list the code tools and plan_next (approvals asked by the engine)."""
    planned = [PlannedStep(tool=s["tool"], args=json.loads(s["args_json"])) for s in first["steps"]]
    head = RunPlanned(seq=1, at=datetime.now(UTC), goal="bump", trigger="api", steps=planned, tools=TOOLS)
    assert pair.step.store.create_run(pair.tenant, "r1", [head])
    followups.enqueue_followup(RunLog(pair.step, pair.tenant, "r1"), fold([head]))


def results(pair: Pair, tool: str) -> list[dict[str, Any]]:
    """The outputs of ``tool``'s steps in the run ``r1``, in order."""
    events = pair.step.store.list_events(pair.tenant, "r1")
    return [e.output for e in events if isinstance(e, ToolResult) and e.tool == tool]


def failed_then_passed(pair: Pair) -> None:
    """The run ``r1`` completed, its checks awaited twice: first failing (the job ``tests``, whose
    output says "VERSION is 1", not ready), then passing (ready)."""
    state = pair.state()
    assert state.status == RunStatus.COMPLETED, state.last_error
    failed, passed = results(pair, "await_checks")
    assert (failed["state"], failed["ready"]) == ("failure", False)
    assert failed["failing"][0]["name"] == "tests" and "VERSION is 1" in failed["failing"][0]["output"]
    assert (passed["state"], passed["ready"]) == ("success", True)
