"""GitLab's api routes over fakes, within the team's roles: an owner or admin connects a GitLab project
(the token checked first, kept only in the secret store, never echoed), an editor or viewer may not;
a base URL that is not https or names a private or loopback host is a 400 before any request leaves;
GitLab's public webhook refuses a wrong or missing X-Gitlab-Token (401) and a repeated delivery (409),
and stores or queues nothing for them."""

import json
from typing import Any, cast

import pytest

from shared.platform.errors import NotFound
from shared.sync.domain.connection import hook_secret, key_secret
from shared.sync.domain.sync_task import SyncTask
from tests.support.platform.fake_container import client
from tests.support.sync.sync_fakes import GITLAB_PROJECT, GITLAB_TOKEN, FakeGitLab
from tests.support.sync.tool_connect import admin_connects
from tests.support.team.role_team import Team, call, team

SOURCE = "0" * 32
BODY = {"access_token": GITLAB_TOKEN, "project": "demo/tasks", "data_source_id": SOURCE}


def gitlab_team() -> Team:
    """The team, its container's GitLab connect as in production (no loopback or http instance)."""
    people = team()
    linking = people.container.sync.gitlab_linking
    people.container.sync.gitlab_linking = lambda: linking()._replace(allow_local=False)  # type: ignore[method-assign]  # a test seam
    return people


def gitlab(people: Team) -> FakeGitLab:
    return cast(FakeGitLab, people.container.sync.gitlab)


def queued(people: Team) -> list[tuple[SyncTask, str]]:
    """The sync tasks queued, with their names."""
    return [(t, name) for _, t, name, _ in people.container.queue.tasks if isinstance(t, SyncTask)]


def test_an_owner_or_admin_connects_gitlab_and_an_editor_or_viewer_may_not() -> None:
    people = gitlab_team()
    answer = admin_connects(people, "gitlab", BODY, GITLAB_TOKEN)
    assert answer["base_url"] == "https://gitlab.com" and answer["project"] == {
        "id": 77,
        "path": "demo/tasks",
    }
    assert len(people.container.secrets.get(hook_secret("t1", "gitlab"))) == 64
    [url] = gitlab(people).hooks.values()
    assert url.endswith("/sync/gitlab/webhook/t1")
    [(task, name)] = queued(people)
    assert task.tool == "gitlab" and task.kind == "scan" and name.startswith("sync-gitlab-scan:t1:")
    status, shown = call(people, "viewer", "GET", "/sync/gitlab")
    assert (
        status == 200 and shown["project"]["path"] == "demo/tasks" and GITLAB_TOKEN not in json.dumps(shown)
    )
    assert call(people, "viewer", "GET", "/sync/gitlab/log")[1] == {"entries": []}
    assert call(people, "viewer", "DELETE", "/sync/gitlab")[0] == 403
    status, gone = call(people, "owner", "DELETE", "/sync/gitlab")
    assert status == 200 and gone == {"tool": "gitlab", "connected": False, "webhook_deleted": True}
    assert gitlab(people).hooks == {}
    assert call(people, "viewer", "GET", "/sync/gitlab")[1] == {"tool": "gitlab", "connected": False}
    assert call(people, "viewer", "GET", "/sync/linear")[1] == {"tool": "linear", "connected": False}


@pytest.mark.parametrize(
    ("base_url", "why"),
    [
        ("http://gitlab.example.com", "https://"),
        ("https://10.1.2.3", "private"),
        ("https://127.0.0.1:8443", "private"),
        ("https://[::1]", "private"),
        ("https://169.254.169.254", "private"),
        ("https://gitlab.corp.internal", "resolves to a private"),
        ("https://user:pw@gitlab.example.com", "no user"),
        ("https://gitlab.example.com/api/v4", "without /api/v4"),
        ("https://gitlab.example.com/?x=1", "no user, password, query"),
        ("ftp://gitlab.example.com", "https://"),
        ("https://exa mple.com", "not a domain"),
    ],
)
def test_a_base_url_that_is_not_public_https_is_a_400_and_nothing_is_sent(base_url: str, why: str) -> None:
    people = gitlab_team()
    status, refused = call(people, "owner", "PUT", "/sync/gitlab", json={**BODY, "base_url": base_url})
    assert status == 400 and why in refused["reason"] and refused["reason"].startswith("base_url")
    assert gitlab(people).calls == []  # no request left for that host
    assert call(people, "viewer", "GET", "/sync/gitlab")[1]["connected"] is False


def test_a_self_managed_instance_is_used_as_given() -> None:
    people = gitlab_team()
    body = {**BODY, "base_url": "https://GitLab.Example.com:8443/gitlab/", "project": 77}
    status, answer = call(people, "owner", "PUT", "/sync/gitlab", json=body)
    assert status == 200 and answer["base_url"] == "https://gitlab.example.com:8443/gitlab"
    assert set(gitlab(people).calls) == {"https://gitlab.example.com:8443/gitlab"}


def test_a_project_id_sent_as_a_whole_float_is_the_same_id() -> None:
    """JSON Schema's integer holds 77.0, as the api's contract does: it is project 77."""
    people = gitlab_team()
    body = {**BODY, "base_url": "https://gitlab.example.com", "project": 77.0}
    status, answer = call(people, "owner", "PUT", "/sync/gitlab", json=body)
    assert status == 200 and answer["project"]["id"] == 77


