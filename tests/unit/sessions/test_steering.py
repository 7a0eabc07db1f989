"""Steering a session's run (decision 0169) over fakes, the engine's planning and steps run from the
queue (``pump``): a run asking a question takes the next message as its answer and goes on; a run
asking an approval takes it as a rejection with its words and is planned again with them; a run
asking nothing refuses it (409), nothing decided and nothing queued."""

import json
from typing import Any

from shared.runs.domain.events import HumanResponded
from shared.runs.domain.plan_task import PlanTask
from shared.runs.domain.state import RunStatus
from shared.workspace.domain.members import member_id_for
from tests.support.runs.api_runs import pump
from tests.support.team.role_team import Team, call, team


def _plan(*steps: tuple[str, dict[str, Any]], on_reject: str = "end") -> dict[str, Any]:
    return {
        "goal": "g",
        "on_reject": on_reject,
        "steps": [{"tool": t, "args_json": json.dumps(a)} for t, a in steps],
    }


ASKS = _plan(("ask_question", {"question": "Which owner?"}), ("finish", {"summary": "done"}))
APPROVES = _plan(("request_approval", {"summary": "Send it?"}), ("finish", {"summary": "sent"}))


def _session_run(plan: dict[str, Any]) -> tuple[Team, str, str]:
    """An editor's session whose first message started a run of ``plan``, planned and run until it
    asks something: the team, the session and the run."""
    people = team()
    people.container.model.script["PlanOut"] = [plan, plan]
    _, made = call(people, "editor", "POST", "/sessions", json={"request_id": "k"})
    sid = made["session_id"]
    said = {"text": "Draft the launch note", "act": "run", "request_id": "m1"}
    status, started = call(people, "editor", "POST", f"/sessions/{sid}/messages", json=said)
    assert status == 200, started
    pump(people.container)
    return people, sid, started["run_id"]


def _steer(people: Team, sid: str, text: str, key: str = "m2") -> tuple[int, Any]:
    body = {"text": text, "act": "steer", "request_id": key}
    return call(people, "editor", "POST", f"/sessions/{sid}/messages", json=body)


def test_a_run_asking_a_question_takes_the_next_message_as_its_answer() -> None:
    people, sid, run_id = _session_run(ASKS)
    store = people.container.store
    asking = store.get_run("t1", run_id)
    assert asking is not None and asking.state.status == RunStatus.WAITING_FOR_HUMAN
    status, steered = _steer(people, sid, "Also add the owner: Grace")
    assert status == 200 and steered["state"] == "steered" and steered["run_id"] == run_id, steered
    answers = [e for e in store.list_events("t1", run_id) if isinstance(e, HumanResponded)]
    said = [(a.decision, a.text, a.by_member, a.via) for a in answers]
    assert said == [("answer", "Also add the owner: Grace", member_id_for("user-editor"), "session")]
    pump(people.container)
    done = store.get_run("t1", run_id)
    assert done is not None and done.state.status == RunStatus.COMPLETED
    assert _steer(people, sid, "Also add the owner: Grace")[1] == steered  # the same key: the same message


def test_a_run_asking_an_approval_is_planned_again_with_the_persons_words() -> None:
    people, sid, run_id = _session_run(APPROVES)
    queue = people.container.queue
    status, steered = _steer(people, sid, "Stop after the draft")
    assert status == 200 and steered["run_id"] != run_id, steered
    rejected = people.container.store.get_run("t1", run_id)
    assert rejected is not None and rejected.state.status == RunStatus.CANCELLED
    plans = [b for _, b, _, _ in queue.tasks if isinstance(b, PlanTask)]
    assert [p.run_id for p in plans] == [steered["run_id"]]
    assert plans[0].goal.endswith("Now: Stop after the draft") and "Draft the launch note" in plans[0].goal
    _, read = call(people, "editor", "GET", f"/sessions/{sid}")
    assert read["run_id"] == steered["run_id"]  # the session follows the run that took it


def test_a_run_asking_nothing_refuses_a_steer_and_nothing_is_decided() -> None:
    people = team()
    _, made = call(people, "editor", "POST", "/sessions", json={"request_id": "k"})
    sid = made["session_id"]
    status, refused = _steer(people, sid, "Also add the owner", key="m0")
    assert status == 409 and "act: run" in refused["reason"]
    people, sid, _ = _session_run(ASKS)
    pump(people.container)
    assert _steer(people, sid, "Which owner? Grace")[0] == 200
    pump(people.container)  # it ended
    status, refused = _steer(people, sid, "And the date", key="m3")
    assert status == 409 and "has ended" in refused["reason"]
    assert [m["state"] for m in call(people, "editor", "GET", f"/sessions/{sid}")[1]["messages"]] == [
        "started",
        "steered",
        "failed",
    ]
    assert not [b for _, b, _, _ in people.container.queue.tasks if isinstance(b, PlanTask)]
