"""A team on the whole local stack: an editor and a viewer, invited and signed in through
Notion OAuth, try every action above their role; a removed member replays her old session cookie and
API key, and signs in again with Notion and with her used invite. Each try that gets through is a
``role_escapes`` (totals.py); each case also checks what the member may do still works, so the zero
is not for want of a working sign-in."""

import urllib.parse
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any

import pytest

from local.demo import connect, http
from local.stack import LocalStack
from shared.workspace.domain.connecting.connection import session_cookie
from tests.redteam.totals import EXERCISED, TOTALS

pytestmark = pytest.mark.redteam
SLOW_NOT = {"NA_API_PERSON_PER_MIN": "6000", "NA_API_BURST": "200"}  # the tries are many and quick


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(extra_env=SLOW_NOT) as running:
        yield running


class Team:
    def __init__(self, stack: LocalStack) -> None:
        self.stack, self.api = stack, stack.url_of_api()
        self.ids = stack.sandbox_admin("GET", "/workspaces/demo/state")["ids"]
        stack.sandbox_admin("POST", "/oauth", {"workspace": "demo", "user_id": None})
        self.owner = connect(stack)

    def call(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, Any]:
        status, answer, _ = http(method, self.api + path, body, headers)
        return status, answer

    def invite(self, role: str) -> str:
        email = "grace@demo.example"  # the sandbox's teammate's Notion email (seed.person_user)
        status, made = self.call("POST", "/team/invites", self.owner, {"email": email, "role": role})
        assert status == 201, made
        return str(made["link"]).rsplit("#invite=", 1)[1].split("&", 1)[0]

    def sign_in(self, invite: str = "") -> tuple[dict[str, str], dict[str, str]]:
        """Grace signs in through Notion (with ``invite``): the fragment's outcome, and the browser's
        headers (cookie, Origin, CSRF token) when she got a session ({} otherwise)."""
        self.stack.sandbox_admin("POST", "/oauth", {"user_id": self.ids["teammate"]})
        try:
            status, start, headers = http(
                "GET", self.api + "/connect", None, {"X-Invite-Code": invite} if invite else {}
            )
            assert status == 200, start
            cookie = "; ".join(f"{m.key}={m.value}" for m in SimpleCookie(headers["Set-Cookie"]).values())
            _, _, headers = http("GET", start["authorize_url"])
            _, _, headers = http("GET", headers["Location"], headers={"Cookie": cookie})
        finally:
            self.stack.sandbox_admin("POST", "/oauth", {"user_id": None})
        outcome = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(headers["Location"]).fragment))
        if outcome.get("connected") != "true":
            return outcome, {}
        frontend = self.stack.env()["NA_FRONTEND_URL"]
        name = session_cookie(frontend).name
        jar: SimpleCookie = SimpleCookie()
        for header in headers.get_all("Set-Cookie"):
            jar.load(header)
        browser = {"Cookie": f"{name}={jar[name].value}"}
        status, me = self.call("GET", "/session", browser)
        assert status == 200, me
        origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(frontend))
        return outcome, browser | {"Origin": origin, "X-CSRF-Token": me["csrf_token"]}

    def member_id(self) -> str:
        _, team = self.call("GET", "/team", self.owner)
        return str(next(m["member_id"] for m in team["members"] if m["role"] != "owner"))


# What only an admin or the owner may do, each tried by the editor and the viewer: (method, path, body).
ABOVE_EDITOR = [
    ("PATCH", "/settings", {"daily_plan": False}),
    ("PUT", "/integrations/github", {"token": "ghp_" + "x" * 36}),
    ("DELETE", "/integrations/vercel", None),
    ("POST", "/home", {"parent_page_id": "0" * 32}),
    ("POST", "/team/invites", {"email": "mallory@example.com", "role": "admin"}),
    ("PUT", "/team/approvers", {"production": "admin"}),
    ("PUT", "/audit/retention", {"days": 1}),
    ("GET", "/audit", None),
    ("GET", "/audit/export", None),
    ("DELETE", "/connection", None),
]
ABOVE_VIEWER = [
    *ABOVE_EDITOR,
    ("POST", "/runs", {"goal": "Summarise the wiki"}),
    ("POST", "/runs/r000/cancel", None),
    ("POST", "/runs/r000/approve", {"request_id": "approval-1"}),
]


