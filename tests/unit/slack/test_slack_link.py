"""Connecting Slack links its team to the workspace, so the team's events reach it (decision 0173):
``PUT /integrations/slack`` links the bot token's team, ``DELETE`` unlinks it, and a team another
workspace linked first is a 409 with nothing stored."""

from datetime import UTC, datetime

from shared.slack.domain.installs import SlackInstall
from shared.workspace.domain.integrations import chat_token_secret
from tests.support.platform.fake_container import FakeContainer, client, json_body
from tests.support.team.settings_api import connect

TOKEN = "xoxb-" + "1" * 20


def test_connecting_slack_links_its_team_and_disconnecting_unlinks_it() -> None:
    fakes = FakeContainer()
    auth, api = connect(fakes), client("api", fakes)
    fakes.slack_web.teams[TOKEN] = ("T0ACME0001", "U0BOT00001")
    assert api.put("/integrations/slack", headers=auth, json={"token": TOKEN}).status_code == 200
    linked = fakes.slack_installs.get("T0ACME0001")
    assert linked is not None and (linked.tenant_id, linked.bot_user_id) == ("t1", "U0BOT00001")
    assert (
        api.put("/integrations/slack", headers=auth, json={"token": TOKEN}).status_code == 200
    )  # again: kept
    assert api.delete("/integrations/slack", headers=auth).status_code == 200
    assert fakes.slack_installs.installs == {}


def test_a_team_another_workspace_linked_is_refused_and_nothing_is_stored() -> None:
    fakes = FakeContainer()
    auth, api = connect(fakes), client("api", fakes)
    fakes.slack_web.teams[TOKEN] = ("T0ACME0001", "U0BOT00001")
    theirs = SlackInstall(
        team_id="T0ACME0001",
        tenant_id="t2",
        bot_user_id="U0BOT00001",
        installed_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    fakes.slack_installs.put(theirs)
    answer = api.put("/integrations/slack", headers=auth, json={"token": TOKEN})
    assert answer.status_code == 409 and "another Notion workspace" in json_body(answer)["reason"]
    assert chat_token_secret("t1") not in fakes.secrets.values
    assert fakes.slack_installs.get("T0ACME0001") == theirs
    tenant = fakes.tenants.get("t1")
    assert tenant is not None and tenant.integrations == ()
