"""Connect Google's routes on the api (a team of each role over fakes; Firestore emulator, the Google
sandboxes): the owner connects an agent's address, Integrations lists it, the owner disconnects it
(Gmail's watch stopped, the grant revoked); a member connects and disconnects their own calendar;
an editor may not start a mailbox's consent; Google's ``access_denied``, a replayed redirect, an
unknown agent and a deployment without a Google client each answer a clear 4xx. Erasing the workspace
stops each watch and channel and revokes each grant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest

from local.calendar_sandbox.app import CalendarSandbox
from local.calendar_sandbox.app import serve as serve_calendar
from local.gmail_sandbox.accounts import CLIENT_ID, CLIENT_SECRET
from local.gmail_sandbox.app import serve as serve_gmail
from shared.agents.domain.agents import Agent
from shared.platform.config import PlatformSecret, Settings
from tests.support.google.google_world import AGENT, PUSH_URL, TOPIC, consent, google_parts
from tests.support.team.role_team import Team, call, team

NOW = datetime.now(UTC)


@pytest.fixture
def people(firestore_db: Any) -> Iterator[tuple[Team, Any, Any]]:
    """A team of each role whose api connects Google at the sandboxes; the agent "scribe"."""
    gmail, gmail_server = serve_gmail()
    calendar, calendar_server = serve_calendar(CalendarSandbox(gmail.accounts))
    chosen = team()
    c = chosen.container
    c.secrets.values[PlatformSecret.GOOGLE_OAUTH_CLIENT_SECRET] = CLIENT_SECRET
    parts = google_parts(gmail_server.url, calendar_server.url, firestore_db, c.secrets)
    assert parts.mail is not None and parts.calendar is not None
    c.settings = Settings(
        google_oauth_client_id=CLIENT_ID,
        google_auth_url=gmail_server.url + "/o/oauth2/v2/auth",
        mail_topic=TOPIC,
        calendar_push_address=PUSH_URL,
        api_url="https://console.acme.example/api",
    )
    built = c.instance.built
    built |= {"google_oauth": parts.oauth, "mailboxes": parts.mail.mailboxes, "gmail": parts.mail.gmail}
    built |= {"calendar_links": parts.calendar.links, "calendar_api": parts.calendar.api}
    c.fake_agents.create("t1", Agent(agent_id="scribe", name="Scribe", created_at=NOW, updated_at=NOW))
    try:
        yield chosen, gmail, calendar
    finally:
        calendar_server.stop()
        gmail_server.stop()


def _callback(people: Team, role: str, back: dict[str, str]) -> tuple[int, Any, str]:
    from tests.support.platform.fake_container import client

    answer = client("api", people.container).get(
        "/google/oauth/callback?" + urlencode(back),
        headers={"Authorization": f"Bearer {people.sessions[role]}"},
    )
    return answer.status_code, answer.get_json(silent=True), answer.headers.get("Location", "")


def test_the_owner_connects_lists_and_disconnects_an_agents_mailbox(people: Any) -> None:
    chosen, gmail, _ = people
    status, start = call(
        chosen, "owner", "POST", "/google/connect/mailbox", json={"agent_id": "scribe", "address": AGENT}
    )
    assert status == 200 and urlparse(start["authorize_url"]).path == "/o/oauth2/v2/auth"
    back = consent(start["authorize_url"], AGENT)
    status, _, location = _callback(chosen, "owner", back)
    assert (status, location) == (303, "http://127.0.0.1:3000#google=mailbox&connected=true")
    status, listed = call(chosen, "viewer", "GET", "/integrations")
    assert status == 200 and [m["address"] for m in listed["google"]["mailboxes"]] == [AGENT]
    assert listed["google"]["configured"] and listed["google"]["mailboxes"][0]["agent_id"] == "scribe"
    replayed = _callback(chosen, "owner", back)
    assert replayed[0] == 400 and "already used" in str(replayed[1])
    assert call(chosen, "editor", "DELETE", f"/google/mailboxes/{AGENT}")[0] == 403
    status, gone = call(chosen, "owner", "DELETE", f"/google/mailboxes/{AGENT}")
    assert (status, gone) == (200, {"address": AGENT, "connected": False})
    assert gmail.stops == [AGENT] and gmail.accounts.revocations == [AGENT]
    assert call(chosen, "viewer", "GET", "/integrations")[1]["google"]["mailboxes"] == []


def test_a_member_connects_and_disconnects_their_own_calendar(people: Any) -> None:
    chosen, gmail, calendar = people
    status, start = call(chosen, "editor", "POST", "/google/connect/calendar")
    assert status == 200
    status, _, location = _callback(chosen, "editor", consent(start["authorize_url"], "editor@example.com"))
    assert status == 303 and location.endswith("#google=calendar&connected=true")
    listed = call(chosen, "editor", "GET", "/integrations")[1]["calendars"]
    mine = [p for p in listed if p["yours"]]
    assert [(p["email"], p["connected"]) for p in mine] == [("editor@example.com", True)]
    assert [p["connected"] for p in listed if not p["yours"]] == [False, False, False]
    assert call(chosen, "viewer", "DELETE", "/google/calendar")[0] == 404  # the viewer's is not connected
    assert call(chosen, "editor", "DELETE", "/google/calendar")[0] == 200
    assert calendar.channels == {} and gmail.accounts.revocations == ["editor@example.com"]


def test_refusals_are_clear_4xx(people: Any) -> None:
    chosen, _, _ = people
    status, said = call(
        chosen, "editor", "POST", "/google/connect/mailbox", json={"agent_id": "scribe", "address": AGENT}
    )
    assert status == 403
    status, said = call(
        chosen, "owner", "POST", "/google/connect/mailbox", json={"agent_id": "nobody", "address": AGENT}
    )
    assert status == 404
    status, said = call(
        chosen,
        "owner",
        "POST",
        "/google/connect/mailbox",
        json={"agent_id": "scribe", "address": "not-an-address"},
    )
    assert status == 400 and "email address" in str(said)
    start = call(
        chosen, "owner", "POST", "/google/connect/mailbox", json={"agent_id": "scribe", "address": AGENT}
    )[1]
    status, said, _ = _callback(chosen, "owner", consent(start["authorize_url"], AGENT, decision="cancel"))
    assert status == 400 and "access_denied" in str(said) and "nothing was connected" in str(said)
    status, said, _ = _callback(chosen, "owner", {"state": "forged", "code": "4/0x"})
    assert status == 400 and "not valid" in str(said)
    chosen.container.settings = Settings()
    status, said = call(chosen, "owner", "POST", "/google/connect/calendar")
    assert status == 409 and "NA_GOOGLE_OAUTH_CLIENT_ID" in str(said)
    assert call(chosen, "viewer", "GET", "/integrations")[1]["google"]["configured"] is False


def test_erasing_the_workspace_stops_each_watch_and_revokes_each_grant(people: Any) -> None:
    from shared.notion.services.erasure import erase_workspace

    chosen, gmail, calendar = people
    start = call(
        chosen, "owner", "POST", "/google/connect/mailbox", json={"agent_id": "scribe", "address": AGENT}
    )[1]
    assert _callback(chosen, "owner", consent(start["authorize_url"], AGENT))[0] == 303
    start = call(chosen, "editor", "POST", "/google/connect/calendar")[1]
    assert _callback(chosen, "editor", consent(start["authorize_url"], "editor@example.com"))[0] == 303
    assert erase_workspace("t1", "operator", chosen.container.erasing())["erased"] is True
    assert gmail.stops == [AGENT] and calendar.channels == {}
    assert sorted(gmail.accounts.revocations) == ["editor@example.com", AGENT]
