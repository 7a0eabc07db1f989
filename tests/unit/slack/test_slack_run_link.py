"""A run started from Slack links back to the message it was asked in: the permalink Slack gives
(``chat.getPermalink``) recorded in its plan and shown in the api's run (``started_by.link``)."""

import json

from shared.team.services.sessions import start_session
from tests.support.platform.fake_container import client
from tests.support.runs.api_runs import auth, pump
from tests.support.slack.slack_events import SECRET, TEAM, mention, signed
from tests.support.slack.slack_presses import slack_fakes

PLAN = {
    "goal": "",
    "on_reject": "end",
    "steps": [{"tool": "finish", "args_json": json.dumps({"summary": "ok"})}],
}


def test_the_run_view_links_back_to_the_slack_message() -> None:
    fakes = slack_fakes()
    install = fakes.slack_installs.get("T00000001")
    assert install is not None
    fakes.slack_installs.put(install.model_copy(update={"team_id": TEAM}))  # the events' team
    fakes.secrets.values["slack-signing-secret"] = SECRET
    api = client("api", fakes)
    event = mention("UADA00001", "<@UBOT00001> draft the note", ts="1767600000.000042")
    started = api.post("/slack/events", data=(s := signed(event))[0], headers=s[1]).get_json()
    assert started["result"] == "started"
    fakes.model.script["PlanOut"] = [PLAN]
    pump(fakes)
    shown = api.get(f"/runs/{started['run_id']}", headers=auth(start_session("t1", fakes.secrets))).json
    assert shown is not None
    link = shown["started_by"]["link"]
    assert link == "https://acme.slack.com/archives/C0SANDBOX01/p1767600000000042"
    assert shown["started_by"]["rule"].endswith("on Slack")


def test_a_run_not_from_slack_links_nowhere() -> None:
    fakes = slack_fakes()
    api, token = client("api", fakes), start_session("t1", fakes.secrets)
    fakes.model.script["PlanOut"] = [PLAN]
    answer = api.post("/runs", json={"goal": "Write", "request_id": "x"}, headers=auth(token)).json
    assert answer is not None
    pump(fakes)
    shown = api.get(f"/runs/{answer['run_id']}", headers=auth(token)).json
    assert shown is not None and shown["started_by"]["link"] is None
