"""A decision by session names the request it decides, fits what the request asks, and a retry of
one that was recorded never decides anything else; a retried cancel sends what its first try could
not; a goal of blanks is refused before anything is queued."""

import json
from typing import Any

import pytest
from werkzeug.test import TestResponse

from shared.engine.planning.start import start_run
from shared.engine.services import humans
from shared.platform.domain.tasks import TaskBody
from shared.platform.errors import Conflict, TransientError
from shared.platform.topology import Queue
from shared.runs.domain.events import HumanResponded
from shared.runs.domain.plan_task import PlanTask, Trigger
from shared.runs.domain.state import RunState
from shared.team.services.sessions import start_session
from tests.api_fakes import FakeContainer, client
from tests.engine_fakes import FakeModel, make_deps
from tests.fakes import FakeQueue
from tests.support.runs.api_runs import auth, fake_container, pump


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    return fake_container(monkeypatch)


def plan(*steps: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "goal": "g",
        "on_reject": "end",
        "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps],
    }


def start(fakes: FakeContainer, *steps: tuple[str, dict[str, Any]]) -> tuple[str, str, dict[str, Any]]:
    """A run of ``steps`` started by session and carried to its first request: (session, run, ask)."""
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    fakes.model.script["PlanOut"] = [plan(*steps)]
    answer = api.post("/runs", json={"goal": "Ship it"}, headers=auth(token))
    assert answer.status_code == 202 and answer.json is not None
    return token, str(answer.json["run_id"]), pump(fakes)[-1].data


def state(fakes: FakeContainer, run_id: str) -> RunState:
    run = fakes.store.get_run("t1", run_id)
    assert run is not None
    return run.state


def body(answer: TestResponse) -> Any:
    return answer.json


def decisions(fakes: FakeContainer, run_id: str) -> list[tuple[str, str]]:
    return [
        (e.request_id, e.decision)
        for e in fakes.store.list_events("t1", run_id)
        if isinstance(e, HumanResponded)
    ]


def test_a_retried_approval_never_approves_the_request_asked_after_it(fakes: FakeContainer) -> None:
    token, run_id, ask = start(
        fakes,
        ("request_approval", {"summary": "publish the draft?"}),
        ("request_approval", {"summary": "deploy to production?"}),
        ("finish", {"summary": "done"}),
    )
    api, first = client("api", fakes), {"request_id": ask["request_id"]}
    assert api.post(f"/runs/{run_id}/approve", json=first, headers=auth(token)).status_code == 200
    second = pump(fakes)[-1].data
    assert second["request_id"] != first["request_id"]
    again = api.post(f"/runs/{run_id}/approve", json=first, headers=auth(token))  # a retry, a second tab
    assert again.status_code == 409 and second["request_id"] in body(again)["reason"]
    unnamed = api.post(f"/runs/{run_id}/approve", json={}, headers=auth(token))
    assert unnamed.status_code == 400 and [f["field"] for f in body(unnamed)["fields"]] == ["request_id"]
    bodiless = api.post(f"/runs/{run_id}/approve", headers=auth(token))
    assert bodiless.status_code == 400
    assert decisions(fakes, run_id) == [(first["request_id"], "approve")]
    waiting = state(fakes, run_id).waiting
    assert waiting is not None and waiting.request_id == second["request_id"]
    named = {"request_id": second["request_id"]}
    assert api.post(f"/runs/{run_id}/approve", json=named, headers=auth(token)).status_code == 200
    pump(fakes)
    assert state(fakes, run_id).status.value == "completed"


def test_a_question_is_answered_or_rejected_never_approved(fakes: FakeContainer) -> None:
    token, run_id, ask = start(
        fakes,
        ("ask_question", {"question": "Which colour?"}),
        ("finish", {"summary": "done"}),
    )
    api, named = client("api", fakes), {"request_id": ask["request_id"]}
    # A well-formed decision of the wrong kind conflicts with the request waiting: 409, as the
    # contract says (schemathesis' decision pass met the 400 this was before).
    refused = api.post(f"/runs/{run_id}/approve", json=named, headers=auth(token))
    assert refused.status_code == 409 and "question" in body(refused)["reason"]
    assert decisions(fakes, run_id) == [] and fakes.queue.tasks == []
    answer = api.post(f"/runs/{run_id}/answer", json=named | {"text": "Blue"}, headers=auth(token))
    assert answer.status_code == 200
    assert decisions(fakes, run_id) == [(ask["request_id"], "answer")]


def test_an_approval_is_approved_or_rejected_never_answered(fakes: FakeContainer) -> None:
    token, run_id, ask = start(
        fakes, ("request_approval", {"summary": "publish the draft?"}), ("finish", {"summary": "done"})
    )
    api, named = client("api", fakes), {"request_id": ask["request_id"], "text": "Blue"}
    refused = api.post(f"/runs/{run_id}/answer", json=named, headers=auth(token))
    assert refused.status_code == 409 and "approve or reject" in body(refused)["reason"]
    assert decisions(fakes, run_id) == [] and fakes.queue.tasks == []
    assert state(fakes, run_id).status.value == "waiting_for_human"


@pytest.mark.parametrize("goal", [" ", "   \t\n "])
def test_a_goal_of_blanks_is_refused_and_nothing_is_queued(fakes: FakeContainer, goal: str) -> None:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    answer = api.post("/runs", json={"goal": goal}, headers=auth(token))
    assert answer.status_code == 400 and [f["field"] for f in body(answer)["fields"]] == ["goal"]
    assert fakes.queue.tasks == []


def test_a_cancel_retried_after_its_notice_failed_sends_it(monkeypatch: pytest.MonkeyPatch) -> None:
    steps = [("request_approval", {"summary": "ok?"}), ("finish", {"summary": "ok"})]
    deps = make_deps(model=FakeModel({"PlanOut": [plan(*steps)]}))
    start_run(PlanTask(tenant_id="t1", run_id="r1", goal="do", trigger=Trigger(kind="api")), deps)
    queue = deps.queue
    assert isinstance(queue, FakeQueue)
    real, down = queue.enqueue, [True]

    def notify_down_once(q: Queue, body: TaskBody, name: str, delay_s: float = 0.0) -> bool:
        if q == Queue.NOTIFY and down and down.pop():
            raise TransientError("cloud tasks: ServiceUnavailable")
        return real(q, body, name, delay_s)

    monkeypatch.setattr(queue, "enqueue", notify_down_once)
    with pytest.raises(TransientError):
        humans.control(deps, "t1", "r1", "cancel")
    with pytest.raises(Conflict):  # the person retries: the run has ended, its notice goes now
        humans.control(deps, "t1", "r1", "cancel")
    assert "notify:t1:r1-cancelled" in {name for _, _, name, _ in queue.tasks}
