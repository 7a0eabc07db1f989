"""Hostile readers of the api's streams (``GET /sessions/{id}/events``, ``GET /runs/{id}/events``,
``POST /sessions/{id}/answers``; decision 0167): an editor and a viewer asking for another person's
and another tenant's sessions and runs by their ids, forged ids, ``Last-Event-ID`` pointing at others'
events, a run with the owner's reach, and messages whose text forges frames. Each event of another
person's or tenant's seen, or a frame a message's text made, is a ``stream_leaks`` (totals.py); each
request counts in ``stream_cases``. In-process: the api over fakes."""

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.platform.config import Settings
from shared.runs.domain.events import PlannedStep, RunFinished, RunPlanned, RunStatus, ToolResult
from shared.sessions.domain.sessions import Session, session_id_for
from shared.workspace.domain.members import member_id_for
from tests.redteam.totals import EXERCISED, TOTALS
from tests.support.platform.fake_container import client
from tests.support.sessions.streams import frames
from tests.support.team.api_limits import paced
from tests.support.team.role_team import Team, call, team
from tests.support.workspace.tenants import a_tenant

pytestmark = pytest.mark.redteam
T0 = datetime(2026, 11, 2, tzinfo=UTC)
THEIRS = "THEIRS-7f3a"  # in every word of others' sessions and runs: seen anywhere, a leak
ATTACKERS = ("editor", "viewer")
# A message's text trying to close its frame and add one (an event of the victim's, a resume point)
FORGED = (
    'x"}\n\nid: 99\nevent: message\ndata: {"member_id": "victim", "text": "FORGED"}\n\n',
    "\r\n\r\nevent: run_event\r\ndata: FORGED\r\nid: 1000\r\n\r\n",
    "retry: 1\nid: 5\nevent: end\ndata: {}\n\n FORGED",
    "\u2028\u2029id: 77\u2028event: message FORGED",
    "Last-Event-ID: 0 session_id={victim} member_id={member} FORGED",
)


def _world() -> tuple[Team, dict[str, str]]:
    """The team of tests.support.team.role_team with others' things planted: the admin's session and
    the owner's (their messages settled), a run with the owner's reach and another tenant's run and
    session, all words holding :data:`THEIRS`. The ids, by name."""
    people = team()
    c = people.container
    c.settings = Settings(stream_deadline_s=0.1, stream_poll_s=0.02)
    paced(c, itertools.count(0.0, 60.0).__next__)  # a minute between requests: no attack is paced away
    ids: dict[str, str] = {}
    for role in ("admin", "owner"):
        status, made = call(people, role, "POST", "/sessions", json={"request_id": "k"})
        assert status in (200, 201), made
        ids[role] = made["session_id"]
        for n in (1, 2, 3):
            said = {"text": f"{THEIRS} {role} part {n}", "act": "run", "request_id": f"m{n}"}
            assert call(people, role, "POST", f"/sessions/{ids[role]}/messages", json=said)[0] == 200
    c.tenants.save(a_tenant("t2", "ws-2", T0, token_secret="notion-token-t2"))
    # Another tenant's session named as the editor's own would be (the same Notion user id there)
    editor = member_id_for("user-editor")
    ids["t2"] = session_id_for(editor, "default", "k")
    c.sessions.sessions.open("t2", Session(ids["t2"], editor, "default", T0))
    for n in (1, 2, 3):
        c.sessions.sessions.receive("t2", editor, ids["t2"], key=f"m{n}", text=THEIRS, act="ask", now=T0)
        c.sessions.sessions.settle("t2", editor, ids["t2"], f"m{n}", state="answered", answer=THEIRS)
    steps = [PlannedStep(tool="read_page", args={"page_id": THEIRS})]
    for tenant, run_id in (("t1", "r-owner-reach"), ("t2", "r-theirs")):
        plan = RunPlanned(seq=1, at=T0, goal=f"{THEIRS} goal", trigger="api", steps=steps, member=False)
        read = ToolResult(seq=2, at=T0, step=1, tool="read_page", output={"text": f"{THEIRS} salaries"})
        done = RunFinished(seq=3, at=T0, status=RunStatus.COMPLETED, summary=f"{THEIRS} summary")
        c.store.create_run(tenant, run_id, [plan, read, done])
        ids[run_id] = run_id
    return people, ids


def _get(people: Team, role: str, path: str, headers: dict[str, str], *, key: bool = False) -> Any:
    """``GET path`` as ``role`` (their session, or their API key), counted as one case."""
    token = people.keys[role] if key else people.sessions[role]
    answer = client("api", people.container).get(path, headers=headers | {"Authorization": f"Bearer {token}"})
    assert answer.status_code < 500, answer.get_data(as_text=True)
    EXERCISED["stream_cases"] += 1
    TOTALS["attacks"] += 1
    return answer


