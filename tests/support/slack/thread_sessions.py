"""A Slack thread as a session, for tests (decision 0195): a workspace of fakes with the app installed
in the events' team (Ada the owner, Bo an editor, Eve a stranger), a mention said in a thread through
``POST /slack/events``, and the sessions a person reads through ``GET /sessions``."""

from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient

from shared.team.services.sessions import start_session
from shared.workspace.domain.members import Member
from tests.support.platform.fake_container import FakeContainer, json_body
from tests.support.slack.slack_events import SECRET as EVENTS_SECRET
from tests.support.slack.slack_events import TEAM as EVENTS_TEAM
from tests.support.slack.slack_events import mention, signed
from tests.support.slack.slack_presses import slack_fakes

BOT = "UBOT00001"
ADA, BO, EVE = "UADA00001", "UBO000001", "UEVE00001"  # Slack's ids of the owner, an editor, a stranger


def events_fakes() -> FakeContainer:
    """slack_fakes with the app installed in the events' team, signed with the events' secret; Bo an
    editor of t1 whose Slack id is UBO000001."""
    fakes = slack_fakes()
    install = fakes.slack_installs.get("T00000001")
    assert install is not None
    fakes.slack_installs.put(install.model_copy(update={"team_id": EVENTS_TEAM}))
    fakes.secrets.values["slack-signing-secret"] = EVENTS_SECRET
    now = datetime.now(UTC)
    bo = Member(member_id="m-bo", notion_user_id="u-bo", email="bo@acme.example", role="editor", added_at=now)
    fakes.tenants.update("t1", lambda t: t.model_copy(update={"members": (bo,)}))  # type: ignore[union-attr]  # saved by slack_fakes
    fakes.slack_web.emails[BO] = "bo@acme.example"
    return fakes


def say(
    api: FlaskClient, user: str, words: str, event_id: str, ts: str, thread_ts: str = "", retry: int = 0
) -> dict[str, Any]:
    """``user``'s mention of the app saying ``words`` at ``ts`` (in the thread of ``thread_ts`` when
    given), delivered through the route (``retry``: Slack's retry number): its answer's JSON."""
    event = mention(
        user, f"<@{BOT}> {words}", event_id=event_id, ts=ts, **({"thread_ts": thread_ts} if thread_ts else {})
    )
    body, headers = signed(event, retry=retry)
    return json_body(api.post("/slack/events", data=body, headers=headers))


def bearer(fakes: FakeContainer, who: str) -> dict[str, str]:
    """The console's session header of ``who`` (``ada``: the owner, ``bo``: the editor)."""
    tenant = fakes.tenants.get("t1")
    assert tenant is not None
    member = None if who == "ada" else tenant.member("m-bo")
    return {"Authorization": f"Bearer {start_session('t1', fakes.secrets, member=member)}"}


def sessions_of(api: FlaskClient, fakes: FakeContainer, who: str) -> list[dict[str, Any]]:
    """``who``'s sessions as ``GET /sessions`` lists them, each with its messages (``GET /sessions/{id}``)."""
    listed = json_body(api.get("/sessions", headers=bearer(fakes, who)))["sessions"]
    return [json_body(api.get(f"/sessions/{s['session_id']}", headers=bearer(fakes, who))) for s in listed]
