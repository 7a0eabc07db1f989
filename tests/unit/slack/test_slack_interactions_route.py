"""``POST /slack/interactions``: a member's press of an approval's button decides the run's very request
through the engine's decision service, once however often it comes; a stranger's press, or one
forged, stale or naming another request, decides nothing (the presser alone is told why)."""

import pytest

from shared.runs.domain.state import RunStatus
from shared.slack.domain.interactions import STRANGER_PRESS
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.slack.slack_presses import CHANNEL, button_value, slack_fakes, waiting
from tests.support.slack.slack_presses import press as _press


@pytest.fixture
def fakes() -> FakeContainer:
    return slack_fakes()


def test_a_members_press_decides_the_request_once_however_often_it_comes(fakes: FakeContainer) -> None:
    run_id, request_id = waiting(fakes)
    api, value = client("api", fakes), button_value(run_id, request_id)
    first = api.post("/slack/interactions", data=_press(value)[0], headers=_press(value)[1])
    assert first.status_code == 200 and json_body(first) == {"result": "decided"}
    run = fakes.store.get_run("t1", run_id)
    assert run is not None and run.state.status != RunStatus.WAITING_FOR_HUMAN
    body, headers = _press(value)
    again = api.post("/slack/interactions", data=body, headers=headers)
    assert again.status_code == 200 and json_body(again) == {"result": "refused"}
    assert [r[3] for r in fakes.slack_web.replies] == ["Approved by ada@acme.example."]
    assert fakes.slack_web.whispers[-1][2].startswith("Nothing was decided: run")
    # The audit log holds the decision once, as the console's are: who, from Slack, which request.
    [entry] = [e for e in fakes.audit.entries["t1"] if e.surface == "slack"]
    assert (entry.surface, entry.action, entry.email) == ("slack", "approve", "ada@acme.example")
    assert entry.target == {"run_id": run_id, "request_id": request_id}


def test_a_strangers_press_decides_nothing_and_only_they_are_told(fakes: FakeContainer) -> None:
    run_id, request_id = waiting(fakes)
    body, headers = _press(button_value(run_id, request_id), user="UEVE00001")
    answer = client("api", fakes).post("/slack/interactions", data=body, headers=headers)
    assert answer.status_code == 200 and json_body(answer) == {"result": "stranger"}
    assert (
        fakes.slack_web.whispers == [(CHANNEL, "UEVE00001", STRANGER_PRESS)] and fakes.slack_web.replies == []
    )
    run = fakes.store.get_run("t1", run_id)
    assert run is not None and run.state.status == RunStatus.WAITING_FOR_HUMAN
    assert not [e for e in fakes.audit.entries.get("t1", []) if e.surface == "slack"]  # nothing decided


def test_a_press_naming_another_request_or_forged_or_malformed_decides_nothing(fakes: FakeContainer) -> None:
    run_id, request_id = waiting(fakes)
    api = client("api", fakes)
    stale = api.post(
        "/slack/interactions",
        data=_press(f"{run_id} other-request")[0],
        headers=_press(f"{run_id} other-request")[1],
    )
    assert stale.status_code == 200 and json_body(stale) == {"result": "refused"}
    body, headers = _press(button_value(run_id, request_id), secret="another-apps-secret")
    assert api.post("/slack/interactions", data=body, headers=headers).status_code == 401
    body, headers = _press(button_value(run_id, request_id))
    assert api.post("/slack/interactions", data=body + b"x", headers=headers).status_code == 401
    body, headers = _press("no-space-here")
    assert api.post("/slack/interactions", data=body, headers=headers).status_code == 400
    run = fakes.store.get_run("t1", run_id)
    assert run is not None and run.state.status == RunStatus.WAITING_FOR_HUMAN
    assert fakes.slack_web.replies == []
