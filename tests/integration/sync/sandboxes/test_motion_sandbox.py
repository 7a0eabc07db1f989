"""The Motion sandbox held to Motion's REST API reference (docs.usemotion.com, "Motion REST API": the
X-API-Key header, users, workspaces, statuses, tasks, cursor pages) and its published limits (12 requests a
minute for an individual account, 120 for a team's), over real HTTP; and our adapter through it: its every
request one the reference documents, its pacing under each limit, and a 429 a NothingSent."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.motion_sandbox import MotionSandbox, MotionServer
from local.motion_sandbox.app import (
    INDIVIDUAL_KEY,
    KEY,
    PAGE_SIZE,
    PERSONAL_WORKSPACE_ID,
    WORKSPACE_ID,
    to_html,
)
from shared.platform.errors import NothingSent, PermanentError, Unauthenticated
from shared.sync.adapters.motion import MotionRest
from shared.sync.domain.motion import MotionKey
from tests.support.sync.motion_stack import SkipClock, motion_pacers

pytestmark = pytest.mark.integration


@pytest.fixture
def pace() -> SkipClock:
    return SkipClock()


@pytest.fixture
def server(pace: SkipClock) -> Iterator[MotionServer]:
    with MotionServer(MotionSandbox(clock=pace)) as running:
        yield running


def api(server: MotionServer, method: str, path: str, key: str = KEY, **kw: Any) -> httpx.Response:
    return httpx.request(method, f"{server.api_url}{path}", headers={"X-API-Key": key}, **kw)


def adapter(server: MotionServer, pace: SkipClock) -> MotionRest:
    return MotionRest(10.0, server.api_url, paced=motion_pacers(pace))


def test_the_key_in_x_api_key_and_401_without(server: MotionServer) -> None:
    assert api(server, "GET", "/users/me").json()["email"] == "ada@demo.example"
    assert api(server, "GET", "/users/me", key="").status_code == 401
    assert api(server, "GET", "/users/me", key="not-a-key").status_code == 401


def test_tasks_motion_chooses_ids_markdown_in_html_out_and_resolved_only_when_asked(
    server: MotionServer,
) -> None:
    body = {"name": "Plan", "workspaceId": WORKSPACE_ID, "description": "one\n\ntwo", "priority": "HIGH"}
    first, second = (api(server, "POST", "/tasks", json=body) for _ in range(2))
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]  # a second create is a second task
    assert first.json()["description"] == "<p>one</p><p>two</p>"
    task_id = first.json()["id"]
    done = api(server, "PATCH", f"/tasks/{task_id}", json={"status": "Completed"}).json()
    assert done["status"]["isResolvedStatus"] and done["completed"]
    listed = api(server, "GET", "/tasks", params={"workspaceId": WORKSPACE_ID}).json()["tasks"]
    assert [t["id"] for t in listed] == [second.json()["id"]]
    every = {"workspaceId": WORKSPACE_ID, "includeAllStatuses": "true"}
    assert len(api(server, "GET", "/tasks", params=every).json()["tasks"]) == 2
    for refused in ({"name": ""}, {"priority": "URGENT"}, {"status": "Doing"}, {"assigneeId": "u-x"}):
        assert api(server, "PATCH", f"/tasks/{task_id}", json=refused).status_code == 400
    assert api(server, "DELETE", f"/tasks/{task_id}").status_code == 204
    assert api(server, "GET", f"/tasks/{task_id}").status_code == 404


def test_a_markdown_link_is_answered_as_motion_s_html_does(server: MotionServer) -> None:
    assert (
        to_html("See [the plan](https://x.example/?a=1&b=2) now\n\n<b>[x](javascript:alert(1))")
        == '<p>See <a href="https://x.example/?a=1&amp;b=2">the plan</a> now</p>'
        "<p>&lt;b&gt;[x](javascript:alert(1))</p>"
    )  # only an http(s) link becomes one; every other character is escaped
    assert to_html("one\ntwo\n\n**three**") == "<p>one<br>two</p><p>**three**</p>"
    task_id = server.sandbox.add_task("Plan")
    said = {"taskId": task_id, "content": "Done.\n\n[Notion Agent](http://127.0.0.1:3000/?ref=k#/runs/r1)"}
    made = api(server, "POST", "/comments", json=said).json()  # a comment's Markdown alike
    assert (
        made["content"]
        == '<p>Done.</p><p><a href="http://127.0.0.1:3000/?ref=k#/runs/r1">Notion Agent</a></p>'
    )


def test_cursor_pages(server: MotionServer) -> None:
    for n in range(PAGE_SIZE + 3):
        server.sandbox.add_task(f"task {n}")
    params: dict[str, str] = {"workspaceId": WORKSPACE_ID}
    first = api(server, "GET", "/tasks", params=params).json()
    assert len(first["tasks"]) == PAGE_SIZE and first["meta"]["nextCursor"]
    rest = api(server, "GET", "/tasks", params={**params, "cursor": first["meta"]["nextCursor"]}).json()
    assert len(rest["tasks"]) == 3 and "nextCursor" not in rest["meta"]


def test_the_rate_limit_of_each_account_kind_is_a_429(server: MotionServer, pace: SkipClock) -> None:
    pace.stop()  # 121 requests within the same minute, however slow the machine
    for key, limit in ((INDIVIDUAL_KEY, 12), (KEY, 120)):
        answers = [api(server, "GET", "/users/me", key=key).status_code for _ in range(limit + 1)]
        assert answers == [200] * limit + [429]
    pace.skip(60.0)  # a minute on: the window has room again
    assert api(server, "GET", "/users/me", key=INDIVIDUAL_KEY).status_code == 200


def test_a_request_the_reference_does_not_document_is_refused(server: MotionServer) -> None:
    assert (
        api(server, "GET", "/tasks", params={"workspaceId": WORKSPACE_ID, "updatedSince": "x"}).status_code
        == 400
    )
    assert api(server, "PUT", "/tasks/tk_1", json={"name": "x"}).status_code == 400
    assert len(server.sandbox.undocumented) == 2


def test_our_adapters_every_request_is_documented_and_paced_under_each_limit(
    server: MotionServer, pace: SkipClock
) -> None:
    motion = adapter(server, pace)
    for key, workspace_id in (
        (MotionKey(KEY, team=True), WORKSPACE_ID),
        (MotionKey(INDIVIDUAL_KEY), PERSONAL_WORKSPACE_ID),
    ):
        assert motion.me(key)["id"] == "u-ada"
        assert [w["id"] for w in motion.workspaces(key)] == [workspace_id]
        assert {s["name"] for s in motion.statuses(key, workspace_id)} >= {"Todo", "Completed"}
        assert motion.users(key, workspace_id)["grace@demo.example"] == "u-grace"
        for n in range(8):
            made = motion.create_task(
                key,
                {
                    "name": f"Task {n}",
                    "workspaceId": workspace_id,
                    "description": "Body",
                    "status": "In Progress",
                    "priority": "ASAP",
                    "dueDate": "2026-03-01T00:00:00.000Z",
                    "labels": ["web"],
                    "assigneeId": "u-grace",
                },
            )
            motion.update_task(key, made["id"], {"name": f"Task {n}!", "status": "Completed"})
            motion.unassign(key, made["id"])
            assert (motion.task(key, made["id"]) or {}).get("assignees") == []
        assert len(motion.tasks(key, workspace_id)) == 8  # resolved ones too
        assert motion.task(key, "tk_missing") is None
    assert server.sandbox.undocumented == []
    assert server.sandbox.refused_for_rate == 0  # 2 x 38 requests, 12 a minute for the individual's
    assert pace.skipped > 3 * 60  # ...so the pacer waited, at Motion's pace, minutes


def test_our_adapter_maps_refusals(server: MotionServer, pace: SkipClock) -> None:
    motion = adapter(server, pace)
    with pytest.raises(Unauthenticated):
        motion.me(MotionKey("not-a-motion-key"))
    with pytest.raises(PermanentError):
        motion.create_task(MotionKey(KEY, True), {"name": "x", "workspaceId": PERSONAL_WORKSPACE_ID})
    server.sandbox.rate_limit(1)
    with pytest.raises(NothingSent) as refused:
        motion.me(MotionKey(KEY, True))
    assert refused.value.retry_after_s == 60.0  # no Retry-After: the minute
    with pytest.raises(NothingSent):  # closed for that minute: nothing is sent
        motion.me(MotionKey(KEY, True))
    requests = server.sandbox.requests
    pace.skip(60.0)
    assert motion.me(MotionKey(KEY, True))["id"] == "u-ada" and server.sandbox.requests == requests + 1
