"""The agent's home through the api against the Notion sandbox and the Firestore emulator: the page
picker, POST /home making the Runs, Daily plans and Tasks databases once, a deleted one recreated,
concurrent calls making one set, a bad parent refused, another tenant kept out. Every Notion request
the api sends and every answer it gets is checked against Notion's published types."""

import itertools
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from werkzeug.test import TestResponse

from local.notion_sandbox import seed_ids
from local.notion_sandbox.contract import endpoints, validate
from shared.workspace.domain.tenants import Tenant, TenantStatus
from tests.integration.notion_stack import Stack

DEMO = seed_ids("demo")
HOME_PAGE = DEMO["home_page"]


class Recorder:
    """The api's Notion traffic (method, endpoint name, request body, status, answer)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any, int, Any]] = []
        self.lock = threading.Lock()

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        body = json.loads(request.content) if request.content else None
        name = _endpoint(request.method, request.url.path)
        with self.lock:
            self.calls.append((request.method, name, body, response.status_code, response.json()))

    def check(self) -> list[str]:
        """Problems of every recorded request and answer against the contract."""
        problems: list[str] = []
        for _method, name, body, status, answer in self.calls:
            if status >= 400:
                problems += validate("error", answer)
                continue
            problems += [f"{name}: {p}" for p in validate(name, answer)]
            if f"request {name}" in endpoints():
                problems += [f"request {name}: {p}" for p in validate(f"request {name}", body)]
        return problems

    def names(self) -> set[str]:
        return {name for _, name, _, _, _ in self.calls}


def _endpoint(method: str, path: str) -> str:
    """The contract's name of a request: ids replaced by their placeholders."""
    parts = path.strip("/").split("/")
    placeholders = {"pages": "page_id", "databases": "database_id", "data_sources": "data_source_id"}
    placeholders |= {"blocks": "block_id", "comments": "comment_id"}
    named = [parts[0]]
    for previous, part in itertools.pairwise(parts):
        named.append("{" + placeholders[previous] + "}" if previous in placeholders else part)
    return f"{method} /" + "/".join(named)


@pytest.fixture
def recorder(stack: Stack) -> Iterator[Recorder]:
    recording = Recorder()
    http: httpx.Client = stack.container.notion.client().client
    http.event_hooks["response"].append(recording)
    yield recording
    http.event_hooks["response"].remove(recording)


