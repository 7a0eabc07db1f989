"""Motion's pure parts (shared.sync.domain.motion): a task's fields both ways (title, description, status
by its flags, assignee by the workspace users' emails, due date, priority, labels), what Motion can hold,
the key's rate by account kind, the poll's window and the retried create's match, a run's signature and
its lookup in either form (decision 0130)."""

import re
from datetime import UTC, datetime, timedelta

from local.motion_sandbox.app import to_html
from shared.sync.domain.fields import TaskFields
from shared.sync.domain.merge import Held, merge
from shared.sync.domain.motion import (
    MotionKey,
    from_task,
    made_for,
    old_reference,
    signature,
    signed,
    status_for,
    status_group,
    task_body,
    text_of,
    updated_since,
    view,
)

STATUSES = (
    {"name": "Todo", "isDefaultStatus": True, "isResolvedStatus": False},
    {"name": "In Progress", "isDefaultStatus": False, "isResolvedStatus": False},
    {"name": "Completed", "isDefaultStatus": False, "isResolvedStatus": True},
)
MEMBERS = {"ada@demo.example": "u-ada", "grace@demo.example": "u-grace"}
TASK = {
    "id": "tk_1",
    "name": "Write the report",
    "description": "<p>First &amp; second</p><p>line one<br>line two</p>",
    "status": STATUSES[1],
    "assignees": [{"id": "u-grace", "name": "Grace", "email": "Grace@Demo.example"}],
    "dueDate": "2026-01-05T00:00:00.000Z",
    "priority": "ASAP",
    "labels": [{"name": "web"}, {"name": "launch"}, {"name": "web"}],
    "updatedTime": "2026-01-02T10:00:00.000Z",
    "createdTime": "2026-01-02T09:00:00.000Z",
    "creator": {"id": "u-ada"},
}


def test_a_task_reads_as_fields() -> None:
    fields = from_task(TASK)
    assert fields == TaskFields(
        title="Write the report",
        description="First & second\n\nline one\nline two",
        status="started",
        assignee="grace@demo.example",
        due="2026-01-05",
        priority=1,
        labels=("launch", "web"),
    )
    assert from_task({"id": "tk_2"}) == TaskFields(status="unstarted")


def test_status_by_its_flags_both_ways() -> None:
    assert [status_group(s) for s in STATUSES] == ["unstarted", "started", "completed"]
    assert status_group({"name": "Canceled", "isResolvedStatus": True}) == "completed"
    assert status_group(None) == "unstarted"
    assert [
        status_for(g, STATUSES) for g in ("backlog", "unstarted", "started", "completed", "canceled")
    ] == [
        "Todo",
        "Todo",
        "In Progress",
        "Completed",
        "Completed",
    ]
    two = (STATUSES[0], STATUSES[2])  # a workspace with nothing between its default and done
    assert status_for("started", two) == "Todo" and status_for("started", ()) is None


def test_the_fields_as_the_tasks_api_body() -> None:
    changes = TaskFields(
        title="",
        description="Some **bold**",
        status="completed",
        assignee="ada@demo.example",
        due="2026-02-01",
        priority=4,
        labels=("a", "b"),
    ).model_dump()
    assert task_body(changes, STATUSES, MEMBERS) == {
        "name": "Untitled",
        "description": "Some **bold**",
        "status": "Completed",
        "assigneeId": "u-ada",
        "dueDate": "2026-02-01T00:00:00.000Z",
        "priority": "LOW",
        "labels": ["a", "b"],
    }
    cleared = task_body({"assignee": "", "due": "", "priority": 0}, STATUSES, MEMBERS)
    assert cleared == {"assigneeId": None, "dueDate": None, "priority": "MEDIUM"}
    assert task_body({"status": "started"}, (STATUSES[2],), MEMBERS) == {}  # no status fits: none sent


