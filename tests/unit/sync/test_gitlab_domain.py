"""GitLab's pure parts: the token compared in constant time, a delivery's id and body read as GitLab
documents them, a base URL checked (https, a public host), the field mapping (a status group as
opened/closed, the marker of the issue's page kept out of the description), and the merge that never
writes a value one side cannot hold over the other's."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.sync.domain import gitlab_events, gitlab_mapping, instance_url
from shared.sync.domain.fields import TaskFields, hashes
from shared.sync.domain.merge import Held, merge

PAGE = "1f2e3d4c5b6a79881f2e3d4c5b6a7988"
MEMBERS = {"ada@demo.example": 11}
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_token_must_be_ours_exactly() -> None:
    assert gitlab_events.token_valid("s3cret-token", "s3cret-token")
    for given in (None, "", "s3cret-toke", "s3cret-token0", "S3CRET-TOKEN"):
        assert not gitlab_events.token_valid("s3cret-token", given)
    assert not gitlab_events.token_valid("", "")


def test_the_delivery_id_is_the_idempotency_key_else_the_event_uuid_any_case() -> None:
    headers = {"x-gitlab-event-uuid": "aaaaaaaa-0000-4000-8000-000000000001"}
    assert gitlab_events.delivery_id(headers) == "aaaaaaaa-0000-4000-8000-000000000001"
    both = {**headers, "Idempotency-Key": "bbbbbbbb-0000-4000-8000-000000000002"}
    assert gitlab_events.delivery_id(both) == "bbbbbbbb-0000-4000-8000-000000000002"
    assert gitlab_events.delivery_id({"X-Gitlab-Event-UUID": "x/../y"}) is None
    assert gitlab_events.delivery_id({}) is None


def test_an_issue_hook_body_is_read_and_a_malformed_one_explained() -> None:
    body = {"object_kind": "issue", "project": {"id": 7}, "object_attributes": {"iid": 3, "action": "close"}}
    assert gitlab_events.parse(json.dumps(body).encode(), "d-1") == gitlab_events.GitLabEvent(
        "d-1", "issue", "close", 7, 3
    )
    note = gitlab_events.parse(b'{"object_kind": "note"}', "d-2")
    assert isinstance(note, gitlab_events.GitLabEvent) and note.kind == "note"
    assert gitlab_events.parse(b"[]", "d-3") == "the body is not a JSON object"
    assert "iid" in str(
        gitlab_events.parse(json.dumps({**body, "object_attributes": {"iid": True}}).encode(), "d")
    )
    assert "project.id" in str(gitlab_events.parse(json.dumps({**body, "project": {"id": -1}}).encode(), "d"))
    assert "Idempotency-Key" in str(gitlab_events.parse(json.dumps(body).encode(), None))


@pytest.mark.parametrize(
    ("raw", "local", "expected"),
    [
        ("https://gitlab.com", False, ("https://gitlab.com", "gitlab.com")),
        (
            "https://GitLab.Example.com:8443/gitlab/",
            False,
            ("https://gitlab.example.com:8443/gitlab", "gitlab.example.com"),
        ),
        ("http://127.0.0.1:8080", True, ("http://127.0.0.1:8080", "127.0.0.1")),
        ("https://93.184.215.14", False, ("https://93.184.215.14", "93.184.215.14")),
    ],
)
def test_a_good_base_url_is_normalised(raw: str, local: bool, expected: tuple[str, str]) -> None:
    assert instance_url.normalise(raw, local) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "http://gitlab.example.com",
        "https://127.0.0.1",
        "https://10.0.0.1",
        "https://192.168.1.1",
        "https://[::1]",
        "https://[::ffff:10.0.0.1]",
        "https://169.254.169.254",
        "https://0.0.0.0",
        "https://user@gitlab.example.com",
        "https://gitlab.example.com/api/v4",
        "https://gitlab.example.com#x",
        "javascript:alert(1)",
        "https://gitlab_example.com",
        "",
    ],
)
def test_a_base_url_not_public_https_is_refused_in_production(raw: str) -> None:
    assert isinstance(instance_url.normalise(raw, False), str)


def test_every_address_of_the_host_must_be_public() -> None:
    assert (
        instance_url.public_problem(["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"], False) == ""
    )
    assert "private" in instance_url.public_problem(["93.184.215.14", "10.0.0.7"], False)
    assert "does not resolve" in instance_url.public_problem([], False)
    assert instance_url.public_problem(["127.0.0.1"], True) == ""


def test_an_issue_reads_as_fields_without_its_marker() -> None:
    issue = {
        "title": "T",
        "description": f"Body\n\n{gitlab_mapping.marker(PAGE)}",
        "state": "closed",
        "assignees": [{"id": 11}],
        "due_date": "2026-02-01",
        "labels": ["b", "a", "a"],
    }
    fields = gitlab_mapping.from_issue(issue, MEMBERS)
    assert fields == TaskFields(
        title="T",
        description="Body",
        status="completed",
        assignee="ada@demo.example",
        due="2026-02-01",
        labels=("a", "b"),
    )
    assert gitlab_mapping.page_of(issue) == PAGE
    assert gitlab_mapping.page_of({"description": "no marker"}) is None
    assert gitlab_mapping.from_issue({**issue, "assignees": [{"id": 99}]}, MEMBERS).assignee == ""


def test_what_gitlab_holds_and_the_parameters_written() -> None:
    fields = TaskFields(
        title="x" * 300, status="started", assignee="nobody@x.example", priority=2, labels=("a,b", "c")
    )
    held = gitlab_mapping.view(fields, MEMBERS)
    assert (len(held.title), held.status, held.assignee, held.priority, held.labels) == (
        255,
        "unstarted",
        "",
        0,
        ("c",),
    )
    assert gitlab_mapping.view(TaskFields(status="canceled"), MEMBERS).status == "completed"
    assert gitlab_mapping.view(TaskFields(archived=True), MEMBERS).status == "completed"
    params = gitlab_mapping.issue_params(
        {
            "description": "Text",
            "status": "completed",
            "assignee": "ada@demo.example",
            "due": "",
            "labels": ("a", "c"),
        },
        MEMBERS,
        PAGE,
    )
    assert params == {
        "description": f"Text\n\n{gitlab_mapping.marker(PAGE)}",
        "state_event": "close",
        "assignee_ids": [11],
        "due_date": None,
        "labels": "a,c",
    }


def test_a_value_neither_side_moved_is_never_written_over_the_other() -> None:
    notion = TaskFields(title="T", status="started", labels=())
    tool = TaskFields(title="T", status="unstarted", labels=("web",))
    result = merge(
        Held(notion, hashes(notion), T0),
        Held(tool, hashes(tool), T0 + timedelta(minutes=1)),
        tool="gitlab",
        view=lambda f: gitlab_mapping.view(f, MEMBERS),
    )
    assert result.to_tool == {} and result.to_notion == {} and result.decisions == ()
    moved = notion.model_copy(update={"title": "T2"})
    again = merge(
        Held(moved, hashes(notion), T0 + timedelta(minutes=2)), Held(tool, hashes(tool), T0), tool="gitlab"
    )
    assert again.to_tool == {"title": "T2"}  # only what moved goes across


def test_a_conflict_names_gitlab_as_the_winner_when_its_edit_is_later() -> None:
    base = TaskFields(title="T")
    result = merge(
        Held(base.model_copy(update={"title": "N"}), hashes(base), T0),
        Held(base.model_copy(update={"title": "G"}), hashes(base), T0 + timedelta(seconds=1)),
        tool="gitlab",
    )
    assert [(d.field, d.winner) for d in result.decisions] == [("title", "gitlab")] and result.to_notion == {
        "title": "G"
    }
