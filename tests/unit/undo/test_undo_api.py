"""Through the api: ``POST /runs/{id}/undo`` lets the run's starter, its
approver or the owner undo a run that ended within the window, only its effects within the asker's
reach; a refused request (a clear 4xx) stores nothing; a repeated one starts nothing new; the audit
log records who undid what."""

from typing import Any

import pytest

from shared.runs.domain.events import RunStatus
from shared.workspace.domain.members import member_id_for
from tests.support.engine.engine_runs import drive, state
from tests.support.platform.fake_container import client
from tests.support.undo.undo_runs import status
from tests.support.undo.undo_world import RUN, World
from tests.support.undo.written_runs import store_written


@pytest.fixture
def world() -> World:
    return World()


def test_the_owner_undoes_a_run_once_however_often_asked(world: World) -> None:
    status, first = world.post("owner")
    assert status == 202, first
    assert [e["effect"] for e in first["effects"]] == [5, 2]  # newest first
    assert first["made"] is True and first["beyond_reach"] == [] and first["undone"] == []
    undo = world.deps.store.get_run("t1", first["run_id"])
    assert undo is not None and undo.state.status == RunStatus.RUNNING
    assert [s.tool for s in undo.state.steps] == ["undo_effect", "undo_effect", "finish"]
    assert world.steps_queued() == [first["run_id"]]
    status, again = world.post("owner")
    assert status == 202 and again["run_id"] == first["run_id"] and again["made"] is False
    assert world.steps_queued() == [first["run_id"]]  # nothing new started
    entries = world.c.audit.entries["t1"]
    undid = [e for e in entries if e.action == "POST /runs/<run_id>/undo"]
    assert [(e.actor, e.target, e.status) for e in undid] == [
        (member_id_for("user-owner"), {"run_id": RUN}, 202)
    ] * 2


def test_the_starter_and_the_approver_undo_what_lies_within_their_reach(world: World) -> None:
    for role in ("editor", "admin"):  # the starter, the approver: members' reach (Tasks rows only)
        status, asked = world.post(role)
        assert status == 202, asked
        assert [e["effect"] for e in asked["effects"]] == [2] and asked["beyond_reach"] == [5]
    before = world.runs()
    status, refused = world.post("editor", body={"effects": [5]})  # named, beyond their reach
    assert status == 403 and "beyond your reach" in refused["reason"]
    assert world.runs() == before


def test_refusals_say_why_and_store_nothing(world: World) -> None:
    store_written(
        world.deps, "api-running", world.c.fake_notion.with_token("a"), world.row, world.private, ended=False
    )
    store_written(
        world.deps, "api-old", world.c.fake_notion.with_token("a"), world.row, world.private, days_ago=31
    )
    store_written(
        world.deps, "api-keys", world.c.fake_notion.with_token("a"), world.row, world.private, starter=""
    )
    before, queued = world.runs(), list(world.c.queue.tasks)
    cases: list[tuple[str, str, Any, int, str]] = [
        ("viewer", RUN, None, 403, "your role"),
        ("editor", "api-keys", None, 403, "only the person who started this run"),
        ("owner", "api-running", None, 409, "only a finished, failed or cancelled run"),
        ("owner", "api-old", None, 409, "can be undone for 30 days after it ends"),
        ("owner", RUN, {"effects": [99]}, 400, "99 is not an effect of this run that can be undone"),
        ("owner", RUN, {"effects": []}, 400, "effects"),
        ("owner", RUN, {"effects": [2], "all": True}, 400, "all"),
        ("owner", RUN, {"effects": ["two"]}, 400, "effects"),
        ("owner", "api-nope", None, 404, "not found"),
    ]
    for role, run_id, body, want, words in cases:
        status, answer = world.post(role, run_id, body)
        assert (status, words in str(answer)) == (want, True), (role, run_id, body, answer)
    assert world.runs() == before and world.c.queue.tasks == queued


def test_after_the_undo_ran_a_repeat_says_what_was_restored_and_the_undo_can_be_undone(world: World) -> None:
    _, asked = world.post("owner")
    drive(world.deps)
    assert state(world.deps, asked["run_id"]).status == RunStatus.COMPLETED
    assert [status(world.c.fake_notion, p) for p in (world.row, world.private)] == ["Todo", "Todo"]
    _, again = world.post("owner")
    assert again["made"] is False
    assert [(u["effect"], u["outcome"]) for u in again["undone"]] == [(5, "reverted"), (2, "reverted")]
    status_code, redo = world.post("owner", asked["run_id"])  # the undo undone: the run's writes again
    assert status_code == 202 and redo["undoes"] == asked["run_id"], redo
    assert [e["tool"] for e in redo["effects"]] == ["undo_effect", "undo_effect"]
    drive(world.deps)
    assert [status(world.c.fake_notion, p) for p in (world.row, world.private)] == ["Done", "Done"]


def test_the_offer_lists_what_an_undo_restores_and_then_what_it_did(world: World) -> None:
    def offer(role: str) -> Any:
        token = world.team.sessions[role]
        answer = client("api", world.c).get(f"/runs/{RUN}/undo", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200
        return answer.get_json()

    before = world.runs()
    seen = offer("owner")
    assert seen["may"] is True and [e["effect"] for e in seen["effects"]] == [5, 2]
    assert seen["status"] is None and seen["undone"] == []
    editor = offer("editor")
    assert [e["effect"] for e in editor["effects"]] == [2] and editor["beyond_reach"] == [5]
    viewer = offer("viewer")
    assert viewer["may"] is False and "only the person who started this run" in viewer["reason"]
    assert world.runs() == before  # an offer stores nothing
    _, asked = world.post("owner")
    assert offer("owner")["run_id"] == asked["run_id"] and offer("owner")["status"] == "running"
    drive(world.deps)
    done = offer("owner")
    assert done["status"] == "completed"
    assert [(u["effect"], u["outcome"]) for u in done["undone"]] == [(5, "reverted"), (2, "reverted")]
