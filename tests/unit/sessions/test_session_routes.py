"""The sessions' routes over fakes (functions/routes/sessions_api/): a create's key opens one session,
a message's key one run, the caller's sessions paged by a cursor, bad input refused with nothing
stored, and a session that is another member's or another workspace's is a 404 on every route."""

from datetime import UTC, datetime

from shared.runs.domain.plan_task import PlanTask
from shared.sessions.domain.sessions import Session
from shared.workspace.domain.members import member_id_for
from tests.support.team.role_team import call, team


def test_a_key_opens_one_session_and_a_message_key_starts_one_run() -> None:
    people = team()
    status, first = call(people, "editor", "POST", "/sessions", json={"request_id": "open-1"})
    assert status == 201, first
    again = call(people, "editor", "POST", "/sessions", json={"request_id": "open-1"})
    assert again == (201, first) and first["agent_id"] == "default"
    sid = first["session_id"]
    said = {"text": "Draft the launch note", "act": "run", "request_id": "m-1"}
    answers = [call(people, "editor", "POST", f"/sessions/{sid}/messages", json=said) for _ in range(3)]
    assert all(s == 200 for s, _ in answers), answers
    assert len({a["run_id"] for _, a in answers}) == 1 and answers[0][1]["state"] == "started"
    plans = [b for _, b, _, _ in people.container.queue.tasks if isinstance(b, PlanTask)]
    assert [p.run_id for p in plans] == [answers[0][1]["run_id"]]
    status, read = call(people, "editor", "GET", f"/sessions/{sid}")
    assert status == 200 and [m["request_id"] for m in read["messages"]] == ["m-1"]
    assert read["run_id"] == plans[0].run_id and read["count"] == 1


def test_bad_input_is_refused_and_nothing_is_stored() -> None:
    people = team()
    _, made = call(people, "editor", "POST", "/sessions", json={})
    sid = made["session_id"]
    for body in (
        {"text": "x", "act": "run"},
        {"text": "  ", "request_id": "k"},
        {"text": "x", "request_id": "a b"},
    ):
        status, refused = call(people, "editor", "POST", f"/sessions/{sid}/messages", json=body)
        assert status == 400 and refused["error"] == "invalid_input" and refused["fields"], (body, refused)
    status, refused = call(people, "editor", "POST", "/sessions", json={"agent_id": "nobody"})
    assert status == 404 and "agent" in refused["reason"]
    assert call(people, "editor", "GET", f"/sessions/{sid}")[1]["messages"] == []
    assert people.container.queue.tasks == []
    assert call(people, "editor", "GET", "/sessions?cursor=bm90LWEtZGF0ZQ")[0] == 400


def test_the_callers_sessions_are_paged_by_a_cursor_newest_first() -> None:
    people = team()
    made = [call(people, "editor", "POST", "/sessions", json={"request_id": f"k{i}"})[1] for i in range(5)]
    call(people, "admin", "POST", "/sessions", json={"request_id": "theirs"})
    seen, cursor = [], ""
    while True:
        status, page = call(people, "editor", "GET", f"/sessions?limit=2{cursor}")
        assert status == 200 and len(page["sessions"]) <= 2
        seen += [s["session_id"] for s in page["sessions"]]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == [m["session_id"] for m in reversed(made)]  # every one once, none of the admin's


def test_another_members_or_workspaces_session_is_not_found() -> None:
    people = team()
    _, mine = call(people, "editor", "POST", "/sessions", json={"request_id": "k"})
    sid = mine["session_id"]
    said = {"text": "Draft it", "act": "run", "request_id": "m-1"}
    for role in ("owner", "admin"):
        assert call(people, role, "GET", f"/sessions/{sid}")[0] == 404
        status, refused = call(people, role, "POST", f"/sessions/{sid}/messages", json=said)
        assert status == 404 and refused["error"] == "not_found"
        assert call(people, role, "GET", f"/sessions/{sid}/events")[0] == 404
    theirs = Session("s" + "0" * 16, member_id_for("user-editor"), "default", datetime.now(UTC))
    people.container.sessions.sessions.open("t2", theirs)  # the same person's id, another workspace
    assert call(people, "editor", "GET", f"/sessions/{theirs.session_id}")[0] == 404
    assert call(people, "editor", "GET", f"/sessions/{theirs.session_id}/events")[0] == 404
    assert people.container.queue.tasks == []
    assert call(people, "editor", "GET", "/sessions/not-a-session")[0] == 404


def test_a_key_firestore_reserves_is_refused() -> None:
    people = team()
    _, made = call(people, "editor", "POST", "/sessions", json={})
    said = {"text": "x", "act": "ask", "request_id": "__x__"}
    status, refused = call(people, "editor", "POST", f"/sessions/{made['session_id']}/messages", json=said)
    assert status == 400 and refused["fields"][0]["field"] == "request_id"


def test_the_contracts_schema_names_stay_plain() -> None:
    """Two models of one name would be renamed by their modules (``functions__…__SessionView``), and
    the console's types name the plain ones (``S["SessionView"]``: GET /session's)."""
    from functions import openapi

    names = set(openapi.document()["components"]["schemas"])
    assert {"SessionView", "AgentSession", "SessionMessage"} <= names
    assert not [n for n in names if "__" in n]
