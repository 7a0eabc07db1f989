"""The Linear, GitLab and Motion sandboxes as a person on `make stack`
uses them, over real HTTP: their documented calls and screens (local.tracker_screen) change items as a
person in the tool does; Linear answers an ``issues`` list; and the stack's courier (local.hook_courier)
delivers each change's signed webhook to the URL its webhook names, as the tools do, retrying a
delivery the receiver did not take."""

import html
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from local.gitlab_sandbox import GitLabServer
from local.gitlab_sandbox.app import TOKEN
from local.hook_courier import HookCourier
from local.linear_sandbox.app import KEY, TEAM_ID, LinearServer
from local.motion_sandbox import MotionServer
from local.wsgi_thread import serving
from shared.sync.domain.linear_events import signature_valid

pytestmark = pytest.mark.integration


class Receiver:
    """An intake that answers each POST with the next of ``answers`` (then 200), keeping what came."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = list(answers)
        self.got: list[tuple[str, dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.got.append((self.path, dict(self.headers), body))
                    status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    made = Receiver(getattr(request, "param", []))
    with serving(made.server):
        yield made


def graphql(server: LinearServer, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = httpx.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": KEY},
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


HOOK = """mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { success webhook { id } } }"""


class Ticks:
    """A clock 5 s later at each reading: a retry's pause passes at once."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 5.0
        return self.now


def wait_until(courier: HookCourier, count: int) -> None:
    for _ in range(200):
        courier.deliver_due()
        if sum(s.taken for s in courier.sent) >= count:
            return
        threading.Event().wait(0.05)
    raise AssertionError([s.statuses for s in courier.sent])


@pytest.mark.parametrize("receiver", [[503]], indirect=True)
def test_a_change_on_linear_s_screen_is_delivered_signed_and_retried_once_refused(
    receiver: Receiver,
) -> None:
    with LinearServer() as linear:
        hook: dict[str, Any] = {"url": receiver.url + "/sync/linear/webhook/t1", "teamId": TEAM_ID}
        hook |= {"secret": "s3cret", "resourceTypes": ["Issue"]}
        assert graphql(linear, HOOK, {"input": hook})["data"]["webhookCreate"]["success"]
        courier = HookCourier([("linear", linear.sandbox.outbox, linear.sandbox.lock)], clock=Ticks())
        made = httpx.post(f"{linear.url}/_sandbox/items", json={"title": "Made by hand", "status": "Todo"})
        assert made.status_code == 201, made.text
        wait_until(courier, 1)
        [sent] = courier.sent
        assert sent.statuses == [503, 200] and sent.event == "Issue"  # refused once, then taken
        path, headers, body = receiver.got[-1]
        assert path == "/sync/linear/webhook/t1" and receiver.got[0][2] == body  # the same delivery again
        assert signature_valid("s3cret", body, headers["Linear-Signature"])
        assert json.loads(body)["data"]["title"] == "Made by hand"
        assert linear.sandbox.outbox == []  # taken from the outbox

        issue_id = made.json()["id"]
        edited = httpx.patch(f"{linear.url}/_sandbox/items/{issue_id}", json={"status": "Done"})
        assert edited.json() == {"id": issue_id, "title": "Made by hand", "status": "Done"}
        wait_until(courier, 2)
        assert json.loads(receiver.got[-1][2])["action"] == "update"


def test_linear_lists_its_issues_paged_by_cursor() -> None:
    with LinearServer() as linear:
        ids = [linear.sandbox.add_issue(f"Issue {n}") for n in range(3)]
        linear.sandbox.edit(ids[1], archived=True)
        query = "query($after: String) { issues(first: 1, after: $after) { nodes { id title state { name } } pageInfo { hasNextPage endCursor } } }"
        first = graphql(linear, query)["data"]["issues"]
        assert [n["title"] for n in first["nodes"]] == ["Issue 0"] and first["pageInfo"]["hasNextPage"]
        second = graphql(linear, query, {"after": first["pageInfo"]["endCursor"]})["data"]["issues"]
        assert [n["title"] for n in second["nodes"]] == ["Issue 2"]  # the archived one left out
        assert second["pageInfo"]["hasNextPage"] is False
        every = graphql(linear, "{ issues(includeArchived: true) { nodes { id } } }")["data"]["issues"]
        assert [n["id"] for n in every["nodes"]] == ids


