"""A run's page as the api shows it: each step with arguments, result, duration, attempts and errors;
the plan still ahead; who started it; secrets never shown (``shared.runs.services.run_view``)."""

from datetime import UTC, datetime, timedelta

from shared.runs.domain.events import (
    ErrorKind,
    ErrorRecorded,
    HumanRequested,
    PlannedStep,
    RunEvent,
    RunPlanned,
    ToolIntent,
    ToolResult,
)
from shared.runs.domain.state import Run, fold
from shared.runs.services import run_view
from shared.runs.services.runs import wrote

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
LEASE = T0 + timedelta(hours=1)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def log() -> list[RunEvent]:
    steps = [
        PlannedStep(tool="read_page", args={"page_id": "p1"}, rationale="Read the idea"),
        PlannedStep(tool="create_page", args={"title": "<script>x</script>", "api_key": "k-123456789"}),
        PlannedStep(tool="finish", args={"summary": "done"}),
    ]
    planned = RunPlanned(
        seq=1,
        at=at(0),
        goal="g",
        trigger="webhook",
        steps=steps,
        member=True,
        page_id="p1",
        agent_name="Scout",
    )
    secret = {"title": "<script>x</script>", "api_key": "k-123456789", "body": "use ntn_abcdefghijklmnop"}
    return [
        planned,
        ToolResult(seq=2, at=at(1.5), step=1, tool="read_page", output={"text": "Send on Fridays."}),
        ToolIntent(seq=3, at=at(2), step=2, tool="create_page", key="k:2:1", lease_until=LEASE, args=secret),
        ErrorRecorded(seq=4, at=at(3), step=2, error=ErrorKind.TRANSIENT, message="Notion said 503"),
        ToolIntent(
            seq=5,
            at=at(4),
            step=2,
            tool="create_page",
            key="k:2:2",
            lease_until=LEASE,
            args=secret,
            attempt=2,
        ),
        ToolResult(seq=6, at=at(6.25), step=2, tool="create_page", output={"url": "https://notion.so/x"}),
        HumanRequested(seq=7, at=at(7), request_id="q1", step=3, purpose="approval", prompt="Finish?"),
    ]


def test_each_step_shows_its_arguments_result_duration_attempts_and_errors() -> None:
    rows = run_view.steps(log())
    assert [r["step"] for r in rows] == [1, 2]
    read, write = rows
    assert (
        read["duration_ms"] == 1500
        and read["attempts"] == 1
        and read["output"] == {"text": "Send on Fridays."}
    )
    assert read["rationale"] == "Read the idea" and read["status"] == "done"
    assert write["attempts"] == 2 and write["duration_ms"] == 4250 and write["status"] == "done"
    assert write["errors"] == [{"at": at(3).isoformat(), "error": "transient", "message": "Notion said 503"}]
    assert write["output"] == {"url": "https://notion.so/x"}
    assert write["args"]["title"] == "<script>x</script>"  # text as it is: the console shows it as text


def test_secret_like_arguments_never_leave() -> None:
    events = log()
    shown = str(run_view.steps(events)) + str([run_view.shown_event(e) for e in events])
    assert "k-123456789" not in shown and "ntn_abcdefghijklmnop" not in shown
    assert "[REDACTED]" in shown


def test_the_plan_ahead_and_who_started_it() -> None:
    events = log()
    state = fold(events)
    run = Run(tenant_id="t1", run_id="r1", state=state, created_at=T0, updated_at=at(7))
    assert run_view.remaining(run, events) == [{"step": 3, "tool": "finish", "args": {"summary": "done"}}]
    by = run_view.started_by(events)
    assert by is not None and by["what"] == "an edit in Notion" and by["member"] is True
    assert by["agent_name"] == "Scout" and by["page_id"] == "p1"
    assert run_view.started_by(events[1:]) is None


