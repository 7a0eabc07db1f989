"""The task functions check their caller in code (functions.tasks.caller): the tasks service account's OIDC
token for the function's own URL, Cloud Scheduler's account on its routes only, read as Cloud Run
forwards it (its signature replaced by SIGNATURE_REMOVED_BY_GOOGLE, decision 0046) in every profile;
a token that still carries a signature did not pass Cloud Run's IAM check and is refused. Each refusal
is one ``task_caller_refused`` WARNING line."""

import json
import logging
import time
from pathlib import Path

import pytest
from flask import Request
from werkzeug.test import EnvironBuilder

from functions.tasks import caller as _caller
from local.tasks_emulator import mint_id_token
from shared.platform.config import Settings
from shared.platform.errors import Forbidden, Unauthenticated
from shared.platform.logs import CloudLoggingFormatter
from shared.platform.topology import Target
from tests.support.platform.fake_container import PLAN_BODY, FakeContainer, client, fakes
from tests.support.platform.task_tokens import SCHEDULER, TASKS, bearer, forwarded

__all__ = ["fakes"]

BODIES = {
    Target.PLAN: PLAN_BODY,
    Target.EXECUTE_STEP: {"tenant_id": "t1", "run_id": "r1", "step": 1},
    Target.DEPLOY: {"tenant_id": "t1", "run_id": "r1", "step": 1},
    Target.NOTIFY: {"notification_id": "n1", "tenant_id": "t1", "subject": "s", "text": "x"},
}


@pytest.fixture
def checked(fakes: FakeContainer) -> FakeContainer:
    """The local profile with the tasks service account named, as the local stack runs."""
    fakes.settings = Settings(tasks_service_account=TASKS)
    return fakes


def nothing_done(c: FakeContainer) -> bool:
    return not (c.store.runs or c.queue.tasks or c.notifier.delivered)


@pytest.mark.parametrize("target", sorted(BODIES))
def test_a_task_without_a_token_is_a_401_with_a_reason_and_does_nothing(
    checked: FakeContainer, target: Target
) -> None:
    answer = client(target.value, checked).post("/", json=BODIES[target])
    assert answer.status_code == 401 and answer.json is not None
    assert "OIDC ID token" in answer.json["reason"] and nothing_done(checked)


@pytest.mark.parametrize("target", sorted(BODIES))
def test_the_tasks_accounts_token_for_the_functions_url_is_let_through(
    checked: FakeContainer, target: Target
) -> None:
    audience = checked.settings.target_url(target)
    answer = client(target.value, checked).post("/", json=BODIES[target], headers=bearer(TASKS, audience))
    assert answer.status_code not in (401, 403), answer.json