def test_a_self_managed_instance_that_does_not_answer_is_a_400_naming_the_address() -> None:
    people = gitlab_team()
    body = {**BODY, "base_url": "https://down.example.com"}
    status, answer = call(people, "owner", "PUT", "/sync/gitlab", json=body)
    assert (
        status == 400
        and "no GitLab answered" in answer["reason"]
        and answer["fields"] == [{"field": "base_url"}]
    )
    assert call(people, "viewer", "GET", "/sync/gitlab")[1]["connected"] is False


def test_bad_input_is_a_400_naming_what_is_wrong_and_nothing_is_stored() -> None:
    people = gitlab_team()
    cases = [
        ({**BODY, "access_token": "glpat-wrong-token"}, "access_token"),
        ({**BODY, "access_token": "has space"}, "access_token"),
        ({**BODY, "project": "no-slash"}, "project"),
        ({**BODY, "project": "other/project"}, "project"),
        ({**BODY, "colour": "red"}, "colour"),
        ({**BODY, "data_source_id": "nope"}, "data_source_id"),
    ]
    for body, field in cases:
        status, refused = call(people, "owner", "PUT", "/sync/gitlab", json=body)
        assert status == 400 and field in refused["reason"], (body, refused)
    assert call(people, "owner", "PUT", "/sync/gitlab", data="not json")[0] == 400
    assert call(people, "owner", "GET", "/sync/gitlab/log?days=0")[0] == 400
    assert call(people, "owner", "PUT", "/sync/gitlab/people", json={"people": {}})[0] == 409
    with pytest.raises(NotFound):
        people.container.secrets.get(key_secret("t1", "gitlab"))


def _hook(people: Team) -> tuple[Any, str]:
    call(people, "owner", "PUT", "/sync/gitlab", json=BODY)
    people.container.queue.tasks.clear()
    return client("api", people.container), people.container.secrets.get(hook_secret("t1", "gitlab"))


def _delivery(iid: int = 3, project: int = 77, kind: str = "issue") -> bytes:
    attributes = {"iid": iid, "action": "update", "project_id": project}
    return json.dumps(
        {"object_kind": kind, "project": {"id": project}, "object_attributes": attributes}
    ).encode()


def test_the_webhook_takes_our_token_once_and_refuses_forgeries_and_replays() -> None:
    people = gitlab_team()
    api, secret = _hook(people)
    body = _delivery()
    ids = {"X-Gitlab-Event-UUID": "9a3c5b8e-1d2f-4e6a-8b7c-0d1e2f3a4b5c", "X-Gitlab-Event": "Issue Hook"}
    for token in (None, "", "not-our-token", secret[:-1], secret + "0"):
        headers = dict(ids) | ({"X-Gitlab-Token": token} if token is not None else {})
        forged = api.post("/sync/gitlab/webhook/t1", data=body, headers=headers)
        assert forged.status_code == 401 and "X-Gitlab-Token" in forged.get_json()["reason"]
    assert people.container.queue.tasks == [] and people.container.webhook_events.records == {}
    good = api.post("/sync/gitlab/webhook/t1", data=body, headers={**ids, "X-Gitlab-Token": secret})
    assert good.status_code == 200 and good.get_json() == {"result": "enqueued", "detail": "update"}
    again = api.post("/sync/gitlab/webhook/t1", data=body, headers={**ids, "X-Gitlab-Token": secret})
    assert again.status_code == 409
    [(task, name)] = queued(people)
    assert (task.tool, task.kind, task.issue_id) == ("gitlab", "issue", "3")
    assert name.startswith("sync-gitlab-issue:t1:3:") and people.container.queue.tasks[0][3] > 0


def test_the_idempotency_key_names_a_delivery_before_the_event_uuid() -> None:
    people = gitlab_team()
    api, secret = _hook(people)
    headers = {"X-Gitlab-Token": secret, "Idempotency-Key": "5f0c2a9e-0000-4000-8000-000000000001"}
    first = {**headers, "X-Gitlab-Event-UUID": "11111111-aaaa-4000-8000-000000000001"}
    retry = {**headers, "X-Gitlab-Event-UUID": "11111111-aaaa-4000-8000-000000000002"}
    assert api.post("/sync/gitlab/webhook/t1", data=_delivery(), headers=first).status_code == 200
    assert api.post("/sync/gitlab/webhook/t1", data=_delivery(), headers=retry).status_code == 409


def test_malformed_other_project_and_unknown_deliveries() -> None:
    people = gitlab_team()
    api, secret = _hook(people)
    ok = {"X-Gitlab-Token": secret, "X-Gitlab-Event-UUID": "22222222-bbbb-4000-8000-000000000001"}
    no_id = api.post("/sync/gitlab/webhook/t1", data=_delivery(), headers={"X-Gitlab-Token": secret})
    assert no_id.status_code == 400 and "Idempotency-Key" in no_id.get_json()["reason"]
    bad = api.post("/sync/gitlab/webhook/t1", data=b"[1]", headers=ok)
    assert bad.status_code == 400
    zero = api.post("/sync/gitlab/webhook/t1", data=_delivery(iid=0), headers=ok)
    assert zero.status_code == 400 and "iid" in zero.get_json()["reason"]
    other = api.post("/sync/gitlab/webhook/t1", data=_delivery(project=78), headers=ok)
    assert other.get_json()["result"] == "ignored"
    push = api.post("/sync/gitlab/webhook/t1", data=_delivery(kind="push"), headers=ok)
    assert push.get_json()["result"] == "ignored"
    assert people.container.queue.tasks == []
    assert api.post("/sync/gitlab/webhook/t-nobody", data=_delivery(), headers=ok).status_code == 404
    assert GITLAB_PROJECT["id"] == 77
