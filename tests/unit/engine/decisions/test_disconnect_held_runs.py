"""A disconnect cancels the runs no step will reach: those waiting for a person, and paused ones.

A running run meets the disconnect at its next step (tests/unit/engine/authority/test_run_after_owner_change.py). One
that waits for a decision or is paused takes no step until a person acts, and the sessions and links
that could act end with the disconnect: without this it would wait, holding its page, and a later
connect would find it still waiting.
"""

import pytest
from flask.testing import FlaskClient

from shared.engine.services.humans import cancel_held
from shared.platform.errors import TransientError
from shared.runs.domain.state import RunEvent, RunState
from shared.team.services.sessions import start_session
from tests.api_fakes import FakeContainer, client
from tests.support.runs.api_runs import PLAN, auth, fake_container, pump

DISCONNECTED = "the workspace was disconnected"


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    return fake_container(monkeypatch)


def asking(fakes: FakeContainer, api: FlaskClient, token: str, request_id: str) -> str:
    """A run started through the API that now waits for an approval."""
    fakes.model.script.setdefault("PlanOut", []).append(PLAN)
    answer = api.post(
        "/runs", json={"goal": f"Note {request_id}", "request_id": request_id}, headers=auth(token)
    )
    assert answer.status_code == 202 and answer.json is not None
    pump(fakes)
    run_id = str(answer.json["run_id"])
    assert state(fakes, run_id).status == "waiting_for_human"
    return run_id


def state(fakes: FakeContainer, run_id: str) -> RunState:
    run = fakes.store.get_run("t1", run_id)
    assert run is not None
    return run.state


def test_a_disconnect_cancels_the_waiting_and_paused_runs_and_tells_their_owner(fakes: FakeContainer) -> None:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    waiting, paused, done = (asking(fakes, api, token, rid) for rid in ("r-a", "r-b", "r-c"))
    assert api.post(f"/runs/{paused}/pause", headers=auth(token)).status_code == 200
    asked = state(fakes, done).waiting
    assert asked is not None
    decision = {"request_id": asked.request_id}
    assert api.post(f"/runs/{done}/approve", json=decision, headers=auth(token)).status_code == 200
    pump(fakes)
    assert state(fakes, done).status == "completed"

    answer = api.delete("/connection", headers=auth(token))
    assert answer.status_code == 200 and answer.json is not None
    assert answer.json["runs_cancelled"] == 2
    for run_id in (waiting, paused):
        assert state(fakes, run_id).status == "cancelled" and state(fakes, run_id).summary == DISCONNECTED
    assert state(fakes, done).status == "completed"
    notices = {n.notification_id for n in pump(fakes)}
    assert notices == {f"{waiting}-cancelled", f"{paused}-cancelled"}
    assert fakes.store.held("t1") == []


def test_a_disconnect_that_fails_while_cancelling_is_retried_with_the_same_session(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    waiting = asking(fakes, api, token, "r-a")
    held = fakes.store.held

    def unavailable(tenant_id: str, limit: int = 100) -> list[str]:
        raise TransientError("Firestore did not answer")

    monkeypatch.setattr(fakes.store, "held", unavailable)
    assert api.delete("/connection", headers=auth(token)).status_code == 503
    assert state(fakes, waiting).status == "waiting_for_human"
    assert api.get("/runs", headers=auth(token)).status_code == 200  # the session still works
    monkeypatch.setattr(fakes.store, "held", held)
    answer = api.delete("/connection", headers=auth(token))
    assert answer.status_code == 200 and answer.json is not None and answer.json["runs_cancelled"] == 1
    assert state(fakes, waiting).status == "cancelled"
    assert api.get("/runs", headers=auth(token)).status_code == 401  # and now the sessions have ended


def test_a_held_run_a_step_writes_to_meanwhile_is_left_to_that_step(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    moving, held = asking(fakes, api, token, "r-a"), asking(fakes, api, token, "r-b")
    append = fakes.store.append

    def another_writer_first(
        tenant_id: str, run_id: str, at: RunState, events: list[RunEvent]
    ) -> RunState | None:
        if run_id == moving:
            return None  # the log moved past ``at``: control answers 409 for this run
        return append(tenant_id, run_id, at, events)

    monkeypatch.setattr(fakes.store, "append", another_writer_first)
    assert cancel_held(fakes.engine(with_model=False), "t1", DISCONNECTED, page=1) == 1
    assert state(fakes, moving).status == "waiting_for_human"
    assert state(fakes, held).status == "cancelled"
