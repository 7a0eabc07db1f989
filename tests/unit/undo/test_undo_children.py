"""Through the api: ``POST /runs/{id}/undo`` with ``children`` takes back the run's effects and
those of the runs it started (a child, its own hand-off), newest first, each step naming the run
that made the effect; without it the child runs' effects stay theirs. Asked with chosen effects, or
while a child run still runs, it is refused (a clear 4xx) and stores nothing."""

from typing import Any

import pytest

from shared.runs.domain.events import RunStatus
from tests.support.engine.engine_runs import drive, state
from tests.support.notion.notion_fakes import nt_plain
from tests.support.platform.fake_container import client
from tests.support.undo.undo_runs import status
from tests.support.undo.undo_world import RUN, World
from tests.support.undo.written_runs import store_calls

CHILD, GRANDCHILD = f"{RUN}-m3-0", f"{RUN}-m3-0-h1"


@pytest.fixture
def world() -> World:
    world = World()
    notion = world.c.fake_notion.with_token("access-0")
    comment = [("add_comment", {"page_id": world.row, "text": "From the child"})]
    store_calls(world.deps, CHILD, notion, world.row, comment, parent_run_id=RUN)
    block = world.c.fake_notion.add_block(world.row, "A person's line")
    edit = [("update_block", {"page_id": world.row, "block_id": block, "text": "The hand-off's line"})]
    store_calls(world.deps, GRANDCHILD, notion, world.row, edit, parent_run_id=CHILD)
    return world


def test_an_undo_with_children_takes_back_the_whole_family_newest_first(world: World) -> None:
    code, alone = world.post("owner")
    assert code == 202 and {e["run_id"] for e in alone["effects"]} == {RUN}  # without: the run's own

    code, asked = world.post("owner", body={"children": True})
    assert code == 202, asked
    assert asked["run_id"] != alone["run_id"]
    family = [(GRANDCHILD, 2), (CHILD, 2), (RUN, 5), (RUN, 2)]  # newest first
    assert [(e["run_id"], e["effect"]) for e in asked["effects"]] == family
    assert [e["tool"] for e in asked["effects"]] == [
        "update_block",
        "add_comment",
        *["update_properties"] * 2,
    ]
    drive(world.deps)
    assert state(world.deps, asked["run_id"]).status == RunStatus.COMPLETED
    fake = world.c.fake_notion
    assert fake.comments[world.row] == []  # the child's comment, deleted
    line = next(b for b in fake.children[world.row] if b.get("type") == "paragraph")
    assert nt_plain(line["paragraph"]["rich_text"]) == "A person's line"  # the hand-off's edit, undone
    assert status(fake, world.row) == "Todo"
    _, again = world.post("owner", body={"children": True})
    assert again["run_id"] == asked["run_id"] and again["made"] is False
    assert [(u["run_id"], u["effect"]) for u in again["undone"]] == family
    # The run's own effects were taken back by the first undo, driven first: found so, not again.
    assert [u["outcome"] for u in again["undone"]] == ["reverted", "reverted", "already", "already"]


def test_an_undo_with_children_is_refused_with_chosen_effects_or_a_child_still_running(world: World) -> None:
    before, queued = world.runs(), list(world.c.queue.tasks)
    code, refused = world.post("owner", body={"effects": [2], "children": True})
    assert code == 400 and "children" in refused["reason"], refused
    running = f"{RUN}-m3-1"
    store_calls(
        world.deps,
        running,
        world.c.fake_notion.with_token("a"),
        world.row,
        [],
        parent_run_id=RUN,
        ended=False,
    )
    code, refused = world.post("owner", body={"children": True})
    assert code == 409 and f"child run {running} is running" in refused["reason"], refused
    assert world.runs() == before | {running} and world.c.queue.tasks == queued


def test_a_member_s_undo_with_children_leaves_a_child_s_effect_beyond_their_reach(world: World) -> None:
    private = [("add_comment", {"page_id": world.private, "text": "Beyond the editor"})]
    [beyond] = store_calls(
        world.deps,
        f"{RUN}-m3-2",
        world.c.fake_notion.with_token("a"),
        world.private,
        private,
        parent_run_id=RUN,
    )
    code, asked = world.post("editor", body={"children": True})  # the run's starter, a member
    assert code == 202, asked
    assert (f"{RUN}-m3-2", beyond) not in [(e["run_id"], e["effect"]) for e in asked["effects"]]
    assert asked["children_beyond_reach"] == [{"run_id": f"{RUN}-m3-2", "effect": beyond}]
    assert asked["beyond_reach"] == [5] and world.private not in {e["page_id"] for e in asked["effects"]}


def test_the_offer_with_children_lists_the_family_and_refuses_other_parameters(world: World) -> None:
    def offer(query: str) -> tuple[int, Any]:
        token = world.team.sessions["owner"]
        answer = client("api", world.c).get(
            f"/runs/{RUN}/undo{query}", headers={"Authorization": f"Bearer {token}"}
        )
        return answer.status_code, answer.get_json()

    before = world.runs()
    code, alone = offer("")
    assert code == 200 and [e["run_id"] for e in alone["effects"]] == [RUN, RUN]
    assert alone["child_runs"] == 1  # the child (its hand-off is the child's, not counted here)
    code, family = offer("?children=true")
    assert code == 200 and [e["run_id"] for e in family["effects"]] == [GRANDCHILD, CHILD, RUN, RUN]
    assert family["run_id"] != alone["run_id"] and family["status"] is None
    code, refused = offer("?children=yes please")
    assert code == 400 and "children" in str(refused), refused
    assert world.runs() == before  # an offer stores nothing
