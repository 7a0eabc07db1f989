"""The runs' tracker writes (decision 0116) against the Linear and GitLab sandboxes and the Firestore
emulator: a created issue exists once after its step is retried (the retry finds it by the key's id or
marker, and a second create is refused, never a second issue); a comment lands once and is found."""

from datetime import timedelta

import pytest

from local.gitlab_sandbox.app import PROJECT_ID, PROJECT_PATH, TOKEN
from local.linear_sandbox.app import KEY, TEAM_ID
from shared.platform.errors import PermanentError
from shared.sync.services.connect import connect_gitlab, connect_linear
from shared.sync.services.issue_writes import IssueWrites, Place, marker_of
from shared.tools.base import idempotency_key
from tests.integration.sync.conftest import GitLabStack, SyncStack
from tests.support.sync.sync_fakes import FakeGitLab, FakeLinear, FakeSyncStore

pytestmark = pytest.mark.integration


def test_a_linear_issue_exists_once_after_a_retried_step_and_its_comment_lands(stack: SyncStack) -> None:
    connect_linear(stack.tenant_id, {"api_key": KEY, "team_id": TEAM_ID}, stack.linking)
    lab = FakeSyncStore()
    writes = IssueWrites(stack.secrets, stack.store, stack.mirroring.api, lab, FakeGitLab())  # type: ignore[arg-type]  # no GitLab here
    at, key = Place(stack.tenant_id, "linear", TEAM_ID), idempotency_key(stack.tenant_id, "r1", 2)
    since = stack.clock[0] - timedelta(minutes=1)
    made = writes.create(at, "Ship the release", "Notes **here**", key)
    # the answer was lost: the retried step looks first, and finds it
    assert writes.find_created(at, key, since) == made
    with pytest.raises(PermanentError):  # a create sent again anyway is refused, not a second issue
        writes.create(at, "Ship the release", "Notes **here**", key)
    assert stack.linear.creates == 1 and stack.linear.view(made["issue_id"])["title"] == "Ship the release"
    comment_key = idempotency_key(stack.tenant_id, "r1", 3)
    assert writes.find_comment(at, made["issue_id"], comment_key) is None
    said = writes.comment(at, made["issue_id"], "Released to staging.", comment_key)
    assert writes.find_comment(at, made["issue_id"], comment_key) == said
    assert [c["body"] for c in stack.linear.comments.values()] == ["Released to staging."]
    assert stack.linear.schema_errors == 0


def test_a_gitlab_issue_exists_once_after_a_retried_step_and_its_note_lands(lab: GitLabStack) -> None:
    connect_gitlab(
        lab.tenant_id, {"access_token": TOKEN, "project": PROJECT_PATH, "base_url": lab.url}, lab.linking
    )
    writes = IssueWrites(lab.secrets, FakeSyncStore(), FakeLinear(), lab.store, lab.api)
    at, key = Place(lab.tenant_id, "gitlab", PROJECT_PATH), idempotency_key(lab.tenant_id, "r1", 2)
    since = lab.clock[0] - timedelta(minutes=1)
    assert writes.find_created(at, key, since) is None
    made = writes.create(at, "Ship the release", "Notes", key)
    assert writes.find_created(Place(lab.tenant_id, "gitlab", str(PROJECT_ID)), key, since) == {
        **made,
        "target": str(PROJECT_ID),
    }
    assert lab.gitlab.creates == 1 and marker_of(key) in lab.gitlab.view(int(made["issue_id"]))["description"]
    comment_key = idempotency_key(lab.tenant_id, "r1", 3)
    assert writes.find_comment(at, made["issue_id"], comment_key) is None
    said = writes.comment(at, made["issue_id"], "Released to staging.", comment_key)
    assert writes.find_comment(at, made["issue_id"], comment_key) == said
    notes = lab.gitlab.notes[int(made["issue_id"])]
    assert len(notes) == 1 and notes[0]["body"].startswith("Released to staging.")
