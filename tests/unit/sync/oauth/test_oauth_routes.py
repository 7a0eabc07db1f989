"""The OAuth connect routes within the team's roles: an owner or admin gets the tool's authorize URL,
an editor or viewer may not (403); a deployment without the tool's app answers 409; the callback
refuses a state another person started, or a forged one (400), storing nothing."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

from shared.sync.domain.oauth import apps_of
from tests.support.team.role_team import Team, call, team

APPS = apps_of(
    ("lin-client", "https://linear.app", "https://api.linear.app", False), ("gl-client", "https://gitlab.com")
)


def _with_apps(people: Team) -> Team:
    parts = people.container.sync.oauth_parts
    people.container.sync.oauth_parts = lambda: parts()._replace(apps=APPS)  # type: ignore[method-assign]  # a test seam
    return people


def test_only_an_owner_or_admin_starts_and_a_deployment_without_the_app_says_so() -> None:
    people = team()
    for role in ("viewer", "editor"):
        assert call(people, role, "POST", "/sync/gitlab/oauth", json={"project": "demo/tasks"})[0] == 403
        assert call(people, role, "GET", "/sync/linear/oauth/callback?state=x&code=y")[0] == 403
    status, answer = call(people, "admin", "POST", "/sync/linear/oauth", json={"team_id": "team-1"})
    assert status == 409 and "no Linear OAuth app" in answer["reason"]


def test_the_callback_refuses_a_state_of_another_person_or_a_forged_one() -> None:
    people = _with_apps(team())
    status, answer = call(people, "admin", "POST", "/sync/gitlab/oauth", json={"project": "demo/tasks"})
    assert status == 200 and answer["authorize_url"].startswith("https://gitlab.com/oauth/authorize?")
    query: dict[str, Any] = parse_qs(urlsplit(answer["authorize_url"]).query)
    assert query["redirect_uri"][0].endswith("/sync/gitlab/oauth/callback")
    state = query["state"][0]
    before = dict(people.container.secrets.values)
    status, refused = call(people, "owner", "GET", f"/sync/gitlab/oauth/callback?state={state}&code=abc")
    assert status == 400 and "another person" in refused["reason"]
    status, refused = call(people, "admin", "GET", f"/sync/gitlab/oauth/callback?state={state}x&code=abc")
    assert status == 400 and "not valid" in refused["reason"]
    assert call(people, "admin", "POST", "/sync/gitlab/oauth", json={"project": "not a path"})[0] == 400
    assert people.container.secrets.values == before
