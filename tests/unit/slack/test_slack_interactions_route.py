"""``POST /slack/interactions``: a member's press of an approval's button decides the run's very request
through the engine's decision service, once however often it comes; a stranger's press, or one
forged, stale or naming another request, decides nothing (the presser alone is told why)."""

import json
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from shared.platform.config import PlatformSecret
from shared.runs.domain.state import RunStatus
from shared.slack.domain.installs import SlackInstall
from shared.slack.domain.interactions import STRANGER_PRESS, approval_blocks
from shared.team.services.sessions import start_session
from shared.workspace.domain.integrations import chat_token_secret
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.runs.api_runs import fake_container, waiting_run

SECRET = "0123456789abcdef0123456789abcdef"
TEAM, CHANNEL = "T00000001", "C00000001"


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    fakes = fake_container(monkeypatch)
    fakes.tenants.update("t1", lambda t: t.model_copy(update={"owner_email": "ada@acme.example"}))  # type: ignore[union-attr]  # saved just before
    fakes.secrets.values[PlatformSecret.SLACK_SIGNING_SECRET] = SECRET
    fakes.secrets.values[chat_token_secret("t1")] = "xoxb-test"
    install = SlackInstall(
        team_id=TEAM, tenant_id="t1", bot_user_id="UBOT00001", installed_at=datetime.now(UTC)
    )
    fakes.slack_installs.put(install)
    fakes.slack_web.emails["UADA00001"] = "ada@acme.example"
    fakes.slack_web.emails["UEVE00001"] = "eve@elsewhere.example"
    return fakes


def _press(
    value: str, user: str = "UADA00001", action: str = "approve", secret: str = SECRET
) -> tuple[bytes, dict[str, str]]:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user},
        "channel": {"id": CHANNEL},
        "container": {"message_ts": "2.000001", "thread_ts": "1.000001"},
        "actions": [{"action_id": action, "value": value, "action_ts": "2.5"}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    stamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body) or ""
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return body, headers


def _button_value(run_id: str, request_id: str) -> str:
    """The value the approval message's Approve button carries, as built for Slack."""
    [_, actions] = approval_blocks(run_id, request_id, "ok?", "http://console/runs/x")
    value: str = actions["elements"][0]["value"]
    return value


def _waiting(fakes: FakeContainer) -> tuple[str, str]:
    api = client("api", fakes)
    run_id, note = waiting_run(fakes, api, start_session("t1", fakes.secrets))
    return run_id, str(note.data["request_id"])


def test_a_members_press_decides_the_request_once_however_often_it_comes(fakes: FakeContainer) -> None:
    run_id, request_id = _waiting(fakes)
    api, value = client("api", fakes), _button_value(run_id, request_id)
    first = api.post("/slack/interactions", data=_press(value)[0], headers=_press(value)[1])
    assert first.status_code == 200 and json_body(first) == {"result": "decided"}
    run = fakes.store.get_run("t1", run_id)
    assert run is not None and run.state.status != RunStatus.WAITING_FOR_HUMAN
    body, headers = _press(value)
    again = api.post("/slack/interactions", data=body, headers=headers)
    assert again.status_code == 200 and json_body(again) == {"result": "refused"}
    assert [r[3] for r in fakes.slack_web.replies] == ["Approved by ada@acme.example."]
    assert fakes.slack_web.whispers[-1][2].startswith("Nothing was decided: run")


def test_a_strangers_press_decides_nothing_and_only_they_are_told(fakes: FakeContainer) -> None:
    run_id, request_id = _waiting(fakes)
    body, headers = _press(_button_value(run_id, request_id), user="UEVE00001")
    answer = client("api", fakes).post("/slack/interactions", data=body, headers=headers)
    assert answer.status_code == 200 and json_body(answer) == {"result": "stranger"}
    assert (
        fakes.slack_web.whispers == [(CHANNEL, "UEVE00001", STRANGER_PRESS)] and fakes.slack_web.replies == []
    )
    run = fakes.store.get_run("t1", run_id)
    assert run is not None and run.state.status == RunStatus.WAITING_FOR_HUMAN


def test_a_press_naming_another_request_or_forged_or_malformed_decides_nothing(fakes: FakeContainer) -> None:
    run_id, request_id = _waiting(fakes)
    api = client("api", fakes)
    stale = api.post(
        "/slack/interactions",
        data=_press(f"{run_id} other-request")[0],
        headers=_press(f"{run_id} other-request")[1],
    )
    assert stale.status_code == 200 and json_body(stale) == {"result": "refused"}
    body, headers = _press(_button_value(run_id, request_id), secret="another-apps-secret")
    assert api.post("/slack/interactions", data=body, headers=headers).status_code == 401
    body, headers = _press(_button_value(run_id, request_id))
    assert api.post("/slack/interactions", data=body + b"x", headers=headers).status_code == 401
    body, headers = _press("no-space-here")
    assert api.post("/slack/interactions", data=body, headers=headers).status_code == 400
    run = fakes.store.get_run("t1", run_id)
    assert run is not None and run.state.status == RunStatus.WAITING_FOR_HUMAN
    assert fakes.slack_web.replies == []
