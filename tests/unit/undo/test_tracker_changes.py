"""The changes a tracker recorded (decision 0185): read after an undo's write, which of them were a
person's, landed between the undo's check and its write, and so are set again; read before it,
whether someone moved the issue since the run, even back to the run's value."""

from shared.sync.domain.writes import Change, after, gitlab_change, linear_change, moved_since, overwritten

RESTORED = {"status": "started", "state": {"id": "s-review", "name": "In Review"}, "title": "Copy"}
WRITTEN = {"status": "completed", "state": {"id": "s-done", "name": "Done"}, "title": "Copy v2"}
CANCELED = {"status": "canceled", "state": {"id": "s-canceled", "name": "Canceled"}}


def test_a_linear_history_entry_reads_as_fields() -> None:
    entry = {
        "createdAt": "2026-11-29T10:00:00.000Z",
        "toState": {"id": "s1", "name": "Triage", "type": "triage"},
    }
    assert linear_change(entry) == Change(
        "2026-11-29T10:00:00.000Z", {"state": {"id": "s1", "name": "Triage"}, "status": "backlog"}
    )
    assert linear_change({"createdAt": "t", "toTitle": "New"}).fields == {"title": "New"}
    assert gitlab_change({"created_at": "t", "state": "reopened"}).fields == {"status": "unstarted"}
    assert gitlab_change({"created_at": "t", "state": "closed"}).fields == {"status": "completed"}


def test_only_changes_after_the_check_s_read_count_oldest_first() -> None:
    older = Change("2026-11-29T10:00:00.000Z", {"title": "a"})
    same = Change("2026-11-29T10:00:01.000Z", {"title": "b"})
    newer = Change("2026-11-29T10:00:02+00:00", {"title": "c"})
    assert after([newer, same, older], "2026-11-29T10:00:01.000Z") == [newer]
    assert after([newer, older, Change("not a time", {})], "") == [older, newer]


def test_a_person_s_change_before_the_undo_s_write_is_what_it_overwrote() -> None:
    theirs = Change("1", CANCELED)
    ours = Change("2", RESTORED)
    assert overwritten([theirs, ours], RESTORED, WRITTEN) == CANCELED
    assert overwritten([ours, theirs], RESTORED, WRITTEN) == {}  # after the write: it stands as it is
    assert overwritten([Change("1", {"title": "Their copy"}), ours], RESTORED, WRITTEN) == {
        "title": "Their copy"
    }
    assert overwritten([Change("1", {"priority": 1}), ours], RESTORED, WRITTEN) == {}  # not a field undone


def test_what_cannot_be_told_sets_nothing() -> None:
    assert overwritten([Change("1", CANCELED)], RESTORED, WRITTEN) == {}  # the undo's write not recorded yet
    late_run = Change("1", {"status": "completed", "state": WRITTEN["state"]})  # the run's own, recorded late
    assert overwritten([late_run, Change("2", RESTORED)], RESTORED, WRITTEN) == {}
    assert overwritten([Change("1", {"title": "Copy"}), Change("2", RESTORED)], RESTORED, WRITTEN) == {}


def test_a_change_to_another_value_since_the_run_is_a_person_s_even_if_the_run_s_is_back() -> None:
    assert moved_since([Change("1", CANCELED), Change("2", WRITTEN)], WRITTEN)
    assert not moved_since([Change("1", WRITTEN)], WRITTEN)  # the run's own, recorded late
    assert not moved_since([Change("1", {"priority": 2})], WRITTEN)  # no field the run set
    assert not moved_since(None, WRITTEN)  # no record (Motion)
