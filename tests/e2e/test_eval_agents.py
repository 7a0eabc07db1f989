"""`make eval-agents`' harness on the local stack with the offline model: a few tasks of
local/eval_agents.toml run from a fresh workspace to their checked end state, and the same end states
fail an expectation they do not meet, so the harness cannot pass by checking nothing."""

from collections.abc import Iterator

import pytest

from local.eval_agents import Outcome, check, evaluate, load_tasks
from local.stack import LocalStack

pytestmark = pytest.mark.e2e
QUICK = (
    "comment-as-told",
    "set-a-property",
    "a-reason-given-once",
    "map-comments-each-row",
    "hand-off-to-close",
)


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, Outcome]]:
    tasks = [t for t in load_tasks() if t.name in QUICK]
    assert [t.name for t in tasks] == sorted(QUICK, key=[t.name for t in load_tasks()].index)
    with LocalStack() as stack:
        yield {o.task: o for o in evaluate(stack, tasks, workers=4)}


def test_a_few_tasks_reach_their_expected_end_state(outcomes: dict[str, Outcome]) -> None:
    for name in QUICK:
        assert outcomes[name].passed, (name, outcomes[name].failures)


def test_a_checker_fails_an_end_state_that_is_not_the_expected_one(outcomes: dict[str, Outcome]) -> None:
    told = outcomes["comment-as-told"].end
    assert check({"kind": "comment", "page": "brief", "contains": ["triaged"]}, told) == ""
    assert "no comment" in check({"kind": "comment", "page": "brief", "contains": ["escalated"]}, told)
    assert "runs of" in check({"kind": "runs", "agent": "Tagger", "count": 2}, told)
    assert "holds" in check({"kind": "no_text", "contains": ["triaged"]}, told)
    closed = outcomes["set-a-property"].end
    wrong = {"kind": "property", "page": "idea", "name": "Status", "equals": "Exploring"}
    assert check(wrong, closed) == "Status is 'Done', not 'Exploring'"
    mapped = outcomes["map-comments-each-row"].end
    assert "child runs" in check({"kind": "children", "agent": "Reviewer", "count": 3}, mapped)
    assert "reviews" in check({"kind": "review", "agent": "Reviewer", "passed_at_least": 1}, mapped)
    taught = outcomes["a-reason-given-once"].end  # the reason's Status change came in the second run only
    first = min(taught.runs, key=lambda r: r["created_at"])
    wrote = [e for e in taught.events[first["run_id"]] if e["kind"] == "tool_result"]
    assert wrote and not [e for e in wrote if e.get("tool") == "update_properties"]
    handed = outcomes["hand-off-to-close"].end
    assert "0 child runs" in check({"kind": "children", "agent": "Router", "count": 1}, handed)


def test_the_result_line_counts_and_too_few_passed_fails(capsys: pytest.CaptureFixture[str]) -> None:
    from local.eval_agents import main

    assert main(["--only", "comment-as-told", "--only", "search-then-link", "--min-passed", "2"]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert "RESULT tasks=2 passed=1 model=offline" in printed  # the offline model cannot search
