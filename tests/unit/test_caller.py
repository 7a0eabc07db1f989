"""The task functions check their caller in code (functions._caller): the tasks service account's OIDC
token for the function's own URL, Cloud Scheduler's account on its routes only; the local profile
verifies the tasks emulator's tokens, production Google-signed ones (here signed by a stand-in key
whose certificate the verifier is handed in place of Google's), and never the emulator's."""

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import Request
from google.auth import crypt, jwt
from werkzeug.test import EnvironBuilder

from functions import _caller
from local.tasks_emulator import mint_id_token
from shared.config import Settings, Target
from shared.errors import Forbidden, Unauthenticated
from tests.api_fakes import PLAN_BODY, FakeContainer, client, fakes

__all__ = ["fakes"]

TASKS = "na-tasks-invoker@proj.iam.gserviceaccount.com"
SCHEDULER = "na-scheduler@proj.iam.gserviceaccount.com"
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


def bearer(email: str, audience: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_id_token(email, audience)}"}


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


def test_another_account_a_forged_an_expired_or_anothers_audience_token_does_nothing(
    checked: FakeContainer,
) -> None:
    plan, url = client("plan", checked), checked.settings.plan_url
    other_account = plan.post(
        "/", json=PLAN_BODY, headers=bearer("someone@proj.iam.gserviceaccount.com", url)
    )
    assert other_account.status_code == 403 and other_account.json is not None
    assert "tasks service account" in other_account.json["reason"]
    other_function = plan.post("/", json=PLAN_BODY, headers=bearer(TASKS, checked.settings.notify_url))
    assert other_function.status_code == 401 and other_function.json is not None
    assert "audience" in other_function.json["reason"]
    token = mint_id_token(TASKS, url)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert plan.post("/", json=PLAN_BODY, headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    expired = mint_id_token(TASKS, url, now=time.time() - 7200)
    assert plan.post("/", json=PLAN_BODY, headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    assert plan.post("/", json=PLAN_BODY, headers={"Authorization": "Basic x"}).status_code == 401
    assert nothing_done(checked)


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
    iam = (Path(__file__).resolve().parents[2] / "terraform" / "iam.tf").read_text()
    assert 'account_id   = "na-${replace(each.key, "_", "-")}"' in iam
    assert "\n    tasks_invoker = " in iam and "\n    scheduler     = " in iam
    assert nothing_done(checked)


def test_the_local_profile_without_a_tasks_account_checks_nothing(fakes: FakeContainer) -> None:
    """What tests' in-process stacks run: the queue adapter then sends no token either."""
    assert fakes.settings.profile == "local" and not fakes.settings.tasks_service_account
    assert client("plan", fakes).post("/", json=PLAN_BODY).status_code == 200


# --- production: Google-signed tokens only ----------------------------------------------------------


@pytest.fixture(scope="module")
def google_key() -> tuple[bytes, bytes]:
    """A stand-in for one of Google's signing keys: (private key PEM, certificate PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stand-in")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return private, cert.public_bytes(serialization.Encoding.PEM)


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


def google_token(private: bytes, email: str, audience: str, kid: str = "k1", **claims: Any) -> str:
    now = int(time.time())
    payload: dict[str, Any] = {"iss": "https://accounts.google.com", "aud": audience, "email": email}
    payload |= {"email_verified": True, "iat": now, "exp": now + 3600, "sub": "1"} | claims
    signer = crypt.RSASigner.from_string(private, key_id=kid)  # type: ignore[no-untyped-call]  # google-auth
    token: bytes = jwt.encode(signer, payload)  # type: ignore[no-untyped-call]  # google-auth: unannotated
    return token.decode()


def request(path: str = "/", token: str | None = None) -> Request:
    """A request to ``path``, with ``token`` as its bearer token if given."""
    headers = [] if token is None else [("Authorization", f"Bearer {token}")]
    return Request(EnvironBuilder(path=path, headers=headers).get_environ())


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch, google_key: tuple[bytes, bytes]) -> list[int]:
    """Google's certificates are the stand-in's; each fetch is counted."""
    fetches: list[int] = []

    def fetch() -> dict[str, str]:
        fetches.append(1)
        return {"k1": google_key[1].decode()}

    monkeypatch.setattr(_caller, "fetch_certs", fetch)
    monkeypatch.setattr(_caller, "_certs", {"at": 0.0, "certs": None})
    return fetches


def check(token: str, path: str = "/", target: Target = Target.PLAN) -> None:
    _caller.check_caller(request(path, token), PROD, target)


def test_production_takes_a_google_signed_token_of_the_tasks_account_for_its_url(
    google: list[int], google_key: tuple[bytes, bytes]
) -> None:
    private = google_key[0]
    check(google_token(private, TASKS, "https://plan.example"))
    check(google_token(private, TASKS, "https://plan.example"))
    assert len(google) == 1  # the certificates are fetched once per instance, not per task
    check(google_token(private, SCHEDULER, "https://execute_step.example"), "/sweep", Target.EXECUTE_STEP)
    with pytest.raises(Forbidden):
        check(google_token(private, SCHEDULER, "https://plan.example"))
    with pytest.raises(Forbidden):
        check(google_token(private, TASKS, "https://plan.example", email_verified=False))
    with pytest.raises(Unauthenticated, match="audience"):
        check(google_token(private, TASKS, "https://notify.example"))
    with pytest.raises(Unauthenticated, match="Google"):
        check(google_token(private, TASKS, "https://plan.example", iss="https://evil.example"))


def test_production_never_takes_the_emulators_tokens_nor_an_unknown_key(
    google: list[int], google_key: tuple[bytes, bytes]
) -> None:
    with pytest.raises(Unauthenticated):
        check(mint_id_token(TASKS, "https://plan.example"))  # signed with the public local key
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fetched = len(google)
    with pytest.raises(Unauthenticated):
        check(google_token(other, TASKS, "https://plan.example", kid="k2"))
    assert len(google) - fetched <= 1  # an unknown key refetches Google's certificates, once at most
    with pytest.raises(Unauthenticated, match="OIDC ID token"):
        _caller.check_caller(request(), PROD, Target.PLAN)
