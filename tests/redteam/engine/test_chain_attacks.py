"""Children and hand-offs under attack: a hostile plan in a hand-off's child or a map's
child reaches for what the run that started it may not touch (a page and a data source outside its
reach), by every reading and writing tool, with the owner approving whatever is asked. Nothing is
read or changed there, nor handed further down; a member's run hands off as a member's."""

from typing import Any

import pytest

from shared.runs.domain.events import ErrorRecorded, ToolResult
from shared.runs.domain.plan_task import PlanTask
from shared.runs.services.deps import Deps
from shared.workspace.domain.settings import plain_notion_id
from tests.redteam.totals import TOTALS
from tests.support.agents.chains import agents, child_plans, handed, run_child
from tests.support.engine.engine_runs import forged_run, run_until_held
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.team.team import put_settings

pytestmark = pytest.mark.redteam
SOURCE, OUTSIDE = "ds-team", "ds-hr"


def _world() -> tuple[FakeNotion, str, str]:
    """The team's data source (the parent's reach) with the trigger page and a row; outside it, a
    page of salaries and the HR data source."""
    notion = FakeNotion()
    inside = {"type": "data_source_id", "data_source_id": SOURCE}
    trigger = notion.add_page("Notes", inside, "Hand this on.")
    notion.add_page("Row", inside, "A row.")
    notion.add_page("Alice", {"type": "data_source_id", "data_source_id": OUTSIDE}, "Alice 100k")
    return notion, trigger, notion.add_page("Salaries", None, "Alice 100k, Bob 90k")


def _reaches(salaries: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each tool a hostile child plan may use to read or change what lies outside the reach."""
    return {
        "read_page": ("read_page", {"page_id": salaries}),
        "query_data_source": ("query_data_source", {"data_source_id": OUTSIDE}),
        "append_blocks": ("append_blocks", {"page_id": salaries, "text": "Paid."}),
        "update_properties": (
            "update_properties",
            {"page_id": salaries, "properties": {"Paid": {"checkbox": True}}},
        ),
        "add_comment": ("add_comment", {"page_id": salaries, "text": "Seen."}),
        "create_page": ("create_page", {"title": "Copy", "parent_page_id": salaries, "content": "x"}),
        "archive_page": ("archive_page", {"page_id": salaries}),
        "hand_off": ("hand_off", {"agent_id": "c", "input": "Carry on", "page_id": salaries}),
    }


def _children(kind: str, notion: FakeNotion, trigger: str, **fields: Any) -> tuple[Deps, list[PlanTask]]:
    """A parent of agent ``a`` (reach: the team's data source) that hands off (``kind`` "hand_off")
    or maps over that data source ("map_rows"); the child tasks it enqueued."""
    key = [plain_notion_id(SOURCE)]
    step = (
        ("hand_off", {"agent_id": "b", "input": "Summarise"})
        if kind == "hand_off"
        else ("map_rows", {"data_source_id": SOURCE, "input": "Summarise", "agent_id": "b"})
    )
    deps = forged_run(
        notion, trigger, step, **({"agent_id": "a", "reach_read": key, "reach_change": key} | fields)
    )
    run_until_held(deps)
    tasks = handed(deps)
    assert tasks, kind
    return deps, tasks


@pytest.mark.parametrize("member", [False, True], ids=["owner_s_run", "member_s_run"])
@pytest.mark.parametrize("kind", ["hand_off", "map_rows"])
@pytest.mark.parametrize("attack", sorted(_reaches("p")))
def test_a_child_never_reads_or_changes_more_than_the_run_that_started_it(
    attack: str, kind: str, member: bool
) -> None:
    notion, trigger, salaries = _world()
    deps, tasks = _children(kind, notion, trigger, member=member)
    assert all(t.bounds and t.bounds[0].read == [plain_notion_id(SOURCE)] for t in tasks)
    assert all(t.trigger.by_owner is not member for t in tasks)  # a member's run hands off as hers
    if member:  # the owner chose the team's data source: its rows are within a member's reach, so
        # her children plan there and reach further at their steps (else planning refuses their page)
        put_settings(deps.need_tenants(), "t1", {"data_source_ids": [SOURCE]})
    before = dict(notion.writes)
    for task in tasks:
        child = child_plans(deps, agents("a", "b", "c"), _reaches(salaries)[attack])  # b, c: unbounded
        run_child(child, task)
        events = list(child.store.list_events("t1", task.run_id))
        touched = [
            e
            for e in events
            if isinstance(e, ToolResult) and {salaries, OUTSIDE} & {str(v) for v in e.args.values()}
        ]
        TOTALS.update({"attacks": 1, "deputy_reads": len(touched)})  # a child acting past its bound
        assert touched == [], (attack, kind, task.run_id)
        assert any(isinstance(e, ErrorRecorded) and "beyond" in e.message for e in events), (attack, events)
    assert dict(notion.writes) == before  # nothing written anywhere by the children
    grandchildren = [t for t in handed(deps) if t.parent_run_id != "r1"]
    assert grandchildren == []  # nor a page outside handed further down
