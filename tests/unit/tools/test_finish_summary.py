"""A run's last step, ``finish``: a summary longer than its box is cut to it, not a failed run
(a goal at the console's own 2,000-character limit, echoed in the summary, failed at finish)."""

import json

import pytest

from shared.runs.domain.state import RunStatus
from shared.team.services.sessions import start_session
from shared.tools.flow import SUMMARY_MAX, FinishArgs
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.runs.api_runs import auth, fake_container, pump


def test_a_summary_longer_than_the_box_is_cut_to_it() -> None:
    args = FinishArgs.model_validate({"summary": "x" * (SUMMARY_MAX + 500)})
    assert len(args.summary) == SUMMARY_MAX and args.summary.endswith("…")
    assert FinishArgs.model_validate({"summary": "done"}).summary == "done"


def test_a_run_whose_goal_is_at_the_limit_finishes(monkeypatch: pytest.MonkeyPatch) -> None:
    fakes: FakeContainer = fake_container(monkeypatch)
    goal = "g" * 2000  # the console's goal box takes 2,000 characters
    steps = [{"tool": "finish", "args_json": json.dumps({"summary": f"Sent a note about: {goal}"})}]
    fakes.model.script["PlanOut"] = [{"goal": goal, "on_reject": "end", "steps": steps}]
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    answer = api.post("/runs", json={"goal": goal}, headers=auth(token))
    assert answer.status_code == 202 and answer.json is not None
    pump(fakes)
    run = fakes.store.get_run("t1", str(answer.json["run_id"]))
    assert run is not None
    assert run.state.status == RunStatus.COMPLETED, run.state.summary
    assert run.state.summary.startswith("Sent a note about: ggg")