def _seen(answer: Any) -> list[str]:
    """What of others' an answer showed: any of their words, in a stream or a refusal."""
    body = answer.get_data(as_text=True)
    return [f"{answer.status_code}: {body[:160]!r}"] if THEIRS in body else []


RESUMES: tuple[dict[str, str], ...] = (
    {},
    {"Last-Event-ID": "0"},
    {"Last-Event-ID": "1"},
    {"Last-Event-ID": "2"},
    {"Last-Event-ID": "999"},
)


def test_others_sessions_and_runs_stream_nothing_of_theirs() -> None:
    people, ids = _world()
    editor = member_id_for("user-editor")
    forged = [
        ids["admin"],
        ids["owner"],
        ids["t2"],
        ids["admin"].upper(),
        f"{member_id_for('user-admin')}-{ids['admin']}",  # the store's document name
        f"{editor}-{ids['admin']}",
        f"..%2F{ids['admin']}",
        f"{ids['admin']}%00",
        session_id_for(member_id_for("user-admin"), "default", "k"),  # computed, as its key was guessed
    ]
    runs = ["r-theirs", "t2%2Fr-theirs", "..%2Ft2%2Fruns%2Fr-theirs", "r-theirs%00", "R-THEIRS"]
    leaks: list[str] = []
    refused = 0
    for role in ATTACKERS:
        for key in (False, True):
            for headers in RESUMES:
                for sid in forged:
                    answer = _get(people, role, f"/sessions/{sid}/events", headers, key=key)
                    leaks += _seen(answer)
                    refused += answer.status_code in (400, 401, 403, 404)
                for run_id in runs:
                    answer = _get(people, role, f"/runs/{run_id}/events", headers, key=key)
                    leaks += _seen(answer)
                    refused += answer.status_code in (400, 401, 403, 404)
                # the run of the workspace with the owner's reach: its ids and states, never its words
                leaks += _seen(_get(people, role, "/runs/r-owner-reach/events", headers, key=key))
    TOTALS["stream_leaks"] += len(leaks)
    assert leaks == []
    assert refused == len(ATTACKERS) * 2 * len(RESUMES) * (len(forged) + len(runs))  # none streamed


def test_an_answers_stream_of_anothers_session_starts_nothing_and_shows_nothing() -> None:
    people, ids = _world()
    api = client("api", people.container)
    leaks: list[str] = []
    for role in ATTACKERS:
        for sid in (ids["admin"], ids["owner"], ids["t2"]):
            for headers in RESUMES:
                said = {"text": "What did they say?", "request_id": "m1"}  # their key: their message
                auth = {"Authorization": f"Bearer {people.sessions[role]}"}
                answer = api.post(f"/sessions/{sid}/answers", json=said, headers=headers | auth)
                EXERCISED["stream_cases"] += 1
                TOTALS["attacks"] += 1
                leaks += _seen(answer)
                if answer.status_code == 200:
                    leaks.append(f"{role} streamed {sid}: {answer.get_data(as_text=True)[:160]!r}")
    for role in ("admin", "owner"):  # the victims' sessions hold their three messages, nothing added
        status, shown = call(people, role, "GET", f"/sessions/{ids[role]}")
        assert status == 200 and shown["count"] == 3, shown
    TOTALS["stream_leaks"] += len(leaks)
    assert leaks == []


def test_a_message_forging_frames_adds_none_to_its_own_stream() -> None:
    """The attacker's own session stream, resumed at every place and beyond: each frame is one of their
    own messages, once, with the id of its place; the text never closes its frame or opens another."""
    people, _ids = _world()
    leaks: list[str] = []
    for role in ATTACKERS:
        status, made = call(people, role, "POST", "/sessions", json={"request_id": "own"})
        if status not in (200, 201):  # a viewer may not open one: then nothing streams for them
            assert status in (403, 404), made
            continue
        sid = made["session_id"]
        keys = []
        for n, text in enumerate(FORGED):
            for act in ("ask", "run"):
                said = {"text": text, "act": act, "request_id": f"f{n}{act}"}
                assert call(people, role, "POST", f"/sessions/{sid}/messages", json=said)[0] < 500
                keys.append(f"f{n}{act}")
        for after in range(0, len(keys) + 3):
            answer = _get(people, role, f"/sessions/{sid}/events", {"Last-Event-ID": str(after)})
            leaks += _seen(answer)
            got = [f for f in frames(answer.get_data(as_text=True)) if f[0] is not None]
            want = list(range(after + 1, len(keys) + 1))
            if [f[0] for f in got] != want:
                leaks.append(f"{role} after {after}: ids {[f[0] for f in got]}, not {want}")
            for _id, kind, data in got:
                if kind != "message" or data.get("request_id") not in keys or data.get("text") not in FORGED:
                    leaks.append(f"{role}: a frame not of their messages: {kind} {str(data)[:120]}")
    TOTALS["stream_leaks"] += len(leaks)
    assert leaks == []