def test_the_token_cloud_run_forwards_from_the_tasks_emulator_is_let_through(checked: FakeContainer) -> None:
    """The emulator's token as Cloud Run's front passes it on (on the code before decision 0046 the
    local profile verified the signature, so this forwarded token was a 401)."""
    url = checked.settings.plan_url
    token = mint_id_token(TASKS, url).rsplit(".", 1)[0] + ".SIGNATURE_REMOVED_BY_GOOGLE"
    answer = client("plan", checked).post("/", json=PLAN_BODY, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.json


def test_another_account_a_signed_an_expired_or_anothers_audience_token_does_nothing(
    checked: FakeContainer,
) -> None:
    plan, url = client("plan", checked), checked.settings.plan_url

    def status(headers: dict[str, str]) -> tuple[int, str]:
        answer = plan.post("/", json=PLAN_BODY, headers=headers)
        return answer.status_code, (answer.json or {}).get("reason", "")

    other_account = status(bearer("someone@proj.iam.gserviceaccount.com", url))
    assert other_account[0] == 403 and "tasks service account" in other_account[1]
    assert status(bearer(TASKS, url, email_verified=False))[0] == 403
    other_function = status(bearer(TASKS, checked.settings.notify_url))
    assert other_function[0] == 401 and "audience" in other_function[1]
    assert status(bearer(TASKS, url, iss="https://evil.example"))[0] == 401
    expired = status(bearer(TASKS, url, exp=int(time.time()) - 120))
    assert expired[0] == 401 and "expired" in expired[1]
    assert status(bearer(TASKS, url, exp="never"))[0] == 401
    # Signed by the emulator (or by anyone): it did not come through Cloud Run's IAM check.
    signed = status({"Authorization": f"Bearer {mint_id_token(TASKS, url)}"})
    assert signed[0] == 401 and "not forwarded by Cloud Run" in signed[1]
    unsigned = forwarded(TASKS, url).rsplit(".", 1)[0] + "."
    assert status({"Authorization": f"Bearer {unsigned}"})[0] == 401
    not_json = "eyJhbGciOiJub25lIn0.bm90IGpzb24.SIGNATURE_REMOVED_BY_GOOGLE"
    assert status({"Authorization": f"Bearer {not_json}"}) == (
        401,
        "the caller's ID token has unreadable claims",
    )
    assert status({"Authorization": "Basic x"})[0] == 401
    serverless = bearer(TASKS, url) | {"X-Serverless-Authorization": bearer(TASKS, url)["Authorization"]}
    assert status(serverless)[0] == 401  # Cloud Run checked that header, not Authorization
    assert nothing_done(checked)


def test_each_refusal_is_one_warning_line_with_event_status_and_reason(
    checked: FakeContainer, caplog: pytest.LogCaptureFixture
) -> None:
    """The line the operator's log metric counts (jsonPayload.fields.event="task_caller_refused"), never
    carrying the token."""
    url, plan = checked.settings.plan_url, client("plan", checked)
    stranger = bearer("someone@proj.iam.gserviceaccount.com", url)
    signed = {"Authorization": f"Bearer {mint_id_token(TASKS, url)}"}
    with caplog.at_level(logging.INFO):
        assert plan.post("/", json=PLAN_BODY, headers=stranger).status_code == 403
        assert plan.post("/", json=PLAN_BODY, headers=signed).status_code == 401
        assert plan.post("/", json=PLAN_BODY, headers=bearer(TASKS, url)).status_code == 200
    formatter = CloudLoggingFormatter("p")
    lines = [formatter.format(r) for r in caplog.records]
    entries = [json.loads(line) for line in lines]
    refused = [e for e in entries if e.get("fields", {}).get("event") == "task_caller_refused"]
    assert [(e["severity"], e["fields"]["status"]) for e in refused] == [("WARNING", 403), ("WARNING", 401)]
    assert refused[0]["fields"]["reason"].startswith("this function answers only the tasks service account")
    assert "not forwarded by Cloud Run" in refused[1]["fields"]["reason"]
    for token in (stranger["Authorization"], signed["Authorization"]):
        assert all(piece not in "\n".join(lines) for piece in token.removeprefix("Bearer ").split(".")[:2])


def test_cloud_schedulers_account_is_taken_on_its_routes_only(checked: FakeContainer) -> None:
    plan_url, step_url = checked.settings.plan_url, checked.settings.execute_step_url
    assert (
        client("plan", checked).post("/schedule", json={}, headers=bearer(SCHEDULER, plan_url)).status_code
        == 200
    )
    assert (
        client("execute_step", checked).post("/sweep", headers=bearer(SCHEDULER, step_url)).status_code == 200
    )
    assert (
        client("plan", checked).post("/", json=PLAN_BODY, headers=bearer(SCHEDULER, plan_url)).status_code
        == 403
    )
    step = BODIES[Target.EXECUTE_STEP]
    assert (
        client("execute_step", checked).post("/", json=step, headers=bearer(SCHEDULER, step_url)).status_code
        == 403
    )
    assert client("execute_step", checked).post("/sweep").status_code == 401
    # The scheduler's account beside the tasks account, as terraform/iam.tf names them.
    assert _caller.scheduler_account(TASKS) == SCHEDULER
    iam = (Path(__file__).resolve().parents[4] / "terraform" / "iam.tf").read_text()
    assert 'account_id   = "na-${replace(each.key, "_", "-")}"' in iam
    assert "\n    tasks_invoker = " in iam and "\n    scheduler     = " in iam
    assert nothing_done(checked)


def test_the_local_profile_without_a_tasks_account_checks_nothing(fakes: FakeContainer) -> None:
    """What tests' in-process stacks run: the queue adapter then sends no token either."""
    assert fakes.settings.profile == "local" and not fakes.settings.tasks_service_account
    assert client("plan", fakes).post("/", json=PLAN_BODY).status_code == 200


# --- production: the same check, no other path --------------------------------------------------------


# A deployment's settings: each task target at https://<target>.example.
PROD = Settings(
    profile="production",
    tasks_service_account=TASKS,
    secrets_backend="secret-manager",
    model_backend="vertex",
    notifier_backend="live",
    frontend_url="https://app.example",
    oauth_callback_url="https://api.example/oauth/callback",
    **{
        f"{t.value}_url": f"https://{t.value}.example"
        for t in (Target.PLAN, Target.EXECUTE_STEP, Target.DEPLOY, Target.NOTIFY, Target.API)
    },
)


def request(path: str = "/", token: str | None = None) -> Request:
    """A request to ``path``, with ``token`` as its bearer token if given."""
    headers = [] if token is None else [("Authorization", f"Bearer {token}")]
    return Request(EnvironBuilder(path=path, headers=headers).get_environ())


def check(token: str, path: str = "/", target: Target = Target.PLAN) -> None:
    _caller.check_caller(request(path, token), PROD, target)


def test_production_takes_the_token_cloud_run_forwards_and_checks_its_claims() -> None:
    check(forwarded(TASKS, "https://plan.example"))
    check(forwarded(SCHEDULER, "https://execute_step.example"), "/sweep", Target.EXECUTE_STEP)
    with pytest.raises(Forbidden):
        check(forwarded(SCHEDULER, "https://plan.example"))
    with pytest.raises(Forbidden):
        check(forwarded(TASKS, "https://plan.example", email_verified=False))
    with pytest.raises(Unauthenticated, match="audience"):
        check(forwarded(TASKS, "https://notify.example"))
    with pytest.raises(Unauthenticated, match="Google"):
        check(forwarded(TASKS, "https://plan.example", iss="https://evil.example"))
    with pytest.raises(Unauthenticated, match="expired"):
        check(forwarded(TASKS, "https://plan.example", exp=int(time.time()) - 60))


def test_production_refuses_a_token_that_still_has_a_signature() -> None:
    """Cloud Run removes the signature of every token its IAM checked: one that keeps it (the
    emulator's, or a Google-signed one sent where IAM did not look) is refused, not verified."""
    with pytest.raises(Unauthenticated, match="not forwarded by Cloud Run"):
        check(mint_id_token(TASKS, "https://plan.example"))
    google_like = forwarded(TASKS, "https://plan.example").rsplit(".", 1)[0] + ".c2lnbmVkIGJ5IGdvb2dsZQ"
    with pytest.raises(Unauthenticated, match="not forwarded by Cloud Run"):
        check(google_like)
    with pytest.raises(Unauthenticated, match="OIDC ID token"):
        _caller.check_caller(request(), PROD, Target.PLAN)
