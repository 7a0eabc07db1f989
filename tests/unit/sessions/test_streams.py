"""The api's streams (functions/routes/sessions_api/events.py, shared/sessions/domain/streams.py): a
stream ends itself before its deadline; followed as an EventSource follows it (reconnecting with
``Last-Event-ID``) while its run goes on, every event arrives once, in order; a run's stream shows a
person what the run's page shows them; another workspace's run or another person's session is
refused before anything streams."""

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from werkzeug.test import TestResponse

from shared.platform.config import Settings
from shared.runs.domain.events import PlannedStep, RunFinished, RunPlanned, RunStatus, ToolResult
from shared.runs.services.run_view import HIDDEN
from shared.sessions.domain.streams import event_stream
from tests.support.platform.fake_container import client
from tests.support.sessions.asking import _asking
from tests.support.sessions.streams import follow, frames
from tests.support.team.role_team import Team, call, team

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def test_a_stream_ends_itself_before_its_deadline_and_never_repeats_an_id() -> None:
    now = [0.0]
    reads: list[int] = []

    def read(after: int) -> tuple[list[tuple[int, str, dict[str, int]]], bool]:
        reads.append(after)
        return [(1, "e", {"n": 1}), (2, "e", {"n": 2}), (3, "e", {"n": 3})], False  # ids seen before too

    def sleep(s: float) -> None:
        now[0] += s

    text = "".join(event_stream(read, 1, deadline_s=10, poll_s=1, clock=lambda: now[0], sleep=sleep))
    got = frames(text)
    assert [f[0] for f in got] == [2, 3, None] and got[-1][1] == "deadline"
    assert now[0] < 10 and reads[0] == 1 and set(reads[1:]) == {3}  # resumed after what it sent
    assert text.startswith("retry: ")


def _run_team(member: bool) -> Team:
    people = team()
    people.container.settings = Settings(stream_deadline_s=0.3, stream_poll_s=0.02)
    steps = [PlannedStep(tool="read_page", args={"page_id": "p1"}) for _ in range(30)]
    plan = RunPlanned(seq=1, at=T0, goal="Read the salaries", trigger="api", steps=steps, member=member)
    people.container.store.create_run("t1", "r1", [plan])
    return people


def _open(people: Team, role: str, path: str) -> Callable[[dict[str, str]], TestResponse]:
    """Opening ``path``'s stream as ``role``, with the headers given (one app for every connection)."""
    api = client("api", people.container)
    token = people.sessions[role]

    def open_stream(headers: dict[str, str]) -> TestResponse:
        return api.get(path, headers=headers | {"Authorization": f"Bearer {token}"})

    return open_stream


def test_a_followed_run_streams_every_event_once_in_order_across_reconnects() -> None:
    people = _run_team(member=True)
    store = people.container.store

    def go_on() -> None:  # the run's steps logged while the person follows it
        for n in range(2, 31):
            run = store.get_run("t1", "r1")
            assert run is not None
            event = ToolResult(
                seq=n, at=T0 + timedelta(seconds=n), step=n - 1, tool="read_page", output={"n": n}
            )
            assert store.append("t1", "r1", run.state, [event]) is not None
            time.sleep(0.05)
        run = store.get_run("t1", "r1")
        assert run is not None
        done = RunFinished(seq=31, at=T0 + timedelta(minutes=1), status=RunStatus.COMPLETED, summary="read")
        store.append("t1", "r1", run.state, [done])

    open_stream = _open(people, "editor", "/runs/r1/events")
    assert open_stream({"Last-Event-ID": "1"}).status_code == 200  # the app loaded: what follows is timed
    writer = threading.Thread(target=go_on)
    writer.start()
    received, connections = follow(open_stream)
    writer.join()
    ids = [f[0] for f in received]
    assert ids == list(range(1, 32))  # no gap, no duplicate
    assert connections >= 2  # it did reconnect: the run outlived a stream's deadline
    assert received[1][2]["output"] == {"n": 2} and received[-1][1] == "run_event"


def test_a_run_with_the_owners_reach_streams_its_words_hidden_to_a_member() -> None:
    people = _run_team(member=False)
    store = people.container.store
    run = store.get_run("t1", "r1")
    assert run is not None
    read = ToolResult(seq=2, at=T0, step=1, tool="read_page", output={"text": "Grace earns 91,000"})
    done = RunFinished(seq=3, at=T0, status=RunStatus.COMPLETED, summary="Grace earns 91,000")
    store.append("t1", "r1", run.state, [read, done])
    as_editor, _ = follow(_open(people, "editor", "/runs/r1/events"))
    as_owner, _ = follow(_open(people, "owner", "/runs/r1/events"))
    assert [f[0] for f in as_editor] == [f[0] for f in as_owner] == [1, 2, 3]
    assert "91,000" not in str(as_editor) and "Read the salaries" not in str(as_editor)
    assert as_editor[0][2]["goal"] == HIDDEN and as_editor[1][2]["output"] == {"hidden": HIDDEN}
    assert "91,000" in str(as_owner)


