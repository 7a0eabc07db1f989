"""api: retry a failed run from its failed step, and cancel or retry several runs at once, each
run's outcome its own (fakes)."""

import json

import pytest

from functions.routes.models.runs import RunTimeline
from shared.platform.errors import PermanentError
from shared.team.services.sessions import start_session
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.runs.api_runs import PLAN, auth, fake_container, pump, waiting_run


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    return fake_container(monkeypatch)


def failed_run(fakes: FakeContainer, token: str, request_id: str = "f1") -> str:
    """A run whose first step (draft_text) fails for good: the model refuses once."""
    fakes.model.script["PlanOut"] = [PLAN]
    fakes.model.script["Draft"] = [PermanentError("the model refused the draft")]
    api = client("api", fakes)
    answer = api.post("/runs", json={"goal": "Write a note", "request_id": request_id}, headers=auth(token))
    assert answer.status_code == 202 and answer.json is not None
    pump(fakes)
    run_id = str(answer.json["run_id"])
    assert json_body(api.get(f"/runs/{run_id}", headers=auth(token)))["status"] == "failed"
    return run_id


def test_a_failed_run_is_retried_from_its_step_and_goes_on(fakes: FakeContainer) -> None:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    run_id = failed_run(fakes, token)
    other = start_session("t2", fakes.secrets)
    assert api.post(f"/runs/{run_id}/retry", headers=auth(other)).status_code == 404
    answer = api.post(f"/runs/{run_id}/retry", headers=auth(token))
    assert answer.json == {"run_id": run_id, "status": "running"}
    assert api.post(f"/runs/{run_id}/retry", headers=auth(token)).status_code == 409  # not failed now
    pump(fakes)
    shown = api.get(f"/runs/{run_id}", headers=auth(token)).json
    assert shown is not None and shown["status"] == "waiting_for_human"
    kinds = [e["kind"] for e in shown["events"]]
    assert kinds.count("run_planned") == 1 and kinds.count("run_retried") == 1  # the same run and log
    assert [r["status"] for r in shown["step_rows"]][:2] == ["done", "done"]
    assert [r["step"] for r in shown["remaining"]] == [3]
    timeline = RunTimeline.model_validate_json(json.dumps(shown))  # dates as ISO strings
    assert timeline.step_rows[0].started_at.tzinfo is not None and timeline.step_rows[0].errors


def test_bulk_cancel_and_retry_answer_per_run(fakes: FakeContainer) -> None:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    failed = failed_run(fakes, token)
    waiting, _ = waiting_run(fakes, api, token)
    asked = {"action": "retry", "run_ids": [failed, waiting, "nope", failed]}
    answer = api.post("/runs/bulk", json=asked, headers=auth(token)).json
    assert answer is not None and answer["action"] == "retry"
    results = {r["run_id"]: r for r in answer["results"]}
    assert list(results) == [failed, waiting, "nope"]  # in order, a repeat once
    assert results[failed]["done"] and results[failed]["status"] == "running"
    assert not results[waiting]["done"] and "did not fail" in results[waiting]["reason"]
    assert not results["nope"]["done"] and results["nope"]["status"] is None
    cancel = api.post("/runs/bulk", json={"action": "cancel", "run_ids": [waiting]}, headers=auth(token)).json
    assert cancel is not None and cancel["results"][0]["status"] == "cancelled"
    listed = {r["run_id"]: r for r in json_body(api.get("/runs", headers=auth(token)))["runs"]}
    assert listed[failed]["duration_ms"] is None  # running again: no end yet
    assert isinstance(listed[waiting]["duration_ms"], int) and listed[waiting]["duration_ms"] >= 0
    for bad in ({"action": "delete", "run_ids": [waiting]}, {"action": "cancel", "run_ids": []}):
        assert api.post("/runs/bulk", json=bad, headers=auth(token)).status_code == 400
