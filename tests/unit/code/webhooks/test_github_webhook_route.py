"""GitHub's webhook route on the api: a delivery signed with the workspace's
own secret (drawn for it and kept, decision 0139) is taken once; a forged signature (another workspace's secret too), a replayed delivery id, a
malformed body, a missing id and a path naming no workspace are refused with a reason, nothing recorded."""

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from shared.engine.services.check_wakeups import CheckWakeups, receive, webhook_secret
from shared.platform.config import PlatformSecret, Settings
from shared.platform.errors import NotFound
from shared.runs.domain.plan_task import PlanTask
from shared.workspace.domain.integrations import github_hook_secret
from tests.support.code.revision_payloads import BRANCH, builder, completed, delivery
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.platform.platform_fakes import FakeQueue, FakeSecrets
from tests.support.runs.run_store import FakeRunStore
from tests.support.team.role_team import team
from tests.support.workspace.workspace_fakes import FakeWebhookEvents
from tools import signing_keys

CHECK = {
    "action": "completed",
    "repository": {"full_name": "acme/site"},
    "check_run": {"head_sha": "a" * 40, "check_suite": {"head_branch": "main"}, "pull_requests": []},
}


def signed(secret: str, body: bytes, guid: str, event: str = "check_run") -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    # lower-case names, as a proxy may pass them
    return {"x-hub-signature-256": f"sha256={digest}", "x-github-delivery": guid, "x-github-event": event}


def test_a_signed_delivery_is_taken_once_and_a_replay_is_refused() -> None:
    fakes = FakeContainer()
    api, body = client("api", fakes), json.dumps(CHECK).encode()
    headers = signed(webhook_secret(fakes.secrets, "t1"), body, "g-1")
    first = api.post("/github/webhook/t1", data=body, headers=headers)
    assert first.status_code == 200 and first.get_json() == {"result": "ignored", "detail": "ignored"}
    assert ("t1", "github-g-1") in fakes.webhook_events.records
    again = api.post("/github/webhook/t1", data=body, headers=headers)
    assert again.status_code == 409 and "X-GitHub-Delivery" in again.get_json()["reason"]


def test_forged_malformed_and_misaddressed_deliveries_are_refused_with_nothing_recorded() -> None:
    fakes = FakeContainer()
    api, body = client("api", fakes), json.dumps(CHECK).encode()
    own, other = webhook_secret(fakes.secrets, "t1"), webhook_secret(fakes.secrets, "t2")
    forged = api.post("/github/webhook/t1", data=body, headers=signed("guessed", body, "g-2"))
    assert forged.status_code == 401 and "X-Hub-Signature-256" in forged.get_json()["reason"]
    # another workspace's secret does not reach this one's runs
    crossed = api.post("/github/webhook/t1", data=body, headers=signed(other, body, "g-3"))
    assert crossed.status_code == 401
    tampered = api.post("/github/webhook/t1", data=body + b" ", headers=signed(own, body, "g-4"))
    assert tampered.status_code == 401
    bad = b'{"action": "completed"}'
    malformed = api.post("/github/webhook/t1", data=bad, headers=signed(own, bad, "g-5"))
    assert malformed.status_code == 400 and "check_run" in malformed.get_json()["reason"]
    no_id = api.post("/github/webhook/t1", data=body, headers=signed(own, body, ""))
    assert no_id.status_code == 400 and "X-GitHub-Delivery" in no_id.get_json()["reason"]
    nowhere = api.post("/github/webhook/not a workspace!", data=body, headers=signed(own, body, "g-6"))
    assert nowhere.status_code == 404
    assert not fakes.webhook_events.records


def test_the_owner_alone_reads_what_to_give_github() -> None:
    people = team()
    api = client("api", people.container)
    shown = api.get("/github/webhook", headers={"Authorization": f"Bearer {people.sessions['owner']}"})
    assert shown.status_code == 200, shown.get_data(as_text=True)
    assert shown.get_json()["url"].endswith("/github/webhook/t1")
    assert shown.get_json()["secret"] == webhook_secret(people.container.secrets, "t1")
    assert len(shown.get_json()["secret"]) == 64  # drawn: 256 bits, hex
    for role in ("admin", "editor", "viewer"):
        refused = api.get("/github/webhook", headers={"Authorization": f"Bearer {people.sessions[role]}"})
        assert refused.status_code == 403