def _auth(session: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {session}"}


def _j(response: TestResponse) -> dict[str, Any]:
    """A response's JSON object."""
    body = response.json
    assert isinstance(body, dict), response.get_data(as_text=True)
    return body


def _fields(answer: Any) -> list[str]:
    return [f["field"] for f in answer["fields"]]


def _states(answer: Any) -> dict[str, str]:
    return {kind: shown["state"] for kind, shown in answer["databases"].items()}


def _creates(stack: Stack, workspace: str = "demo") -> int:
    state = stack.admin.get(f"/workspaces/{workspace}/state")
    return int(state["writes"].get("databases.create", 0))


def test_the_home_is_made_once_found_again_and_remade_when_deleted(stack: Stack, recorder: Recorder) -> None:
    session = stack.connect()["session"]
    api = stack.client("api")
    assert _states(api.get("/home", headers=_auth(session)).json) == dict.fromkeys(
        ("runs", "daily_plans", "tasks"), "absent"
    )

    made = api.post("/home", json={"parent_page_id": HOME_PAGE, "tasks": "create"}, headers=_auth(session))
    assert made.status_code == 200, _j(made)
    assert _states(_j(made)) == {"runs": "created", "daily_plans": "created", "tasks": "created"}
    assert _creates(stack) == 3
    ids = {kind: shown["database_id"] for kind, shown in _j(made)["databases"].items()}
    runs_source = _j(made)["databases"]["runs"]["data_source_id"]
    headers = {"Authorization": "Bearer ntn_sandbox_demo", "Notion-Version": "2025-09-03"}
    schema = httpx.get(f"{stack.sandbox.url}/v1/data_sources/{runs_source}", headers=headers).json()
    assert [o["name"] for o in schema["properties"]["Decision"]["select"]["options"]] == [
        "Waiting",
        "Approve",
        "Reject",
        "Undo",
        "Undo with child runs",
    ]
    assert schema["database_parent"] == {"type": "page_id", "page_id": HOME_PAGE}
    tasks_source = _j(made)["databases"]["tasks"]["data_source_id"]
    status = httpx.get(f"{stack.sandbox.url}/v1/data_sources/{tasks_source}", headers=headers).json()
    groups = status["properties"]["Status"]["status"]["groups"]
    assert [g["name"] for g in groups] == ["To-do", "In progress", "Complete"]
    assert all(g["option_ids"] for g in groups)

    again = api.post("/home", json={"parent_page_id": HOME_PAGE, "tasks": "create"}, headers=_auth(session))
    assert _states(_j(again)) == {"runs": "ok", "daily_plans": "ok", "tasks": "ok"}
    assert _creates(stack) == 3
    assert {kind: shown["database_id"] for kind, shown in _j(again)["databases"].items()} == ids

    # The owner deletes the Runs database in Notion: reported, then made again on request.
    trashed = stack.admin.post(
        "/workspaces/demo/act",
        {"method": "PATCH", "path": f"/v1/databases/{ids['runs']}", "body": {"in_trash": True}},
    )
    assert trashed["status"] == 200 and not validate("PATCH /v1/databases/{database_id}", trashed["response"])
    shown = _j(api.get("/home", headers=_auth(session)))
    assert _states(shown) == {"runs": "deleted", "daily_plans": "ok", "tasks": "ok"}
    remade = api.post("/home", json={"parent_page_id": HOME_PAGE}, headers=_auth(session))
    assert _states(_j(remade)) == {"runs": "recreated", "daily_plans": "ok", "tasks": "ok"}
    assert _j(remade)["databases"]["runs"]["database_id"] != ids["runs"]
    assert _creates(stack) == 4
    assert _states(api.get("/home", headers=_auth(session)).json)["runs"] == "ok"

    tenant = stack.container.workspace.tenants.get(_tenant(stack), fresh=True)
    assert tenant is not None and tenant.home is not None
    assert tenant.home.runs is not None
    assert tenant.home.runs.database_id == _j(remade)["databases"]["runs"]["database_id"]
    assert tenant.home.runs.data_source_id == _j(remade)["databases"]["runs"]["data_source_id"]

    assert recorder.check() == []
    assert {
        "POST /v1/databases",
        "GET /v1/databases/{database_id}",
        "GET /v1/pages/{page_id}",
    } <= recorder.names()


def _tenant(stack: Stack) -> str:
    docs = list(stack.db.collection("tenants").stream())
    assert len(docs) == 1
    return str(docs[0].id)


def test_concurrent_calls_make_one_set(stack: Stack, recorder: Recorder) -> None:
    session = stack.connect()["session"]
    start = threading.Barrier(4)
    answers: list[Any] = []

    def post() -> None:
        client = stack.client("api")
        start.wait()
        answer = client.post("/home", json={"parent_page_id": HOME_PAGE}, headers=_auth(session))
        answers.append((answer.status_code, _j(answer)))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == 4
    assert _creates(stack) == 3  # one set (the demo's own Tasks, Ada's, is not taken for ours)
    assert {status for status, _ in answers} <= {200, 409}, answers
    assert any(status == 200 for status, _ in answers)
    assert all("try again" in body["reason"] for status, body in answers if status == 409)
    after = stack.client("api").post("/home", json={"parent_page_id": HOME_PAGE}, headers=_auth(session))
    assert after.status_code == 200 and set(_states(_j(after)).values()) == {"ok"}
    assert recorder.check() == []


def test_a_bad_parent_is_a_400_an_unseen_one_a_404_and_another_tenant_cannot_touch_the_home(
    stack: Stack, recorder: Recorder
) -> None:
    session = stack.connect()["session"]
    api = stack.client("api")
    for parent, status, problem in [
        ("not-a-page", 400, "parent_page_id"),
        ("99999999-9999-4999-8999-999999999999", 404, "share it with the integration"),
        (DEMO["tasks_database"], 404, "share it with the integration"),  # a database's id is no page's
    ]:
        refused = api.post("/home", json={"parent_page_id": parent}, headers=_auth(session))
        assert refused.status_code == status, _j(refused)
        assert problem in json.dumps(_j(refused))
    bad_tasks = api.post(
        "/home", json={"parent_page_id": HOME_PAGE, "tasks": "sometimes"}, headers=_auth(session)
    )
    assert bad_tasks.status_code == 400 and _j(bad_tasks)["error"] == "invalid_input"
    assert _creates(stack) == 0

    made = api.post("/home", json={"parent_page_id": HOME_PAGE}, headers=_auth(session))
    assert made.status_code == 200

    stack.admin.post("/workspaces", {"key": "acme", "name": "Acme", "seed": "empty"})
    other = stack.connect("acme")["session"]
    assert _states(api.get("/home", headers=_auth(other)).json) == dict.fromkeys(
        ("runs", "daily_plans", "tasks"), "absent"
    )
    # demo's page is not acme's integration's to see: refused, nothing made anywhere
    refused = api.post("/home", json={"parent_page_id": HOME_PAGE}, headers=_auth(other))
    assert refused.status_code == 404 and _j(refused)["reason"].startswith("parent_page_id:")
    assert _creates(stack, "acme") == 0 and _creates(stack) == 3
    assert _states(api.get("/home", headers=_auth(session)).json)["runs"] == "ok"
    assert recorder.check() == []


def test_the_page_picker_pages_through_what_the_integration_sees(stack: Stack, recorder: Recorder) -> None:
    session = stack.connect()["session"]
    api = stack.client("api")
    first = api.get("/notion/pages?page_size=2", headers=_auth(session))
    assert first.status_code == 200, _j(first)
    assert len(_j(first)["results"]) == 2 and _j(first)["next_cursor"]
    seen = [r["id"] for r in _j(first)["results"]]
    cursor = _j(first)["next_cursor"]
    while cursor:
        answer = api.get(f"/notion/pages?page_size=2&cursor={cursor}", headers=_auth(session))
        assert answer.status_code == 200, _j(answer)
        seen += [r["id"] for r in _j(answer)["results"]]
        cursor = _j(answer)["next_cursor"]
    assert HOME_PAGE in seen and DEMO["tasks_data_source"] in seen and len(seen) == len(set(seen))
    found = _j(api.get("/notion/pages?query=agent%20home", headers=_auth(session)))["results"]
    assert [(r["id"], r["object"], r["title"]) for r in found] == [(HOME_PAGE, "page", "Notion Agent home")]
    for query, field in [
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("query=" + "x" * 201, "query"),
    ]:
        refused = api.get(f"/notion/pages?{query}", headers=_auth(session))
        assert refused.status_code == 400 and _fields(_j(refused)) == [field], _j(refused)
    bad_cursor = api.get("/notion/pages?cursor=not-a-cursor", headers=_auth(session))
    assert bad_cursor.status_code == 400 and _fields(_j(bad_cursor)) == ["cursor"], _j(bad_cursor)

    key = _j(api.post("/api-keys", json={"name": "ci"}, headers=_auth(session)))["key"]
    assert api.get("/notion/pages", headers=_auth(key)).status_code == 200
    assert api.post("/home", json={"parent_page_id": HOME_PAGE}, headers=_auth(key)).status_code == 403
    assert recorder.check() == []
    assert "POST /v1/search" in recorder.names()

    # A connection Notion no longer honours: the reason, and nothing claimed for good.
    def needs_reconnect(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        return tenant.model_copy(update={"status": TenantStatus.NEEDS_RECONNECT})

    stack.container.workspace.tenants.update(_tenant(stack), needs_reconnect)
    gone = api.get("/notion/pages", headers=_auth(session))
    assert gone.status_code == 502 and _j(gone)["error"] == "reconnect_required", gone.json
    home = api.post("/home", json={"parent_page_id": HOME_PAGE}, headers=_auth(session))
    assert home.status_code == 502 and _j(home)["error"] == "reconnect_required", home.json
    tenant = stack.container.workspace.tenants.get(_tenant(stack), fresh=True)
    assert tenant is not None and tenant.home is not None and tenant.home.claim == ""
