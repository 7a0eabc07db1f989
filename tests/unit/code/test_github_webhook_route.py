"""GitHub's webhook route on the api (issue 68, point 3): a delivery signed with the workspace's own
secret is taken once; a forged signature (another workspace's secret too), a replayed delivery id, a
malformed body, a missing id and a path naming no workspace are refused with a reason, nothing recorded."""

import hashlib
import hmac
import json

from shared.code.domain import webhooks
from shared.platform.config import Settings
from shared.runs.domain.plan_task import PlanTask
from tests.api_fakes import FakeContainer, client
from tests.support.code.revision_payloads import BRANCH, builder, completed, delivery
from tests.support.team.role_team import team

KEY = "k" * 32  # the fakes' session signing key
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
    headers = signed(webhooks.webhook_secret(KEY, "t1"), body, "g-1")
    first = api.post("/github/webhook/t1", data=body, headers=headers)
    assert first.status_code == 200 and first.get_json() == {"result": "ignored", "detail": "ignored"}
    assert ("t1", "github-g-1") in fakes.webhook_events.records
    again = api.post("/github/webhook/t1", data=body, headers=headers)
    assert again.status_code == 409 and "X-GitHub-Delivery" in again.get_json()["reason"]


def test_forged_malformed_and_misaddressed_deliveries_are_refused_with_nothing_recorded() -> None:
    fakes = FakeContainer()
    api, body = client("api", fakes), json.dumps(CHECK).encode()
    own, other = webhooks.webhook_secret(KEY, "t1"), webhooks.webhook_secret(KEY, "t2")
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
    assert shown.get_json()["secret"] == webhooks.webhook_secret(KEY, "t1")
    for role in ("admin", "editor", "viewer"):
        refused = api.get("/github/webhook", headers={"Authorization": f"Bearer {people.sessions[role]}"})
        assert refused.status_code == 403


def test_a_writers_review_naming_the_agent_on_a_finished_runs_pull_request_starts_one_revision() -> None:
    """Issue 68, point 7 (decision 0127), through the route: one plan task however often it comes."""
    fakes = FakeContainer()
    completed(fakes.store)
    fakes.agents.create("t1", builder())
    api, own = client("api", fakes), webhooks.webhook_secret(KEY, "t1")
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
    paused.agents.create("t1", builder(paused=True))
    spent.agents.create("t1", builder())
    for n, fakes in enumerate((paused, gone, spent)):
        completed(fakes.store)
        api, own = client("api", fakes), webhooks.webhook_secret(KEY, "t1")
        answer = api.post(
            "/github/webhook/t1", data=body, headers=signed(own, body, f"g-{n}", "pull_request_review")
        )
        assert answer.get_json() == {"result": "ignored", "detail": "ignored"} and fakes.queue.tasks == []
