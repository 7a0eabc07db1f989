"""Every public webhook route of the api (GitHub's, Linear's, GitLab's) answers bad input with a 4xx and
records nothing: bodies signed with the workspace's own secret that are no event a
route reads (``"check_run": []``, a string ``check_suite``, ``Infinity``, ``1e400``, JSON nested 50,000
deep, a huge integer), and delivery ids that are not ids (``abc/def``, ``pq7/b/c``, ``__x__``), which
would otherwise name another Firestore path (decision 0004). Notion's route: its own function, same rule."""

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.platform.config import PlatformSecret
from shared.platform.domain.deliveries import MAX_DEPTH, body_problem
from shared.platform.errors import InvalidInput
from shared.runs.services.notion_intake import Intake, ingest_webhook
from shared.sync.domain.connection import GitLabConnection, LinearConnection, hook_secret
from shared.workspace.domain.integrations import github_hook_secret
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.platform.platform_fakes import FakeQueue, FakeSecrets
from tests.support.workspace.tenants import a_tenant
from tests.support.workspace.workspace_fakes import FakeTenantStore, FakeWebhookEvents

GITHUB, LINEAR, GITLAB = "github-secret", "linear-secret", "gitlab-secret"
NOW = datetime.now(UTC)
CHECK: dict[str, Any] = {
    "action": "completed",
    "repository": {"full_name": "acme/site"},
    "check_run": {"head_sha": "a" * 40, "check_suite": {"head_branch": "main"}, "pull_requests": []},
}
DEEP = b"[" * 50_000 + b"]" * 50_000


def _with(body: bytes, tail: bytes) -> bytes:
    """``body`` (a JSON object) with ``tail`` (``, "k": v``) added at its end, as signed bytes."""
    return body.rstrip()[:-1] + tail + b"}"


# Flaws any delivery may carry, signed with the workspace's secret: numbers that are none, nesting
# that stops a parser, integers past what Python reads, bodies that are not an object.
FLAWS: dict[str, Callable[[bytes], bytes]] = {
    "Infinity": lambda good: _with(good, b', "n": Infinity'),
    "NaN": lambda good: _with(good, b', "n": NaN'),
    "1e400": lambda good: _with(good, b', "n": 1e400'),
    "nested 50,000 deep": lambda good: _with(good, b', "deep": ' + DEEP),
    "nested one past the limit": lambda good: _with(good, b', "d": ' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH),
    "an integer of 5,000 digits": lambda good: _with(good, b', "n": ' + b"9" * 5000),
    "not an object": lambda good: b"[" + good + b"]",
    "not JSON": lambda good: good.replace(b'"', b"'"),
}
# Each route's own fields with the wrong shape (GitHub's were 500s).
SHAPES: dict[str, dict[str, bytes]] = {
    "github": {
        "check_run is a list": json.dumps(CHECK | {"check_run": []}).encode(),
        "check_suite is a string": json.dumps(
            CHECK | {"check_run": {**CHECK["check_run"], "check_suite": "main"}}
        ).encode(),
        "a branch that is 1e400": json.dumps(CHECK).replace('"main"', "1e400").encode(),
    },
    "linear": {"data is a list": b'{"action": "update", "type": "Issue", "data": [], "webhookTimestamp": 1}'},
    "gitlab": {
        "iid is 1e400": b'{"object_kind": "issue", "project": {"id": 77}, "object_attributes": {"iid": 1e400}}'
    },
}
BAD_IDS = ("abc/def", "pq7/b/c", "__x__", "..", "a b", "x" * 101)


def _container() -> FakeContainer:
    """A workspace t1 with GitHub's webhook set up, Linear and GitLab connected (secrets and records)."""
    c = FakeContainer()
    c.secrets.put(github_hook_secret("t1"), GITHUB)
    c.secrets.put(hook_secret("t1", "linear"), LINEAR)
    c.secrets.put(hook_secret("t1", "gitlab"), GITLAB)
    c.sync.sync_store.save_connection(
        "t1", LinearConnection(data_source_id="0" * 32, connected_at=NOW, team_id="team-1")
    )
    gitlab = GitLabConnection(
        data_source_id="0" * 32, connected_at=NOW, base_url="https://gitlab.com", project_id=77, user_id=1
    )
    c.sync.gitlab_store.save_connection("t1", gitlab)
    return c