def test_what_motion_holds_of_an_item() -> None:
    held = view(
        TaskFields(status="started", assignee="someone@else.example", priority=0, archived=True),
        STATUSES,
        MEMBERS,
    )
    assert (held.status, held.assignee, held.priority, held.archived) == ("completed", "", 3, False)
    kept = view(TaskFields(status="backlog", assignee="ada@demo.example", priority=2), STATUSES, MEMBERS)
    assert (kept.status, kept.assignee, kept.priority) == ("unstarted", "ada@demo.example", 2)


def test_a_priority_notion_lacks_is_not_written_to_motion_again_and_again() -> None:
    notion = TaskFields(title="x", priority=0)
    motion_side = from_task({"name": "x", "priority": "MEDIUM", "status": STATUSES[0]})
    seen_n = {k: v for k, v in _hashes(notion).items()}
    seen_m = {k: v for k, v in _hashes(motion_side).items()}
    now = datetime(2026, 1, 1, tzinfo=UTC)
    result = merge(
        Held(notion, seen_n, now),
        Held(motion_side, seen_m, now),
        "motion",
        lambda f: view(f, STATUSES, MEMBERS),
    )
    assert result.to_tool == {} and result.to_notion == {}


def _hashes(fields: TaskFields) -> dict[str, str]:
    from shared.sync.domain.fields import hashes

    return hashes(fields)


def test_text_of_motions_html() -> None:
    assert text_of("plain **markdown**\n") == "plain **markdown**"
    assert (
        text_of("<p>a &lt;b&gt;</p>\n\n\n<ul><li>one</li><li>two</li></ul><p>end</p>")
        == "a <b>\n\none\ntwo\n\nend"
    )


def test_the_key_and_its_rate_never_show_the_key() -> None:
    assert (
        MotionKey("secret-key-1").per_minute == 12 and MotionKey("secret-key-1", team=True).per_minute == 120
    )
    assert "secret-key-1" not in repr(MotionKey("secret-key-1"))


def test_the_poll_window_and_the_retried_creates_match() -> None:
    since = datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
    assert updated_since(TASK, since) and not updated_since(TASK, since + timedelta(seconds=1))
    assert updated_since({"updatedTime": "garbled"}, since)  # unknown: merged (a merge is idempotent)
    early = since - timedelta(hours=2)
    assert made_for(TASK, "Write the report", "u-ada", early)
    assert not made_for(TASK, "Write the report", "u-grace", early)  # another user made it
    assert not made_for(TASK, "Another title", "u-ada", early)
    assert not made_for(TASK, "Write the report", "u-ada", since)  # made before the claim
    assert made_for({**TASK, "name": "Untitled"}, "", "u-ada", early)  # an untitled page's task


KEY = "0a1b2c3d4e-r1:2:1"  # a step's key: tenant tag, run, step, call


def test_a_run_s_signature_shows_no_id_and_its_link_holds_the_key() -> None:
    line = signature("https://console.example", KEY, "r1")
    assert line == "[Notion Agent](https://console.example/?ref=0a1b2c3d4e-r1%3A2%3A1#/runs/r1)"
    shown = text_of(to_html(f"Done.\n\n{line}"))
    assert shown == "Done.\n\nNotion Agent" and not re.search(r"ref\b|[0-9a-f]{10}", shown)


def test_a_write_is_found_by_its_signature_in_either_form_and_no_other() -> None:
    line = signature("http://127.0.0.1:3000", KEY, "r1")
    forms = (to_html(f"Notes\n\n{line}"), f"Notes\n\n{line}", f"<p>Notes</p><p>{old_reference(KEY)}</p>")
    for text in (*forms, f"<p>Notes</p><p>{line}</p>"):
        # HTML as Motion answers, Markdown as sent, the old visible line, a link Motion kept as text
        assert signed(text, KEY), text
        assert not signed(text, "0a1b2c3d4e-r1:3:1")  # another step's key
    assert old_reference(KEY).startswith("notion-agent ref ") and KEY not in old_reference(KEY)
    assert not signed(to_html(f"{line}\n\nA person wrote on after it."), KEY)  # not the last line
    assert not signed(to_html("[Notion Agent](https://console.example/#/runs/r1)"), KEY)  # no key in it
    assert not signed("<p>Notes</p>", KEY) and not signed("", KEY)