def test_gitlab_s_screen_form_makes_and_closes_an_issue_and_its_hook_gets_both(receiver: Receiver) -> None:
    with GitLabServer() as gitlab:
        hook = {"url": receiver.url + "/sync/gitlab/webhook/t1", "token": "tok", "issues_events": True}
        made_hook = httpx.post(
            f"{gitlab.url}/api/v4/projects/4242/hooks", json=hook, headers={"PRIVATE-TOKEN": TOKEN}
        )
        assert made_hook.status_code == 201
        courier = HookCourier([("gitlab", gitlab.sandbox.outbox, gitlab.sandbox.lock)])
        screen = httpx.get(f"{gitlab.url}/_sandbox/screen")
        assert "GitLab sandbox" in screen.text and "issue webhooks (1 now)" in screen.text
        made = httpx.post(
            f"{gitlab.url}/_sandbox/screen/items", data={"title": "By form", "status": "opened"}
        )
        assert made.status_code == 303 and "Made" in httpx.get(gitlab.url + made.headers["Location"]).text
        [item] = httpx.get(f"{gitlab.url}/_sandbox/items").json()["items"]
        closed = httpx.post(
            f"{gitlab.url}/_sandbox/screen/items/{item['id']}", data={"title": "By form", "status": "closed"}
        )
        assert closed.status_code == 303
        wait_until(courier, 2)
        kinds = [json.loads(body)["object_attributes"]["action"] for _, _, body in receiver.got]
        assert kinds == ["open", "close"]
        assert all(h["X-Gitlab-Token"] == "tok" for _, h, _ in receiver.got)
        assert gitlab.sandbox.view(int(item["id"]))["state"] == "closed"


def test_motion_s_documented_calls_change_its_tasks_as_a_person_and_refuse_in_words() -> None:
    with MotionServer() as motion:
        base = f"{motion.url}/_sandbox/items"
        made = httpx.post(base, json={"title": "Plan the week"})
        assert made.status_code == 201 and made.json()["status"] == "Todo"
        task_id = made.json()["id"]
        assert motion.sandbox.tasks[task_id]["name"] == "Plan the week"
        assert httpx.patch(f"{base}/{task_id}", json={"status": "Completed"}).json()["status"] == "Completed"
        wrong = httpx.patch(f"{base}/{task_id}", json={"status": "Finished"})
        assert (
            wrong.status_code == 400 and "Todo, In Progress, Completed, Canceled" in wrong.json()["message"]
        )
        assert httpx.patch(f"{base}/nope", json={"title": "x"}).status_code == 404
        assert httpx.post(base, json={"title": " "}).json() == {"message": "title is required"}
        unknown = httpx.post(base, json={"title": "x", "owner": "me"})
        assert unknown.status_code == 400 and "owner" in unknown.json()["message"]
        assert httpx.post(base, json={"title": "x" * 256}).status_code == 400
        assert [i["title"] for i in httpx.get(base).json()["items"]] == ["Plan the week"]  # nothing else made
        page = html.unescape(httpx.get(f"{motion.url}/_sandbox/screen").text)
        assert "lists the workspace's tasks every minute" in page and "Plan the week" in page
        assert motion.sandbox.requests == 0  # outside /v1: the API's rate limit untouched


def test_make_stack_prints_each_tracker_s_screen_address_and_keys_and_they_work(tmp_path: Any) -> None:
    from local.stack import LocalStack, by_hand, tracker_lines

    stack = LocalStack(workdir=tmp_path)  # not started: its in-process sandboxes are served here
    with stack.linear, stack.gitlab, stack.motion:
        printed = by_hand(stack)["trackers"]
        for where in printed.values():
            assert httpx.get(where["screen"]).status_code == 200, where
        linear = printed["linear"]
        viewer = httpx.post(
            linear["graphql"],
            json={"query": "{ viewer { name } }"},
            headers={"Authorization": linear["api_key"]},
        )
        assert viewer.json()["data"]["viewer"]["name"] == "Ada" and linear["team_id"] == TEAM_ID
        gitlab = printed["gitlab"]
        project = httpx.get(
            f"{gitlab['address']}/api/v4/projects/{gitlab['project'].replace('/', '%2F')}",
            headers={"PRIVATE-TOKEN": gitlab["access_token"]},
        )
        assert project.status_code == 200, project.text
        motion = printed["motion"]
        spaces = httpx.get(f"{motion['api']}/workspaces", headers={"X-API-Key": motion["api_key"]}).json()
        assert motion["workspace_id"] in [w["id"] for w in spaces["workspaces"]]
        said = "\n".join(tracker_lines(stack))
        for tool, where in printed.items():
            assert all(value in said for value in where.values()), (tool, said)
