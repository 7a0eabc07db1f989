"""What the tests of a code run's checks share (tests/integration/code): the run's tools, its
planned steps (open a draft pull request, wait for its checks) and the run started as planned."""

import json
from datetime import UTC, datetime
from typing import Any

from shared.engine.services import followups
from shared.engine.services.run_log import RunLog
from shared.runs.domain.events import PlannedStep, RunPlanned
from shared.runs.domain.state import fold
from tests.engine_fakes import plan_answer
from tests.support.engine.deploy_steps import Pair

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
