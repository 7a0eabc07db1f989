"""Shared by several test modules: helpers first written for ``tests/unit/notify/test_link_pages.py``."""

import json
import subprocess
from pathlib import Path
from typing import Any

from shared.notify.domain.notify_task import NotifyTask
from shared.team.services.sessions import start_session
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.runs.api_runs import PLAN, auth, pump

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


GOAL = 'Post <script>alert("x")</script> & tidy'


PROMPT = "Publish <b>now</b>?"


DRIVER = Path(__file__).parents[2] / "pages" / "driver.mjs"


def waiting(fakes: FakeContainer) -> tuple[str, str, NotifyTask]:
    """A run waiting for approval: its id, the session, and the notify task asking for it."""
    steps = [
        {"tool": "request_approval", "args_json": json.dumps({"summary": PROMPT})},
        {"tool": "finish", "args_json": json.dumps({"summary": "done"})},
    ]
    fakes.model.script["PlanOut"] = [PLAN | {"goal": GOAL, "steps": steps}]
    token = start_session("t1", fakes.secrets)
    started = client("api", fakes).post("/runs", json={"goal": GOAL, "request_id": "r"}, headers=auth(token))
    assert started.status_code == 202 and started.json is not None
    return str(started.json["run_id"]), token, pump(fakes)[-1]


def open_in_node(link: str, click: bool) -> dict[str, Any]:
    args = ["node", str(DRIVER), link, *(["click"] if click else [])]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result
