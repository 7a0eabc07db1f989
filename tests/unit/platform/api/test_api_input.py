"""api against input a reviewer sent it: each case once answered 500, or 2xx where a 4xx was due, or
stored and queued work that could never be done. Now: a 4xx with a reason, and nothing stored."""

import pytest

from shared.platform.domain.tasks import is_run_id
from shared.runs.domain.plan_task import PlanTask
from shared.workspace.domain.tenants import TenantStatus
from tests.support.notify.notify_fakes import FakeNotificationLog
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.team.settings_api import connect

FRONTEND = "http://127.0.0.1:3000"
DEEP = "[" * 100_000  # nested deeper than the JSON parser's recursion allows


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    container = FakeContainer()
    return container


@pytest.mark.parametrize("token", ["abc.déf", "é" * 40, "abc.d\u00e9f.ghi"])
def test_a_token_with_a_non_ascii_character_is_not_genuine(fakes: FakeContainer, token: str) -> None:
    connect(fakes)
    api = client("api", fakes)
    session = api.get("/runs", headers={"Authorization": f"Bearer {token}"})
    assert session.status_code == 401 and session.json == {
        "error": "unauthenticated",
        "reason": "the token is not genuine",
    }
    link = api.post("/links/decide", json={"token": token})
    assert (
        link.status_code == 401
        and link.json is not None
        and link.json["reason"] == "the token is not genuine"
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/runs"), ("patch", "/settings"), ("put", "/integrations/github")],
)
def test_json_nested_too_deeply_is_a_400_and_stores_nothing(
    fakes: FakeContainer, method: str, path: str
) -> None:
    auth = connect(fakes)
    before = fakes.tenants.get("t1")
    answer = getattr(client("api", fakes), method)(
        path, headers=auth | {"Content-Type": "application/json"}, data=DEEP
    )
    assert answer.status_code == 400 and answer.json is not None
    assert answer.json["reason"].startswith("the body must be a JSON object")
    assert fakes.queue.tasks == [] and fakes.tenants.get("t1") == before
    assert not [name for name in fakes.secrets.values if name.startswith("code-token-")]


@pytest.mark.parametrize("target", ["plan", "execute_step", "notify", "deploy"])
def test_a_task_body_nested_too_deeply_is_a_dead_letter(fakes: FakeContainer, target: str) -> None:
    answer = client(target, fakes).post("/", headers={"Content-Type": "application/json"}, data=DEEP)
    assert answer.status_code == 200 and answer.json is not None and "dead_letter" in answer.json
    assert answer.json["reason"].startswith("the body must be a JSON object")
    assert fakes.queue.tasks == [] and len(fakes.dead_letters.letters) == 1


@pytest.mark.parametrize("limit", ["\u00b2", "\u0663", "1" * 5000, "-1", "101", "", "1.5"])
def test_a_notifications_limit_that_is_no_plain_number_from_1_to_100_is_a_400(
    fakes: FakeContainer, limit: str
) -> None:
    auth = connect(fakes)
    answer = client("api", fakes).get("/notifications", headers=auth, query_string={"limit": limit})
    assert answer.status_code == 400 and answer.json is not None
    assert answer.json["reason"] == "limit must be a whole number from 1 to 100"


def test_a_notifications_limit_may_have_leading_zeros(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fakes, "notifications", FakeNotificationLog(), raising=False)
    answer = client("api", fakes).get(
        "/notifications", headers=connect(fakes), query_string={"limit": "0050"}
    )
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("run_id", "status", "reason"),
    [
        ("__x__", 400, "run_id: ids of the form __name__ are reserved by the database"),
        ("a b", 404, "no run has this id"),
        ("r" * 129, 404, "no run has this id"),
        ("r" * 1501, 400, "run_id: an id is at most 1500 bytes (UTF-8)"),
    ],
)
def test_a_run_id_no_run_can_have_is_refused_and_not_looked_up(
    fakes: FakeContainer, monkeypatch: pytest.MonkeyPatch, run_id: str, status: int, reason: str
) -> None:
    """One Firestore refuses is a 400 saying why; one it accepts but no run has, not found."""
    auth, api = connect(fakes), client("api", fakes)

    def refuse(*_: object) -> None:
        raise AssertionError("looked up in the store")

    monkeypatch.setattr(fakes.store, "get_run", refuse)
    for method, path in [("get", ""), ("post", "/cancel"), ("post", "/approve"), ("post", "/answer")]:
        answer = getattr(api, method)(f"/runs/{run_id}{path}", headers=auth)
        assert answer.status_code == status, (method, path, answer.json)
        assert answer.json["reason"] == reason


def test_run_ids_the_engine_makes_are_run_ids() -> None:
    assert all(is_run_id(r) for r in ["api-abc", "wh-0123abcd", "r1", "_x", "x__", "a" * 128])
    assert not any(is_run_id(r) for r in ["__x__", "a\n", "", "a/b", "a" * 129])


@pytest.mark.parametrize(
    ("status", "code"),
    [(None, 404), (TenantStatus.REVOKED, 409), (TenantStatus.NEEDS_RECONNECT, 409)],
)
def test_a_run_is_not_queued_for_a_workspace_that_cannot_run_it(
    fakes: FakeContainer, status: TenantStatus | None, code: int
) -> None:
    auth = connect(fakes, status or TenantStatus.ACTIVE)
    if status is None:
        fakes.tenants.tenants.clear()
    answer = client("api", fakes).post("/runs", headers=auth, json={"goal": "hi"})
    assert answer.status_code == code and answer.json is not None and "connect" in answer.json["reason"]
    assert fakes.queue.tasks == []