def _github(body: bytes, delivery: str) -> tuple[str, dict[str, str]]:
    digest = hmac.new(GITHUB.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": f"sha256={digest}", "X-GitHub-Delivery": delivery}
    return "/github/webhook/t1", headers | {"X-GitHub-Event": "check_run"}


def _linear(body: bytes, delivery: str) -> tuple[str, dict[str, str]]:
    signature = hmac.new(LINEAR.encode(), body, hashlib.sha256).hexdigest()
    return "/sync/linear/webhook/t1", {"Linear-Signature": signature, "Linear-Delivery": delivery}


def _gitlab(body: bytes, delivery: str) -> tuple[str, dict[str, str]]:
    return "/sync/gitlab/webhook/t1", {"X-Gitlab-Token": GITLAB, "X-Gitlab-Event-UUID": delivery}


ROUTES: dict[str, Callable[[bytes, str], tuple[str, dict[str, str]]]] = {
    "github": _github,
    "linear": _linear,
    "gitlab": _gitlab,
}


def _recorded(c: FakeContainer) -> object:
    return (c.webhook_events.records, c.queue.tasks)


def _refused(route: str, body: bytes) -> None:
    c = _container()
    path, headers = ROUTES[route](body, "6f1c2a30-0000-4000-8000-000000000001")
    answer = client("api", c).post(path, data=body, headers=headers)
    assert answer.status_code == 400, (answer.status_code, answer.get_data(as_text=True)[:300])
    assert answer.get_json()["reason"] and _recorded(c) == ({}, [])


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("flaw", FLAWS)
def test_a_signed_body_with_a_flaw_no_route_reads_is_a_400_and_nothing_is_recorded(
    route: str, flaw: str
) -> None:
    _refused(route, FLAWS[flaw](_good(route)))


@pytest.mark.parametrize(
    ("route", "kind"), [(route, kind) for route, kinds in SHAPES.items() for kind in kinds]
)
def test_a_signed_body_of_the_wrong_shape_is_a_400_and_nothing_is_recorded(route: str, kind: str) -> None:
    _refused(route, SHAPES[route][kind])


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("delivery", BAD_IDS)
def test_a_delivery_id_that_is_not_an_id_is_a_400_and_never_a_path(route: str, delivery: str) -> None:
    c = _container()
    body = _good(route)
    path, headers = ROUTES[route](body, delivery)
    answer = client("api", c).post(path, data=body, headers=headers)
    assert answer.status_code == 400, (answer.status_code, answer.get_data(as_text=True)[:300])
    assert "id" in answer.get_json()["reason"] and _recorded(c) == ({}, [])


@pytest.mark.parametrize("route", ROUTES)
def test_a_well_formed_delivery_still_passes(route: str) -> None:
    """The rule refuses only what it should: each route's own delivery is taken (not a 4xx)."""
    c = _container()
    body = _good(route)
    path, headers = ROUTES[route](body, "6f1c2a30-0000-4000-8000-000000000002")
    answer = client("api", c).post(path, data=body, headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]


def _good(route: str) -> bytes:
    if route == "github":
        return json.dumps(CHECK).encode()
    if route == "linear":
        data = {"id": "issue-1", "teamId": "team-1"}
        now_ms = int(time.time() * 1000)
        body = {
            "action": "update",
            "type": "Issue",
            "data": data,
            "webhookId": "hook-1",
            "webhookTimestamp": now_ms,
        }
        return json.dumps(body).encode()
    attributes = {"iid": 3, "action": "update", "project_id": 77}
    return json.dumps(
        {"object_kind": "issue", "project": {"id": 77}, "object_attributes": attributes}
    ).encode()


def test_the_rule_takes_deep_but_reasonable_bodies_and_finite_numbers() -> None:
    assert body_problem(b'{"a": ' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}") is None
    assert body_problem(b'{"n": 1.5e300, "m": -0.0, "k": 12345678901234567890}') is None
    assert "finite" in (body_problem(b'{"n": -Infinity}') or "")


@pytest.mark.parametrize("flaw", FLAWS)
def test_notions_route_holds_the_same_rule(flaw: str) -> None:
    """notion-webhook (its own function): a signed event with a flaw is a 400, nothing recorded."""
    tenants = FakeTenantStore()
    tenants.save(a_tenant("t1", "ws1", NOW))
    token = "secret_verification"
    intake = Intake(
        tenants,
        FakeWebhookEvents(),
        FakeQueue(),
        FakeSecrets({PlatformSecret.NOTION_WEBHOOK_TOKEN: token}),
        3600.0,
    )
    event = {
        "id": "evt-1",
        "type": "page.content_updated",
        "timestamp": NOW.isoformat().replace("+00:00", "Z"),
        "workspace_id": "ws1",
        "authors": [{"id": "person-1", "type": "person"}],
        "entity": {"id": "3b4c5d6e-0000-4000-8000-000000000002", "type": "page"},
        "data": {},
    }
    body = FLAWS[flaw](json.dumps(event).encode())
    signature = "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()
    with pytest.raises(InvalidInput):
        ingest_webhook(body, signature, intake, now=NOW)
    assert isinstance(intake.events, FakeWebhookEvents) and isinstance(intake.queue, FakeQueue)
    assert not intake.events.records and not intake.queue.tasks
