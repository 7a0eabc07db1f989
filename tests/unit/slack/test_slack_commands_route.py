"""``POST /slack/commands`` on the api: Slack's signed form of ``/agent <words>`` answered 200 with an
ephemeral message, the run started once per invocation in a thread the app posts; an unsigned, forged,
oversized or malformed form is refused with a reason and nothing recorded; a deployment without a Slack
app says so."""

from typing import Any

from tests.support.platform.fake_container import client, json_body
from tests.support.slack.events_route import SECRET, _fakes
from tests.support.slack.slack_events import signed_form, slash

ADA = "UADA00001"


def _command(text: str, **more: Any) -> tuple[bytes, dict[str, str]]:
    typed = slash(ADA, text) | {"team_id": "T00000001", "channel_id": "C00000001"} | more
    return signed_form(typed, SECRET)


def test_a_members_command_is_answered_to_her_alone_and_starts_one_run_in_its_thread() -> None:
    fakes = _fakes()
    api, (body, headers) = client("api", fakes), _command("draft the note")
    first = api.post("/slack/commands", data=body, headers=headers)
    assert first.status_code == 200 and first.mimetype == "application/json"
    assert json_body(first)["response_type"] == "ephemeral" and json_body(first)["text"].startswith("On it.")
    again = api.post("/slack/commands", data=body, headers=headers)
    assert json_body(again)["text"].startswith("This command was taken already")
    [(_, task, _, _)] = fakes.queue.tasks
    [echo, reply] = fakes.slack_web.replies  # who asked what in the channel, then the thread's answer
    assert echo[1:] == ("C00000001", "", f"<@{ADA}> asked with /agent: draft the note")
    assert (
        reply[2] != "" and task.model_dump()["trigger"]["thread"] == f"slack:T00000001:C00000001:{reply[2]}"
    )


def test_a_channel_the_app_is_not_in_starts_nothing() -> None:
    fakes = _fakes()
    fakes.slack_web.closed.add("C00000001")
    body, headers = _command("draft the note")
    answer = client("api", fakes).post("/slack/commands", data=body, headers=headers)
    assert answer.status_code == 200 and "invite me" in json_body(answer)["text"]
    assert fakes.queue.tasks == [] and fakes.slack_web.replies == []


def test_bad_commands_are_refused_with_a_reason_and_nothing_recorded() -> None:
    fakes = _fakes()
    api, (body, _) = client("api", fakes), _command("hi")
    forged = signed_form(slash(ADA, "hi"), "another-apps-secret")
    no_command = signed_form({k: v for k, v in slash(ADA, "hi").items() if k != "command"}, SECRET)
    big = signed_form(slash(ADA, "a" * 2_000_000), SECRET)
    cases = [
        (body, {"Content-Type": "application/x-www-form-urlencoded"}, 401, "not signed by Slack"),
        (*forged, 401, "not signed by Slack"),
        (*no_command, 400, "command"),
        (*big, 413, "larger than"),
    ]
    for data, sent, status, words in cases:
        answer = api.post("/slack/commands", data=data, headers=sent)
        assert answer.status_code == status and words in json_body(answer)["reason"], answer.get_data()
    assert fakes.queue.tasks == [] and fakes.webhook_events.records == {} and fakes.slack_web.replies == []


def test_a_deployment_without_a_slack_app_says_so() -> None:
    fakes = _fakes(secret=False)
    body, headers = _command("hi")
    answer = client("api", fakes).post("/slack/commands", data=body, headers=headers)
    assert answer.status_code == 404 and "no Slack app set up" in json_body(answer)["reason"]