@pytest.mark.parametrize("page_id", ["../users/me?x=\u0000", "not-a-page", "0" * 31, "0" * 33])
def test_a_run_for_a_page_needs_a_notion_page_id(fakes: FakeContainer, page_id: str) -> None:
    auth = connect(fakes)
    answer = client("api", fakes).post("/runs", headers=auth, json={"goal": "hi", "page_id": page_id})
    assert answer.status_code == 400 and answer.json is not None
    assert [f["field"] for f in answer.json["fields"]] == ["page_id"]
    assert fakes.queue.tasks == []


@pytest.mark.parametrize(
    "page_id", ["0123456789abcdef0123456789ABCDEF", "01234567-89ab-cdef-0123-456789abcdef"]
)
def test_a_run_for_a_page_is_queued_with_its_id(fakes: FakeContainer, page_id: str) -> None:
    auth = connect(fakes)
    answer = client("api", fakes).post("/runs", headers=auth, json={"goal": "hi", "page_id": page_id})
    assert answer.status_code == 202
    [(_, task, _, _)] = fakes.queue.tasks
    assert isinstance(task, PlanTask) and task.trigger.page_id == page_id


def test_a_405_says_which_methods_in_its_allow_header_and_head_is_get_without_a_body(
    fakes: FakeContainer,
) -> None:
    auth, api = connect(fakes), client("api", fakes)
    wrong = api.delete("/runs", headers=auth)
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET, POST"
    head, get = api.head("/runs", headers=auth), api.get("/runs", headers=auth)
    assert head.status_code == get.status_code == 200 and head.data == b"" and get.data


def test_the_frontend_may_preflight_every_method_the_api_takes(fakes: FakeContainer) -> None:
    api = client("api", fakes)
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        headers = {"Origin": FRONTEND, "Access-Control-Request-Method": method}
        preflight = api.options("/integrations/github", headers=headers)
        assert preflight.status_code == 204
        assert method in preflight.headers["Access-Control-Allow-Methods"].split(", ")


def test_a_retried_run_request_is_the_same_run_and_queued_once(fakes: FakeContainer) -> None:
    auth, api = connect(fakes), client("api", fakes)
    body = {"goal": "Write a note", "page_id": "0123456789abcdef0123456789abcdef", "request_id": "r-1"}
    first, again = api.post("/runs", headers=auth, json=body), api.post("/runs", headers=auth, json=body)
    assert first.status_code == again.status_code == 202 and first.json is not None
    assert first.json == again.json and first.json["run_id"].startswith("api-r-1-")
    [(_, task, _, _)] = fakes.queue.tasks
    assert isinstance(task, PlanTask) and task.run_id == first.json["run_id"]


@pytest.mark.parametrize(
    "changed", [{"goal": "Write another note"}, {"page_id": "0123456789abcdef0123456789abcdef"}]
)
def test_a_request_id_used_again_for_a_different_request_is_a_409_and_queues_nothing(
    fakes: FakeContainer, changed: dict[str, str]
) -> None:
    auth, api = connect(fakes), client("api", fakes)
    first = api.post("/runs", headers=auth, json={"goal": "Write a note", "request_id": "r-1"})
    assert first.status_code == 202
    other = api.post("/runs", headers=auth, json={"goal": "Write a note", "request_id": "r-1"} | changed)
    assert other.status_code == 409 and other.json is not None
    assert "request_id r-1 was already used" in other.json["reason"]
    assert len(fakes.queue.tasks) == 1
    again = api.post("/runs", headers=auth, json={"goal": "Write a note", "request_id": "r-1"})
    assert again.status_code == 202 and again.json == first.json  # the first request is still retryable


def test_a_request_id_forgotten_after_its_memory_names_a_new_run_for_a_new_request(
    fakes: FakeContainer,
) -> None:
    auth, api = connect(fakes), client("api", fakes)
    first = api.post("/runs", headers=auth, json={"goal": "Write a note", "request_id": "r-1"}).json
    fakes.webhook_events.records.clear()  # expired by its TTL (REQUEST_MEMORY)
    later = api.post("/runs", headers=auth, json={"goal": "Something else", "request_id": "r-1"})
    assert later.status_code == 202 and later.json is not None and first is not None
    assert later.json["run_id"] != first["run_id"]
    assert [t.goal for _, t, _, _ in fakes.queue.tasks if isinstance(t, PlanTask)] == [
        "Write a note",
        "Something else",
    ]


def test_a_run_request_refused_for_its_workspace_records_no_request_id(fakes: FakeContainer) -> None:
    auth = connect(fakes, TenantStatus.NEEDS_RECONNECT)
    answer = client("api", fakes).post("/runs", headers=auth, json={"goal": "hi", "request_id": "r-1"})
    assert answer.status_code == 409 and not fakes.webhook_events.records and not fakes.queue.tasks


def test_a_retry_may_write_the_page_id_with_or_without_hyphens(fakes: FakeContainer) -> None:
    auth, api = connect(fakes), client("api", fakes)
    body = {"goal": "Write a note", "request_id": "r-1"}
    first = api.post("/runs", headers=auth, json=body | {"page_id": "0123456789abcdef0123456789abcdef"})
    again = api.post("/runs", headers=auth, json=body | {"page_id": "01234567-89AB-cdef-0123-456789abcdef"})
    assert first.status_code == again.status_code == 202 and first.json == again.json
    assert len(fakes.queue.tasks) == 1