def test_what_it_wrote_lists_comments_and_property_changes_too() -> None:
    """Before, "What it wrote: Nothing yet" on runs that commented and changed properties (only
    created pages, which carry a URL, were listed)."""
    page = "1" * 32
    effects: list[tuple[str, dict[str, object], dict[str, object]]] = [
        ("add_comment", {"page_id": page, "text": "hi"}, {"page_id": page, "comment_id": "c1"}),
        ("update_properties", {"page_id": page}, {"page_id": page, "properties": ["Priority", "Status"]}),
        ("create_page", {"title": "Notes"}, {"url": "https://notion.so/x", "title": "Notes"}),
    ]
    events: list[RunEvent] = [log()[0]]
    for step, (tool, args, output) in enumerate(effects, start=1):
        events.append(
            ToolIntent(seq=2 * step, at=at(step), step=step, tool=tool, key=f"k:{step}", lease_until=LEASE)
        )
        events.append(
            ToolResult(seq=2 * step + 1, at=at(step), step=step, tool=tool, args=args, output=output)
        )
    events.append(ToolResult(seq=8, at=at(9), step=4, tool="read_page", output={"page_id": page}))  # a read
    assert wrote(events) == [
        {"tool": "add_comment", "url": f"https://www.notion.so/{page}", "what": "commented"},
        {
            "tool": "update_properties",
            "url": f"https://www.notion.so/{page}",
            "what": "changed properties: Priority, Status",
        },
        {"tool": "create_page", "url": "https://notion.so/x", "what": "created a page “Notes”"},
    ]


def test_what_it_wrote_links_each_page_where_notion_said_it_opens() -> None:
    """Before, "What it wrote" linked www.notion.so/<id>, which cannot open on the local stack.
    A page's link is the url Notion gave it wherever the run saw it: the trigger page's (kept when the
    run was planned) for a comment on it, a page read's for a change to it; else Notion's by id."""
    trigger, other, unseen = "1" * 32, "2" * 32, "3" * 32
    screen = "http://127.0.0.1:9/screen/demo/pages/"
    planned = log()[0].model_copy(update={"page_id": trigger, "page_url": screen + trigger})
    effects: list[tuple[str, dict[str, object], dict[str, object]]] = [
        ("add_comment", {"page_id": trigger, "text": "hi"}, {"page_id": trigger, "comment_id": "c1"}),
        ("append_blocks", {"page_id": other}, {"page_id": other}),
        ("add_comment", {"page_id": unseen, "text": "hi"}, {"page_id": unseen, "comment_id": "c2"}),
    ]
    events: list[RunEvent] = [
        planned,
        ToolResult(
            seq=2, at=at(0.5), step=1, tool="read_page", output={"page_id": other, "url": screen + other}
        ),
    ]
    for step, (tool, args, output) in enumerate(effects, start=2):
        events.append(
            ToolIntent(seq=2 * step, at=at(step), step=step, tool=tool, key=f"k:{step}", lease_until=LEASE)
        )
        events.append(
            ToolResult(seq=2 * step + 1, at=at(step), step=step, tool=tool, args=args, output=output)
        )
    assert [w["url"] for w in wrote(events)] == [
        screen + trigger,
        screen + other,
        f"https://www.notion.so/{unseen}",
    ]
    # A page seen nowhere opens under the configured Notion web address (the stack's: its sandbox)
    assert wrote(events, "http://127.0.0.1:9/")[2]["url"] == f"http://127.0.0.1:9/{unseen}"


def test_a_child_was_started_by_its_parent_run_not_the_api() -> None:
    """Map and hand-off children said they were "started by the api"."""
    child = log()[0].model_copy(update={"trigger": "api", "parent_run_id": "r1"})
    mapped = run_view.started_by([child], "r1-m2-0")
    assert mapped is not None and mapped["what"] == "a parallel map of its parent run r1"
    handed = run_view.started_by([child], "r1-h3")
    assert handed is not None and handed["what"] == "a hand-off from its parent run r1"
    alone = run_view.started_by([child.model_copy(update={"parent_run_id": ""})], "api-1")
    assert alone is not None and alone["what"] == "a call to the api"
