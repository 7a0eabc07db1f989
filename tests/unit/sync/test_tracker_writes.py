"""The runs' tracker writes (decision 0116) over the sync's fakes: a create or comment happens once per
step key and an earlier try's is found again; an unconnected tool or another target is refused, model-
fixably, with nothing written and no secret in the words; no id shows in what a person reads."""

import re
from datetime import UTC, datetime
from typing import Literal

import pytest
from pydantic import ValidationError

from shared.agents.domain.agents import Reach
from shared.platform.errors import ModelFixableError
from shared.sync.domain.gitlab_mapping import page_of
from shared.sync.services.issue_writes import Place, marker_of
from shared.tools import REGISTRY
from shared.tools.base import idempotency_key
from tests.support.sync.sync_fakes import GITLAB_TOKEN, KEY
from tests.support.sync.tracker_fakes import tracker_writes

STEP_KEY = idempotency_key("t1", "r1", 2)
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_linear_issue_is_made_once_and_an_earlier_try_s_is_found() -> None:
    writes, linear, _ = tracker_writes()
    assert writes.find_created(Place("t1", "linear", "team-1"), STEP_KEY, SINCE) is None
    made = writes.create(Place("t1", "linear", "team-1"), "Ship it", "Body", STEP_KEY)
    # the step retried after its answer was lost: the engine looks before it writes again
    found = writes.find_created(Place("t1", "linear", "team-1"), STEP_KEY, SINCE)
    assert found == made and made["title"] == "Ship it"
    assert linear.writes == 1 and list(linear.issues) == [made["issue_id"]]
    other = writes.create(Place("t1", "linear", "team-1"), "Ship it", "Body", idempotency_key("t1", "r1", 3))
    assert other["issue_id"] != made["issue_id"]  # another step's key: another issue


def test_a_gitlab_issue_carries_its_key_s_marker_and_is_found_by_it() -> None:
    writes, _, gitlab = tracker_writes()
    made = writes.create(Place("t1", "gitlab", "demo/tasks"), "Ship it", "Body", STEP_KEY)
    assert page_of(gitlab.issues[0]) == marker_of(STEP_KEY)
    assert writes.find_created(Place("t1", "gitlab", "77"), STEP_KEY, SINCE) == {**made, "target": "77"}
    assert writes.find_created(Place("t1", "gitlab", "77"), idempotency_key("t1", "r1", 3), SINCE) is None
    assert gitlab.writes == 1


@pytest.mark.parametrize(("tool", "target"), [("linear", "team-1"), ("gitlab", "77")])
def test_a_comment_lands_once_and_is_found_again(tool: Literal["linear", "gitlab"], target: str) -> None:
    writes, linear, gitlab = tracker_writes()
    issue = writes.create(Place("t1", tool, target), "Ship it", "", STEP_KEY)["issue_id"]
    key = idempotency_key("t1", "r1", 4)
    assert writes.find_comment(Place("t1", tool, target), issue, key) is None
    made = writes.comment(Place("t1", tool, target), issue, "Done on staging.", key)
    assert writes.find_comment(Place("t1", tool, target), issue, key) == made
    assert linear.writes + gitlab.writes == 2  # the issue and the comment, once each


def test_no_id_shows_in_a_linear_or_gitlab_issue_or_comment_a_run_wrote() -> None:
    writes, linear, gitlab = tracker_writes()
    for tool, target in (("linear", "team-1"), ("gitlab", "77")):
        at = Place("t1", tool, target)  # type: ignore[arg-type]  # the two tools of this test
        issue = writes.create(at, "Ship it", "Body", STEP_KEY)["issue_id"]
        writes.comment(at, issue, "Done.", idempotency_key("t1", "r1", 4))
    written = [i["description"] for i in linear.issues.values()] + [
        c["body"] for c in linear.comments.values()
    ]
    assert written == ["Body", "Done."]  # Linear: the ids derive from the key, the text carries none
    notes = [n["body"] for n in gitlab.notes_of[1]]
    for text in [gitlab.issues[0]["description"], *notes]:
        assert marker_of(STEP_KEY) in text or marker_of(idempotency_key("t1", "r1", 4)) in text
        shown = re.sub(r"<!--.*?-->", "", text, flags=re.S)  # GitLab's Markdown shows no HTML comment
        assert shown.strip() in ("Body", "Done.") and "ref" not in shown


