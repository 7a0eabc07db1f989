"""The GitLab sandbox held to GitLab's REST API documentation (docs.gitlab.com: "REST API" for
authentication, status codes and offset pagination; "Issues API"; "Project webhooks API"; "Webhooks"
for the delivery headers; "Webhook events" for the Issue Hook's body; "Rate limits"), over real HTTP,
and our adapter read through it: every behaviour the sync relies on, as GitLab documents it."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from local.gitlab_sandbox import GitLabServer
from local.gitlab_sandbox.app import DEVELOPER_TOKEN, PROJECT_ID, TOKEN
from shared.platform.adapters.pacing import Pacer
from shared.platform.errors import NotFound, NothingSent, PermanentError, Unauthenticated
from shared.sync.adapters.gitlab import GitLabRest

pytestmark = pytest.mark.integration
AUTH = {"PRIVATE-TOKEN": TOKEN}


@pytest.fixture
def server() -> Iterator[GitLabServer]:
    with GitLabServer() as running:
        yield running


def api(
    server: GitLabServer, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any
) -> httpx.Response:
    return httpx.request(
        method, f"{server.url}/api/v4{path}", headers=AUTH if headers is None else headers, **kw
    )


def test_authentication_by_private_token_or_bearer_and_401_without(server: GitLabServer) -> None:
    assert api(server, "GET", "/user").json()["username"] == "ada"
    assert api(server, "GET", "/user", {"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    refused = api(server, "GET", "/user", {})
    assert refused.status_code == 401 and refused.json() == {"message": "401 Unauthorized"}
    assert api(server, "GET", "/user", {"PRIVATE-TOKEN": "glpat-unknown"}).status_code == 401


def test_a_project_by_id_or_url_encoded_path_and_404_otherwise(server: GitLabServer) -> None:
    assert api(server, "GET", f"/projects/{PROJECT_ID}").json()["path_with_namespace"] == "demo/tasks"
    assert api(server, "GET", "/projects/demo%2Ftasks").json()["id"] == PROJECT_ID
    missing = api(server, "GET", "/projects/demo%2Fother")
    assert missing.status_code == 404 and missing.json() == {"message": "404 Project Not Found"}


def test_creating_issues_gitlab_numbers_them_and_a_second_create_is_a_second_issue(
    server: GitLabServer,
) -> None:
    body = {
        "title": "Twice",
        "description": "Body",
        "labels": "bug, web",
        "assignee_ids": [12],
        "due_date": "2026-03-01",
    }
    first = api(server, "POST", f"/projects/{PROJECT_ID}/issues", json=body)
    second = api(server, "POST", f"/projects/{PROJECT_ID}/issues", json=body)
    assert first.status_code == second.status_code == 201
    one, two = first.json(), second.json()
    assert (one["iid"], two["iid"]) == (1, 2)  # no client-chosen id: no idempotency of its own
    assert one["state"] == "opened" and one["labels"] == ["bug", "web"] and one["due_date"] == "2026-03-01"
    assert [a["id"] for a in one["assignees"]] == [12] and one["author"]["id"] == 11
    missing = api(server, "POST", f"/projects/{PROJECT_ID}/issues", json={"description": "no title"})
    assert missing.status_code == 400 and missing.json() == {"error": "title is missing"}
    form = api(server, "POST", f"/projects/{PROJECT_ID}/issues", data={"title": "As a form"})
    assert form.status_code == 201 and form.json()["title"] == "As a form"


def test_editing_closes_and_reopens_by_state_event(server: GitLabServer) -> None:
    iid = api(server, "POST", f"/projects/{PROJECT_ID}/issues", json={"title": "T"}).json()["iid"]
    closed = api(server, "PUT", f"/projects/{PROJECT_ID}/issues/{iid}", json={"state_event": "close"}).json()
    assert closed["state"] == "closed" and closed["closed_at"]
    reopened = api(
        server, "PUT", f"/projects/{PROJECT_ID}/issues/{iid}", json={"state_event": "reopen"}
    ).json()
    assert reopened["state"] == "opened" and reopened["closed_at"] is None
    bad = api(server, "PUT", f"/projects/{PROJECT_ID}/issues/{iid}", json={"state_event": "archive"})
    assert bad.status_code == 400
    cleared = api(
        server, "PUT", f"/projects/{PROJECT_ID}/issues/{iid}", json={"labels": "", "due_date": None}
    )
    assert cleared.json()["labels"] == [] and cleared.json()["due_date"] is None
    assert api(server, "GET", f"/projects/{PROJECT_ID}/issues/999").status_code == 404


def test_offset_pagination_headers(server: GitLabServer) -> None:
    for n in range(5):
        api(server, "POST", f"/projects/{PROJECT_ID}/issues", json={"title": f"Issue {n}"})
    first = api(server, "GET", f"/projects/{PROJECT_ID}/issues", params={"per_page": 2, "sort": "asc"})
    headers = first.headers
    assert [i["title"] for i in first.json()] == ["Issue 0", "Issue 1"]
    assert (headers["x-page"], headers["x-per-page"], headers["x-next-page"], headers["x-prev-page"]) == (
        "1",
        "2",
        "2",
        "",
    )
    assert (headers["x-total"], headers["x-total-pages"]) == ("5", "3") and 'rel="next"' in headers["link"]
    last = api(
        server, "GET", f"/projects/{PROJECT_ID}/issues", params={"per_page": 2, "page": 3, "sort": "asc"}
    )
    assert [i["title"] for i in last.json()] == ["Issue 4"] and last.headers["x-next-page"] == ""
    assert (
        api(server, "GET", f"/projects/{PROJECT_ID}/issues", params={"per_page": 500}).headers["x-per-page"]
        == "100"
    )


def test_project_webhooks_need_maintainer_hide_their_token_and_delete_once(server: GitLabServer) -> None:
    body = {"url": "https://agent.example/hook", "token": "s3cret", "issues_events": True}
    made = api(server, "POST", f"/projects/{PROJECT_ID}/hooks", json=body)
    assert made.status_code == 201 and "token" not in made.json() and made.json()["issues_events"] is True
    developer = api(
        server, "POST", f"/projects/{PROJECT_ID}/hooks", {"PRIVATE-TOKEN": DEVELOPER_TOKEN}, json=body
    )
    assert developer.status_code == 403
    hook = made.json()["id"]
    assert api(server, "DELETE", f"/projects/{PROJECT_ID}/hooks/{hook}").status_code == 204
    assert api(server, "DELETE", f"/projects/{PROJECT_ID}/hooks/{hook}").status_code == 404


def test_an_issue_hook_delivery_carries_the_token_and_its_ids(server: GitLabServer) -> None:
    body = {"url": "https://agent.example/hook", "token": "s3cret", "issues_events": True}
    api(server, "POST", f"/projects/{PROJECT_ID}/hooks", json=body)
    iid = api(server, "POST", f"/projects/{PROJECT_ID}/issues", json={"title": "Hooked"}).json()["iid"]
    api(server, "PUT", f"/projects/{PROJECT_ID}/issues/{iid}", json={"state_event": "close"})
    server.sandbox.edit(iid, title="Edited by a person")
    deliveries = server.sandbox.outbox
    assert [json.loads(b)["object_attributes"]["action"] for _, _, b in deliveries] == [
        "open",
        "close",
        "update",
    ]
    url, headers, raw = deliveries[0]
    sent = json.loads(raw)
    assert url == "https://agent.example/hook" and headers["X-Gitlab-Event"] == "Issue Hook"
    assert headers["X-Gitlab-Token"] == "s3cret"
    assert len({h["X-Gitlab-Event-UUID"] for _, h, _ in deliveries}) == 3
    assert len({h["Idempotency-Key"] for _, h, _ in deliveries}) == 3 and headers["X-Gitlab-Webhook-UUID"]
    assert sent["object_kind"] == "issue" and sent["project"]["id"] == PROJECT_ID
    assert sent["object_attributes"]["iid"] == iid


def test_429_with_retry_after(server: GitLabServer) -> None:
    server.sandbox.rate_limit(1)
    limited = api(server, "GET", "/user")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
    assert api(server, "GET", "/user").status_code == 200


def test_our_adapter_reads_every_page_and_maps_refusals(server: GitLabServer) -> None:
    rest = GitLabRest(10.0, pacer=Pacer(1000.0, 1000, 5.0))
    before = datetime.now(UTC) - timedelta(seconds=1)
    with httpx.Client(headers=AUTH) as client:
        for n in range(105):  # two pages of 100
            client.post(f"{server.url}/api/v4/projects/{PROJECT_ID}/issues", json={"title": f"Issue {n}"})
    made = rest.issues_since(server.url, TOKEN, PROJECT_ID, 11, before)
    assert len(made) == 105 and made[0]["title"] == "Issue 0" and made[-1]["title"] == "Issue 104"
    assert rest.issues_since(server.url, TOKEN, PROJECT_ID, 12, before) == []  # another author's
    assert rest.members(server.url, TOKEN, PROJECT_ID) == {"ada@demo.example": 11, "grace@demo.example": 12}
    with pytest.raises(Unauthenticated):
        rest.user(server.url, "glpat-unknown")
    with pytest.raises(NotFound):
        rest.project(server.url, TOKEN, "demo/other")
    with pytest.raises(PermanentError):
        rest.create_hook(server.url, DEVELOPER_TOKEN, PROJECT_ID, "https://agent.example/h", "s")
    assert rest.issue(server.url, TOKEN, PROJECT_ID, 9999) is None
    server.sandbox.rate_limit(1)
    with pytest.raises(NothingSent) as limited:
        rest.user(server.url, TOKEN)
    assert limited.value.retry_after_s == 1.0 and TOKEN not in str(limited.value)