def test_another_workspaces_run_stream_is_refused_before_it_streams() -> None:
    people = _run_team(member=True)
    store = people.container.store
    plan = RunPlanned(seq=1, at=T0, goal="Theirs", trigger="api", steps=[], member=True)
    store.create_run("t2", "r2", [plan])
    answer = _open(people, "owner", "/runs/r2/events")({})
    assert answer.status_code == 404 and answer.mimetype == "application/json"
    assert "Theirs" not in answer.get_data(as_text=True)
    bad = _open(people, "owner", "/runs/r1/events")({"Last-Event-ID": "x1"})
    assert bad.status_code == 400


def test_a_sessions_stream_sends_each_settled_message_once_across_reconnects() -> None:
    people = _run_team(member=True)
    api = people.container
    _, made = call(people, "editor", "POST", "/sessions", json={"request_id": "k"})
    sid = made["session_id"]
    for n in range(1, 4):
        said = {"text": f"Draft part {n}", "act": "run", "request_id": f"m{n}"}
        assert call(people, "editor", "POST", f"/sessions/{sid}/messages", json=said)[0] == 200
    open_stream = _open(people, "editor", f"/sessions/{sid}/events")
    first = frames(open_stream({}).get_data(as_text=True))
    assert [f[0] for f in first] == [1, 2, 3, None] and first[-1][1] == "deadline"
    api.sessions.sessions.receive("t1", made["member_id"], sid, key="m4", text="x", act="run", now=T0)
    later = frames(open_stream({"Last-Event-ID": "3"}).get_data(as_text=True))
    assert [f[0] for f in later] == [None]  # m4 not settled yet: not sent, nothing repeated
    api.sessions.sessions.settle("t1", made["member_id"], sid, "m4", state="failed", reason="r")
    later = frames(open_stream({"Last-Event-ID": "3"}).get_data(as_text=True))
    assert [(f[0], f[2].get("state")) for f in later][:1] == [(4, "failed")]


def test_a_streams_deadline_is_below_the_api_functions_request_timeout() -> None:
    """Cloud Run cuts a request at its function's timeout (terraform/functions.tf): a stream ends itself
    before, saying so, so a client reconnects instead of seeing a broken stream (decision 0167)."""
    import re
    from pathlib import Path

    tf = (Path(__file__).parents[3] / "terraform" / "functions.tf").read_text()
    api = tf[tf.index("    api = {") :].split("}", 1)[0]
    found = re.search(r"timeout\s*=\s*(\d+)", api)
    assert found is not None
    assert Settings().stream_deadline_s + Settings().stream_poll_s < int(found[1])


def test_a_last_event_id_is_a_count_the_stream_gave() -> None:
    from shared.sessions.domain.streams import last_event_id

    assert last_event_id(None) is None and last_event_id("7") == 7
    # The contract's pattern: a header that is there holds digits alone (schemathesis sends the rest).
    for bad in (
        "",
        " ",
        " 7 ",
        "x1",
        "-1",
        "1.5",
        "\u0661",
        "9" * 13,
    ):  # an Arabic-Indic one is a digit to str.isdigit
        try:
            last_event_id(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was taken")


def test_an_answer_streams_accepted_first_then_its_text_and_a_repeat_resumes_it() -> None:
    people = team()
    model = people.container.model
    _, ask = _asking(people)
    whole = frames(ask("q1", {}).get_data(as_text=True))
    kinds = [f[1] for f in whole]
    assert kinds[0] == "accepted" and kinds[-2:] == ["answer", "end"] and "chunk" in kinds
    sent = [f for f in whole if f[0] is not None]
    assert [f[0] for f in sent] == list(range(1, len(sent) + 1))
    answer = sent[-1][2]["answer"]
    assert "".join(f[2]["text"] for f in sent if f[1] == "chunk") == answer  # the text whole, once
    asked = len(model.prompts)
    assert asked >= 1  # the question was put to the model
    for cut in range(1, len(sent) + 1):  # cut after any event: the repeat sends what follows it
        resumed = frames(ask("q1", {"Last-Event-ID": str(cut)}).get_data(as_text=True))
        assert [f for f in resumed if f[0] is not None] == sent[cut:], cut
        assert resumed[-1] == (None, "end", {"last_event_id": len(sent)})
    assert len(model.prompts) == asked  # answered once: a resume asks the model nothing


def test_another_persons_session_refuses_an_answers_stream_before_it_streams() -> None:
    people = team()
    sid, _ = _asking(people, "owner")
    api = client("api", people.container)
    said = {"text": "What does the roadmap say?", "request_id": "q1"}
    answer = api.post(
        f"/sessions/{sid}/answers",
        json=said,
        headers={"Authorization": f"Bearer {people.sessions['editor']}"},
    )
    assert answer.status_code == 404 and answer.mimetype == "application/json"
    assert people.container.model.prompts == []  # nothing asked
    _, ask = _asking(people)
    assert ask("q2", {"Last-Event-ID": "x"}).status_code == 400
