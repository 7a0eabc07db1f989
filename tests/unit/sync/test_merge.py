"""The merge rule: one side's change goes to the other; both sides' changes to different values go to
the later edit (a tie to Notion) and are logged; our own write seen again is no change (no echo).
A property test over interleavings of edits on both sides: every sync leaves both sides equal, a sync
right after writes nothing, and each field ends as its latest edit says."""

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.sync.domain.fields import TaskFields, hashes, issue_id_for
from shared.sync.domain.merge import Held, merge

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
BASE = TaskFields(title="Ship", status="unstarted", priority=3)


def held(fields: TaskFields, seen: TaskFields, minutes: int) -> Held:
    return Held(fields, hashes(seen), T0 + timedelta(minutes=minutes))


def test_a_change_on_one_side_goes_to_the_other() -> None:
    notion = BASE.model_copy(update={"title": "Ship it"})
    result = merge(held(notion, BASE, 1), held(BASE, BASE, 0))
    assert result.to_tool == {"title": "Ship it"} and result.to_notion == {} and result.decisions == ()


def test_our_own_write_coming_back_is_no_change() -> None:
    written = BASE.model_copy(update={"title": "Ship it"})  # what we wrote to Linear, seen as written
    result = merge(held(written, written, 1), held(written, written, 2))
    assert result.to_tool == {} and result.to_notion == {}


def test_a_field_changed_on_both_sides_goes_to_the_later_edit_and_is_logged() -> None:
    notion = BASE.model_copy(update={"title": "Notion's"})
    linear = BASE.model_copy(update={"title": "Linear's", "priority": 1})
    later_linear = merge(held(notion, BASE, 1), held(linear, BASE, 2))
    assert later_linear.result.title == "Linear's" and later_linear.to_notion == {
        "title": "Linear's",
        "priority": 1,
    }
    assert [(d.field, d.winner) for d in later_linear.decisions] == [("title", "linear")]
    later_notion = merge(held(notion, BASE, 3), held(linear, BASE, 2))
    assert later_notion.result.title == "Notion's" and later_notion.result.priority == 1
    tie = merge(held(notion, BASE, 2), held(linear, BASE, 2))
    assert tie.result.title == "Notion's" and tie.decisions[0].winner == "notion"


def test_the_same_change_on_both_sides_writes_nothing() -> None:
    both = BASE.model_copy(update={"due": "2026-12-01"})
    result = merge(held(both, BASE, 1), held(both, BASE, 2))
    assert result.to_tool == {} and result.to_notion == {} and result.decisions == ()


def test_a_pages_issue_id_is_the_same_for_every_try_and_a_uuid_v4() -> None:
    one = issue_id_for("t1", "0123456789abcdef0123456789abcdef")
    assert one == issue_id_for("t1", "01234567-89ab-cdef-0123-456789abcdef")
    assert one != issue_id_for("t2", "0123456789abcdef0123456789abcdef")
    assert one[14] == "4" and one[19] in "89ab"


EDIT = st.tuples(
    st.sampled_from(["notion", "linear", "sync"]),
    st.sampled_from(["title", "status", "priority", "labels", "archived"]),
    st.integers(0, 3),
)
VALUES: dict[str, list[Any]] = {
    "title": ["a", "b", "c", "d"],
    "status": ["backlog", "unstarted", "started", "completed"],
    "priority": [0, 1, 2, 4],
    "labels": [(), ("Bug",), ("Bug", "Feature"), ("Feature",)],
    "archived": [False, True, False, True],
}


def expected(synced: object, notion: object, linear: object, linear_later: bool) -> object:
    """The rule in values: a side still at the synced value did not change; both changed: the later."""
    if notion == linear or linear == synced:
        return notion
    if notion == synced:
        return linear
    return linear if linear_later else notion


@settings(max_examples=300, deadline=None)
@given(st.lists(EDIT, max_size=30))
def test_any_interleaving_of_edits_converges_without_echo(edits: list[tuple[str, str, int]]) -> None:
    sides = {"notion": BASE, "linear": BASE}
    seen = {"notion": hashes(BASE), "linear": hashes(BASE)}
    at = {"notion": T0, "linear": T0}
    synced = BASE
    clock = T0
    for side, field, pick in [*edits, ("sync", "", 0)]:
        clock += timedelta(seconds=1)
        if side != "sync":
            sides[side] = sides[side].model_copy(update={field: VALUES[field][pick]})
            at[side] = clock
            continue
        result = merge(
            Held(sides["notion"], seen["notion"], at["notion"]),
            Held(sides["linear"], seen["linear"], at["linear"]),
        )
        for name in VALUES:
            want = expected(
                getattr(synced, name),
                getattr(sides["notion"], name),
                getattr(sides["linear"], name),
                at["linear"] > at["notion"],
            )
            assert getattr(result.result, name) == want, name
        for name, target in (("notion", result.to_notion), ("linear", result.to_tool)):
            sides[name] = sides[name].model_copy(update=target)
            seen[name] = hashes(sides[name])
        assert sides["notion"] == sides["linear"] == result.result  # converged
        again = merge(
            Held(sides["notion"], seen["notion"], at["notion"]),
            Held(sides["linear"], seen["linear"], at["linear"]),
        )
        assert again.to_notion == {} and again.to_tool == {}  # no echo: nothing to write back
        synced = result.result
