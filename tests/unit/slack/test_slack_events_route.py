"""``POST /slack/events`` on the api (decision 0173): a signed mention of a member starts one run,
answered 200 as Slack needs within its three seconds; an unsigned, forged, oversized or malformed
request is refused with a reason and nothing recorded; a deployment without a Slack app says so."""

import json
import time
from typing import Any

from slack_sdk.signature import SignatureVerifier

from tests.support.platform.fake_container import client, json_body
from tests.support.slack.events_route import SECRET, _fakes


def _headers(body: bytes, secret: str = SECRET) -> dict[str, str]:
    stamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body) or ""
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/json",
    }


def _mention(text: str = "<@UBOT00001> draft the note") -> bytes:
    event = {
        "type": "app_mention",
        "user": "UADA00001",
        "text": text,
        "channel": "C00000001",
        "ts": "1.000001",
    }
    envelope = {"type": "event_callback", "team_id": "T00000001", "event_id": "Ev00000001", "event": event}
    return json.dumps(envelope).encode()


def test_a_members_signed_mention_starts_one_run() -> None:
    fakes = _fakes()
    api, body = client("api", fakes), _mention()
    first = api.post("/slack/events", data=body, headers=_headers(body))
    assert first.status_code == 200 and json_body(first)["result"] == "started"
    again = api.post("/slack/events", data=body, headers=_headers(body) | {"X-Slack-Retry-Num": "1"})
    assert again.status_code == 200 and json_body(again) == {"result": "duplicate"}
    [(_, task, _, _)] = fakes.queue.tasks
    assert task.model_dump()["goal"] == "draft the note"
    assert [r[3][:6] for r in fakes.slack_web.replies] == ["On it."]


def test_the_url_check_is_answered_with_its_challenge() -> None:
    api, body = client("api", _fakes()), b'{"type": "url_verification", "challenge": "c-1", "token": "t"}'
    answer = api.post("/slack/events", data=body, headers=_headers(body))
    assert answer.status_code == 200 and json_body(answer) == {"challenge": "c-1"}


def test_bad_requests_are_refused_with_a_reason_and_nothing_recorded() -> None:
    fakes = _fakes()
    api, body = client("api", fakes), _mention()
    cases: list[tuple[bytes, dict[str, Any], int, str]] = [
        (body, {"Content-Type": "application/json"}, 401, "not signed by Slack"),
        (body, _headers(body, "another-apps-secret"), 401, "not signed by Slack"),
        (b'{"type": "event_callback"}', _headers(b'{"type": "event_callback"}'), 400, "team_id"),
        (b"[1, 2", _headers(b"[1, 2"), 400, "not a Slack event"),
    ]
    big = b'{"x": "' + b"a" * 2_000_000 + b'"}'
    cases.append((big, _headers(big), 413, "larger than"))
    for data, headers, status, words in cases:
        answer = api.post("/slack/events", data=data, headers=headers)
        assert answer.status_code == status and words in json_body(answer)["reason"], answer.get_data()
    assert fakes.queue.tasks == [] and fakes.webhook_events.records == {} and fakes.slack_web.replies == []


def test_a_deployment_without_a_slack_app_says_so() -> None:
    api, body = client("api", _fakes(secret=False)), _mention()
    answer = api.post("/slack/events", data=body, headers=_headers(body))
    assert answer.status_code == 404 and "no Slack app set up" in json_body(answer)["reason"]