@pytest.mark.parametrize(
    ("tool", "target", "words"),
    [
        ("linear", "team-evil", "not the connected one; use team team-1"),
        ("gitlab", "other/project", "not the connected one; use project 77 (demo/tasks)"),
        ("gitlab", "78", "not the connected one"),
    ],
)
def test_a_target_other_than_the_connected_one_is_refused_before_any_request(
    tool: Literal["linear", "gitlab"], target: str, words: str
) -> None:
    writes, linear, gitlab = tracker_writes()
    with pytest.raises(ModelFixableError, match=re.escape(words)) as refused:
        writes.create(Place("t1", tool, target), "Hostile", "", STEP_KEY)
    with pytest.raises(ModelFixableError):
        writes.comment(Place("t1", tool, target), "1", "Hostile", STEP_KEY)
    assert linear.writes == gitlab.writes == 0 and gitlab.calls == []
    assert KEY not in str(refused.value) and GITLAB_TOKEN not in str(refused.value)


@pytest.mark.parametrize("tool", ["linear", "gitlab"])
def test_a_tool_the_workspace_has_not_connected_is_refused(tool: Literal["linear", "gitlab"]) -> None:
    writes, _, _ = tracker_writes(linear=False, gitlab=False)
    with pytest.raises(ModelFixableError, match=f"{tool} is not connected to this workspace"):
        writes.create(Place("t1", tool, "team-1"), "Ship it", "", STEP_KEY)


def test_the_tools_are_external_effects_found_again_by_key() -> None:
    for name in ("create_issue", "comment_on_issue"):
        tool = REGISTRY[name]
        assert tool.needs_intent and tool.find is not None and tool.uses_trackers
        assert {"tool", "target"} <= set(tool.targets)


def test_an_agent_s_reach_names_trackers_as_tool_and_target() -> None:
    assert (
        Reach(trackers=["linear:team-1", "gitlab:demo/tasks", "gitlab:77"]).trackers[1] == "gitlab:demo/tasks"
    )
    for bad in ("jira:PROJ", "gitlab:", "linear:team 1"):
        with pytest.raises(ValidationError):
            Reach(trackers=[bad])
    assert "trackers" not in Reach().model_dump()  # left out when empty: stored agents read back unchanged


@pytest.mark.parametrize(("tool", "target"), [("linear", "team-1"), ("gitlab", "77")])
def test_an_update_sets_the_title_and_a_retry_sets_the_same(
    tool: Literal["linear", "gitlab"], target: str
) -> None:
    writes, linear, gitlab = tracker_writes()
    at = Place("t1", tool, target)
    issue = writes.create(at, "Ship it", "", STEP_KEY)["issue_id"]
    first = writes.update(at, issue, {"title": "Ship it now"})
    assert writes.update(at, issue, {"title": "Ship it now"}) == first and first["title"] == "Ship it now"
    with pytest.raises(ModelFixableError, match="not the connected one"):
        writes.update(Place("t1", tool, "elsewhere"), issue, {"title": "Hostile"})
    held = linear.issues[issue] if tool == "linear" else gitlab.issues[0]
    assert held["title"] == "Ship it now" and linear.writes + gitlab.writes == 3  # made, set, set again


def test_a_gitlab_update_to_a_closed_group_closes_the_issue() -> None:
    writes, _, gitlab = tracker_writes()
    at = Place("t1", "gitlab", "77")
    issue = writes.create(at, "Ship it", "", STEP_KEY)["issue_id"]
    writes.update(at, issue, {"status": "completed"})
    assert gitlab.issues[0]["state_event"] == "close"
    assert page_of(gitlab.issues[0]) == marker_of(STEP_KEY)  # its description, and marker, untouched
