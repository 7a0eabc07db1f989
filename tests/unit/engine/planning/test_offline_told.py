"""The offline model's plans for goals that say what to do in so many words (the eval's and the
demo's agents): a map over the page's data source, a hand-off, a comment, a line, a property; its
fix of arguments a review refused drops the phrase the reviewer named."""

import json
from typing import Any

from shared.platform.adapters.offline_model import fixed_args, plan_for

PAGE = {"id": "p1", "title": "Launch"}
SOURCE = {"id": "ds1", "properties": {"Status": {"type": "status", "options": ["New", "Done"]}}}


def _steps(goal: str, **ctx: Any) -> list[tuple[str, dict[str, Any]]]:
    plan = plan_for({"page": PAGE, "data_source": SOURCE} | ctx, goal)
    return [(s["tool"], json.loads(s["args_json"])) for s in plan["steps"]]


def test_for_each_row_maps_over_the_page_s_data_source_then_gathers_and_reports() -> None:
    steps = _steps('For each row of this data source, comment "Reviewed".')
    assert [t for t, _ in steps] == ["map_rows", "fan_in", "append_blocks", "finish"]
    assert steps[0][1] == {"data_source_id": "ds1", "input": 'On this row: comment "Reviewed".'}
    assert steps[1][1] == {"map_step": 1}


def test_a_row_s_own_run_does_the_row_s_work_and_maps_no_further() -> None:
    steps = _steps('For each row, comment "Reviewed".\n\nThis run: On this row: comment "Reviewed".')
    assert steps == [("add_comment", {"page_id": "p1", "text": "Reviewed"}), steps[-1]]


def test_hand_off_append_and_set_are_planned_as_told() -> None:
    steps = _steps('Hand it off to Writer. Append "Seen by intake" and set the Status to "Done".')
    assert steps[:3] == [
        ("hand_off", {"agent_id": "writer", "input": "Handed over from a run on 'Launch'.", "page_id": "p1"}),
        ("append_blocks", {"page_id": "p1", "text": "Seen by intake"}),
        ("update_properties", {"page_id": "p1", "properties": {"Status": {"status": {"name": "Done"}}}}),
    ]


def test_a_goal_saying_nothing_in_so_many_words_keeps_the_plan_with_an_approval() -> None:
    assert "request_approval" in [t for t, _ in _steps("Help with this page")]


def test_a_fix_drops_the_phrase_the_reviewer_refused() -> None:
    prompt = 'Errors: step 1: the instructions say never to write "guarantee"'
    fixed = fixed_args({"args": {"page_id": "p1", "text": "We Guarantee delivery"}}, prompt)
    assert fixed == {"page_id": "p1", "text": "We  delivery"}
    assert fixed_args({"args": {"text": "fine"}}, "no error") == {"text": "fine"}


def test_what_the_instructions_forbid_is_neither_written_nor_handed_to_the_rows() -> None:
    goal = 'For each row, comment "Checked" on the row. Never write "unchecked".'
    steps = _steps(goal)
    assert steps[0][1]["input"] == 'On this row: comment "Checked" on the row.'
    row = _steps(goal + '\n\nThis run: On this row: comment "Checked" on the row.')
    assert [t for t, _ in row] == ["add_comment", "finish"]
