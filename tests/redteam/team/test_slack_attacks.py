"""Slack as a way in, attacked (docs/slack.md): forged and stale signatures on button presses, presses
by strangers and by members whose role may not approve, presses and events replayed. Each case that
decides a request, or starts a run, it should not is a ``channel_spoofs``; the RESULT line asserts 0."""

import time

import pytest
from slack_sdk.signature import SignatureVerifier

from shared.runs.domain.events import HumanResponded
from shared.runs.domain.state import RunStatus
from shared.workspace.domain.members import Member
from tests.redteam.totals import EXERCISED, TOTALS
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.slack.slack_events import mention, signed
from tests.support.slack.slack_presses import SECRET, button_value, press, slack_fakes, waiting

pytestmark = pytest.mark.redteam


def _decisions(fakes: FakeContainer, run_id: str) -> int:
    return sum(isinstance(e, HumanResponded) for e in fakes.store.list_events("t1", run_id))


def _count(spoofed: bool) -> None:
    EXERCISED["channel_cases"] += 1
    TOTALS["attacks"] += 1
    TOTALS["channel_spoofs"] += int(spoofed)


def _forgeries(value: str) -> list[tuple[bytes, dict[str, str]]]:
    body, headers = press(value)
    stale = str(int(time.time()) - 6 * 60)
    return [
        press(value, secret="another-apps-secret"),
        (body + b"&x=1", headers),  # the body changed after signing
        (body, {k: v for k, v in headers.items() if k != "X-Slack-Signature"}),
        (body, headers | {"X-Slack-Request-Timestamp": stale}),  # the signature no longer matches
        (  # signed five minutes ago and more, genuinely
            body,
            headers
            | {
                "X-Slack-Request-Timestamp": stale,
                "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=stale, body=body)
                or "",
            },
        ),
        (body, headers | {"X-Slack-Signature": "v0=" + "0" * 64}),
        (body, headers | {"X-Slack-Signature": "v1=" + headers["X-Slack-Signature"][3:]}),
    ]


def test_forged_or_stale_presses_decide_nothing() -> None:
    fakes = slack_fakes()
    run_id, request_id = waiting(fakes)
    api = client("api", fakes)
    for body, headers in _forgeries(button_value(run_id, request_id)):
        answer = api.post("/slack/interactions", data=body, headers=headers)
        _count(answer.status_code != 401 or _decisions(fakes, run_id) != 0)


def test_a_button_pressed_by_the_wrong_person_decides_nothing() -> None:
    fakes = slack_fakes()
    now = fakes.tenants.get("t1").created_at  # type: ignore[union-attr]  # saved by slack_fakes
    viewer = Member(
        member_id="m-vi", notion_user_id="u-vi", email="vi@acme.example", role="viewer", added_at=now
    )
    fakes.tenants.update("t1", lambda t: t.model_copy(update={"members": (viewer,)}))  # type: ignore[union-attr]  # saved
    fakes.slack_web.emails["UVIEW0001"] = "vi@acme.example"
    fakes.slack_web.emails["UGONE0001"] = ""  # a bot, or a profile without an email
    run_id, request_id = waiting(fakes)
    api = client("api", fakes)
    for user in ("UEVE00001", "UVIEW0001", "UGONE0001", "UNKNOWN01"):
        for action in ("approve", "decline"):
            body, headers = press(button_value(run_id, request_id), user=user, action=action)
            answer = api.post("/slack/interactions", data=body, headers=headers)
            run = fakes.store.get_run("t1", run_id)
            still = run is not None and run.state.status == RunStatus.WAITING_FOR_HUMAN
            ok = answer.status_code == 200 and answer.get_json()["result"] in ("stranger", "refused")
            _count(not (ok and still and _decisions(fakes, run_id) == 0))


def test_a_replayed_press_decides_once() -> None:
    fakes = slack_fakes()
    run_id, request_id = waiting(fakes)
    api = client("api", fakes)
    body, headers = press(button_value(run_id, request_id))
    results = [
        api.post("/slack/interactions", data=body, headers=headers).get_json()["result"] for _ in range(5)
    ]
    # a press for a request the run no longer waits for, pressed on an older message
    old, old_headers = press(f"{run_id} an-earlier-request")
    results.append(api.post("/slack/interactions", data=old, headers=old_headers).get_json()["result"])
    for _ in results:
        _count(results.count("decided") != 1 or _decisions(fakes, run_id) != 1)


def test_a_replayed_event_starts_one_run() -> None:
    fakes = slack_fakes()
    install = fakes.slack_installs.get("T00000001")
    assert install is not None
    fakes.slack_installs.put(install.model_copy(update={"team_id": "T0SANDBOX01"}))  # the events' team
    fakes.secrets.values["slack-signing-secret"] = "8f742231b10e8888abcd99yyyzzz85a5"
    api = client("api", fakes)
    before = len(fakes.queue.tasks)
    event = mention("UADA00001", "<@UBOT00001> draft the note", event_id="Ev0REPLAY0001")
    answers = [
        api.post("/slack/events", data=raw, headers=headers).get_json()
        for raw, headers in (signed(event, retry=n % 4) for n in range(8))
    ]
    started = [a for a in answers if a.get("result") == "started"]
    for _ in answers:
        _count(len(started) != 1 or len(fakes.queue.tasks) - before != 1)