def test_a_writers_review_naming_the_agent_on_a_finished_runs_pull_request_starts_one_revision() -> None:
    """Decision 0127, through the route: one plan task however often it comes."""
    fakes = FakeContainer()
    completed(fakes.store)
    fakes.fake_agents.create("t1", builder())
    api, own = client("api", fakes), webhook_secret(fakes.secrets, "t1")
    stranger = delivery("pull_request_review", association="NONE", action="submitted")
    ignored = api.post(
        "/github/webhook/t1", data=stranger, headers=signed(own, stranger, "g-1", "pull_request_review")
    )
    assert ignored.get_json()["result"] == "ignored" and fakes.queue.tasks == []
    body = delivery("pull_request_review", action="submitted")
    answers = [
        api.post("/github/webhook/t1", data=body, headers=signed(own, body, guid, "pull_request_review"))
        for guid in ("g-2", "g-2", "g-3")
    ]
    assert [a.status_code for a in answers] == [200, 409, 200]
    assert answers[0].get_json()["result"] == "revising" == answers[2].get_json()["result"]
    [(_, task, _, _)] = fakes.queue.tasks
    assert isinstance(task, PlanTask)
    assert task.run_id == answers[0].get_json()["detail"].removeprefix("revising: ") and BRANCH in task.goal


def test_while_the_runs_agent_is_paused_or_gone_or_the_budget_is_spent_a_review_starts_nothing() -> None:
    """Decision 0131: the route checks what any start checks (the agent, the workspace's budgets)."""
    body = delivery("pull_request_review", action="submitted")
    paused, gone, spent = (
        FakeContainer(),
        FakeContainer(),
        FakeContainer(Settings(default_day_budget_usd=0.0)),
    )
    paused.fake_agents.create("t1", builder(paused=True))
    spent.fake_agents.create("t1", builder())
    for n, fakes in enumerate((paused, gone, spent)):
        completed(fakes.store)
        api, own = client("api", fakes), webhook_secret(fakes.secrets, "t1")
        answer = api.post(
            "/github/webhook/t1", data=body, headers=signed(own, body, f"g-{n}", "pull_request_review")
        )
        assert answer.get_json() == {"result": "ignored", "detail": "ignored"} and fakes.queue.tasks == []


def test_a_signing_key_rotation_leaves_every_workspaces_webhook_secret_as_it_is() -> None:
    """Decision 0010's rotation and decision 0139: the secret is drawn once per workspace and
    kept, so staging and promoting a new signing key changes no workspace's secret at GitHub, and a
    delivery signed with it is still taken; another workspace draws its own."""
    people = team()
    api, c = client("api", people.container), people.container
    owner = {"Authorization": f"Bearer {people.sessions['owner']}"}
    first = api.get("/github/webhook", headers=owner).get_json()["secret"]
    assert first != webhook_secret(c.secrets, "t2")
    seen = [first]
    for rotate in (signing_keys.stage, signing_keys.promote):
        key = c.secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
        c.secrets.put(PlatformSecret.SESSION_SIGNING_KEY, rotate(key))
        seen.append(api.get("/github/webhook", headers=owner).get_json()["secret"])
    assert seen == [first] * 3
    body = json.dumps(CHECK).encode()
    taken = api.post("/github/webhook/t1", data=body, headers=signed(first, body, "g-rotated"))
    assert taken.status_code == 200, taken.get_json()


def test_a_workspace_without_a_webhook_secret_is_a_404_and_nothing_is_recorded() -> None:
    """Never set up, or erased (its secret deleted): no delivery is taken, whatever it is signed with."""
    fakes = FakeContainer()
    body = json.dumps(CHECK).encode()
    answer = client("api", fakes).post("/github/webhook/t1", data=body, headers=signed("guess", body, "g-1"))
    assert answer.status_code == 404 and not fakes.webhook_events.records


class _CachingSecrets(FakeSecrets):
    """Secrets as an instance reads them: a value read once is served from its cache unless ``fresh``."""

    def __init__(self) -> None:
        super().__init__()
        self.cache: dict[str, str] = {}

    def get(self, name: str, fresh: bool = False) -> str:
        if not fresh and name in self.cache:
            return self.cache[name]
        self.cache[name] = super().get(name)
        return self.cache[name]


def test_an_instance_that_read_the_secret_before_an_erasure_takes_nothing_after_it() -> None:
    """Another instance deleted the secret (the workspace erased): this one's cache does not count."""
    secrets = _CachingSecrets()
    deps = CheckWakeups(FakeRunStore(), FakeWebhookEvents(), FakeQueue(), secrets)
    secret, body = webhook_secret(secrets, "t1"), json.dumps(CHECK).encode()
    now = datetime.now(UTC)
    assert receive(deps, "t1", _headers(secret, body, "g-1"), body, now) == "ignored"
    FakeSecrets.delete(secrets, github_hook_secret("t1"))  # the erasure, on another instance
    with pytest.raises(NotFound):
        receive(deps, "t1", _headers(secret, body, "g-2"), body, now)
    assert isinstance(deps.ledger, FakeWebhookEvents)
    assert list(deps.ledger.records) == [("t1", "github-g-1")]


def _headers(secret: str, body: bytes, guid: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "X-Hub-Signature-256": f"sha256={digest}",
        "X-GitHub-Delivery": guid,
        "X-GitHub-Event": "check_run",
    }
