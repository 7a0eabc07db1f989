"""``POST /slack/install`` and ``GET /slack/oauth/callback`` within the team's roles: an owner or admin
gets Slack's authorize URL, an editor or viewer may not (403); a deployment without a Slack app answers
409; Slack's redirect connects Slack once (303 to the console), and a state another person started, a
forged one or a code Slack refuses is a 400 storing nothing."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

from shared.platform.config import PlatformSecret
from shared.workspace.domain.integrations import chat_token_secret
from tests.support.platform.fake_container import client
from tests.support.team.role_team import Team, call, team

ANSWER = {
    "ok": True,
    "access_token": "xoxb-installed-0001",
    "token_type": "bot",
    "bot_user_id": "U0FAKEBOT1",
    "team": {"id": "T0FAKE0001", "name": "Acme"},
}


def _with_app(people: Team) -> Team:
    c = people.container
    c.settings = c.settings.replace(slack_client_id="1.2")
    c.secrets.values[PlatformSecret.SLACK_CLIENT_SECRET] = "client-secret"
    return people


def _state(people: Team, role: str = "admin") -> str:
    status, answer = call(people, role, "POST", "/slack/install")
    assert status == 200 and answer["authorize_url"].startswith("https://slack.com/oauth/v2/authorize?")
    query: dict[str, Any] = parse_qs(urlsplit(answer["authorize_url"]).query)
    assert query["redirect_uri"][0].endswith("/slack/oauth/callback") and query["client_id"] == ["1.2"]
    return str(query["state"][0])


def _callback(people: Team, role: str, query: str) -> Any:
    """The redirect as the browser follows it: the session's answer itself (a 303 has no JSON)."""
    api = client("api", people.container)
    return api.get(
        f"/slack/oauth/callback?{query}", headers={"Authorization": f"Bearer {people.sessions[role]}"}
    )


def test_only_an_owner_or_admin_installs_and_a_deployment_without_the_app_says_so() -> None:
    people = team()
    for role in ("viewer", "editor"):
        assert call(people, role, "POST", "/slack/install")[0] == 403
        assert call(people, role, "GET", "/slack/oauth/callback?state=x&code=y")[0] == 403
    status, answer = call(people, "admin", "POST", "/slack/install")
    assert status == 409 and "no Slack app" in answer["reason"]


def test_slacks_redirect_connects_slack_once_and_sends_the_browser_to_the_console() -> None:
    people = _with_app(team())
    people.container.slack_web.codes["c-1"] = ANSWER
    state = _state(people)
    answer = _callback(people, "admin", f"state={state}&code=c-1")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#slack=install&connected=true")
    assert people.container.secrets.values[chat_token_secret("t1")] == "xoxb-installed-0001"
    install = people.container.slack_installs.get("T0FAKE0001")
    assert install is not None and install.tenant_id == "t1"
    again = _callback(people, "admin", f"state={state}&code=c-1")
    assert again.status_code == 400 and "already used" in again.get_json()["reason"]


def test_the_callback_refuses_another_persons_state_a_forged_one_or_a_refused_code() -> None:
    people = _with_app(team())
    state = _state(people)
    before = dict(people.container.secrets.values)
    status, refused = call(people, "owner", "GET", f"/slack/oauth/callback?state={state}&code=c-1")
    assert status == 400 and "another person" in refused["reason"]
    status, refused = call(people, "admin", "GET", f"/slack/oauth/callback?state={state}x&code=c-1")
    assert status == 400 and "not valid" in refused["reason"]
    status, refused = call(people, "admin", "GET", f"/slack/oauth/callback?state={state}&code=unknown")
    assert status == 400 and "Slack refused the install's code" in refused["reason"]
    assert people.container.secrets.values == before and people.container.slack_installs.installs == {}