def tries(team: Team, headers: dict[str, str], above: list[tuple[str, str, Any]], label: str) -> None:
    """Each action above the role, by session: anything but a 403 naming the role is an escape."""
    before = team.stack.sandbox_admin("GET", "/workspaces/demo/state")["comments"]
    for method, path, body in above:
        status, answer = team.call(method, path, headers, body)
        TOTALS["attacks"] += 1
        EXERCISED["team_cases"] += 1
        refused = status == 403 and "your role" in (answer or {}).get("reason", "")
        if not refused:
            TOTALS["role_escapes"] += 1
            print(f"ESCAPE {label}: {method} {path} answered {status}: {answer}")
    assert team.call("GET", "/session", team.owner)[0] == 200  # the workspace is still connected
    assert team.stack.sandbox_admin("GET", "/workspaces/demo/state")["comments"] == before


def test_an_editor_and_a_viewer_try_every_action_above_their_role(stack: LocalStack) -> None:
    team, escapes = Team(stack), TOTALS["role_escapes"]
    outcome, editor = team.sign_in(team.invite("editor"))
    assert outcome["role"] == "editor", outcome
    assert team.call("POST", "/runs", editor, {"goal": "Summarise the week"})[0] == 202  # within the role
    tries(team, editor, ABOVE_EDITOR, "editor")
    promoted = team.call("PATCH", f"/team/members/{team.member_id()}", editor, {"role": "admin"})
    TOTALS["attacks"] += 1
    if promoted[0] != 403:
        TOTALS["role_escapes"] += 1

    grace = team.member_id()
    assert team.call("PATCH", f"/team/members/{grace}", team.owner, {"role": "viewer"})[0] == 200
    _, viewer = team.sign_in()  # a member signs in again without a link
    assert team.call("GET", "/runs", viewer)[0] == 200  # within the role
    tries(team, viewer, ABOVE_VIEWER, "viewer")
    asked = team.call("POST", "/api-keys", viewer, {"name": "mine", "scopes": ["read", "runs:start"]})
    TOTALS["attacks"] += 1
    if asked[0] != 403:
        TOTALS["role_escapes"] += 1
    status, key = team.call("POST", "/api-keys", viewer, {"name": "mine", "scopes": ["read"]})
    assert status == 201, key
    by_key = team.call("POST", "/runs", {"Authorization": f"Bearer {key['key']}"}, {"goal": "Summarise"})
    TOTALS["attacks"] += 1
    if by_key[0] != 403:
        TOTALS["role_escapes"] += 1
    assert team.call("DELETE", f"/team/members/{grace}", team.owner)[0] == 200
    assert TOTALS["role_escapes"] == escapes


def test_a_removed_member_replays_her_session_and_key(stack: LocalStack) -> None:
    team = Team(stack)
    code = team.invite("editor")
    _, grace = team.sign_in(code)
    status, key = team.call("POST", "/api-keys", grace, {"name": "ci", "scopes": ["read", "runs:start"]})
    assert status == 201, key
    keyed = {"Authorization": f"Bearer {key['key']}"}
    assert team.call("GET", "/runs", keyed)[0] == 200 and team.call("GET", "/runs", grace)[0] == 200
    removed = team.call("DELETE", f"/team/members/{team.member_id()}", team.owner)
    assert removed[0] == 200 and removed[1]["api_keys_deleted"] == 1
    replays = [
        team.call("GET", "/runs", grace),
        team.call("GET", "/session", grace),
        team.call("POST", "/runs", grace, {"goal": "Still here?"}),
        team.call("GET", "/runs", keyed),
        team.call("POST", "/runs", keyed, {"goal": "Still here?"}),
    ]
    again, _ = team.sign_in()  # Notion still knows her; the team does not
    reused, _ = team.sign_in(code)  # her invite was used
    TOTALS["attacks"] += len(replays) + 2
    EXERCISED["team_cases"] += len(replays) + 2
    TOTALS["role_escapes"] += sum(status != 401 for status, _ in replays)
    TOTALS["role_escapes"] += again.get("connected") == "true"
    TOTALS["role_escapes"] += reused.get("connected") == "true"
    assert [status for status, _ in replays] == [401] * len(replays)
    assert again["error"] == "connected_by_another_user" and reused["error"] == "invite_not_valid"
