"""Who may call the task functions, checked in code besides IAM: the OIDC ID token (``Authorization:
Bearer``) of the tasks service account, for this function's URL; on Cloud Scheduler's routes (``POST
/sweep``, ``POST /schedule``) also the scheduler's account. The profile chooses the verifier:
production takes only Google-signed tokens (Google's certificates, cached per instance), the local
profile the tasks emulator's (``local.tasks_emulator``, never packaged). Libraries load on first use.
"""

import json
import threading
import time
from typing import Any

from flask import Request

from shared.config import Settings, Target
from shared.errors import Forbidden, Unauthenticated

SCHEDULER_ROUTES = ("/sweep", "/schedule")
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"  # Google's ID-token signing certificates
CERTS_TTL_S = 3600.0  # Google rotates its keys over days; an unknown key id refetches sooner
_certs: dict[str, Any] = {"at": 0.0, "certs": None}
_lock = threading.Lock()


def scheduler_account(tasks_account: str) -> str:
    """Cloud Scheduler's account, beside the tasks account: terraform/iam.tf names the platform
    accounts ``na-<key>@<project>.iam.gserviceaccount.com`` (``tasks_invoker``, ``scheduler``)."""
    return "na-scheduler@" + tasks_account.partition("@")[2]


def check_caller(request: Request, settings: Settings, target: Target) -> None:
    """Return if the caller is the tasks service account (on a scheduler route, Cloud Scheduler's)
    with a token for this function's URL. Raise Unauthenticated (401) for a missing or failing token,
    Forbidden (403) for another account's. The local profile without a tasks service account checks
    nothing: nothing there sends tokens (in-process test stacks); a production deployment must name
    the account (shared.config) and is always checked."""
    account = settings.tasks_service_account
    if settings.profile != "production" and not account:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("a task function needs its caller's OIDC ID token (Authorization: Bearer)")
    audience = settings.target_url(target)
    try:
        claims = _verify(token.strip(), audience, production=settings.profile == "production")
    except ValueError as exc:
        raise Unauthenticated(f"the caller's ID token was refused: {str(exc)[:200]}") from None
    allowed = {account}
    if request.path.rstrip("/") in SCHEDULER_ROUTES:
        allowed.add(scheduler_account(account))
    if claims.get("email") not in allowed or claims.get("email_verified") is not True:
        raise Forbidden("this function answers only the tasks service account (and Cloud Scheduler's routes)")


def _verify(token: str, audience: str, production: bool) -> dict[str, Any]:
    """The token's claims if it is valid for ``audience``; ValueError otherwise."""
    if not production:
        from local.tasks_emulator import verify_id_token

        return verify_id_token(token, audience)
    from google.auth import exceptions, jwt

    for fresh in (False, True):
        try:
            claims: dict[str, Any] = jwt.decode(token, certs=google_certs(fresh), audience=audience)  # type: ignore[no-untyped-call]
        except (ValueError, exceptions.GoogleAuthError) as exc:
            if fresh:
                raise ValueError(str(exc)) from None
            continue  # a key Google added since the certificates were fetched: fetch them again
        if claims.get("iss") not in ("https://accounts.google.com", "accounts.google.com"):
            raise ValueError("the token was not issued by Google")
        return claims
    raise AssertionError("unreachable")


def google_certs(fresh: bool = False) -> dict[str, str]:
    """Google's current certificates by key id, fetched at most once a minute (once an hour unless
    ``fresh``)."""
    with _lock:
        age = time.monotonic() - _certs["at"]
        if _certs["certs"] is None or age > CERTS_TTL_S or (fresh and age > 60):
            _certs["certs"], _certs["at"] = fetch_certs(), time.monotonic()
        certs: dict[str, str] = _certs["certs"]
        return certs


def fetch_certs() -> dict[str, str]:
    """Google's certificates (ValueError if they cannot be had: the task is answered 401 and retried)."""
    import google.auth.transport.requests
    from google.auth import exceptions

    try:
        response = google.auth.transport.requests.Request()(GOOGLE_CERTS_URL, method="GET")
        certs: dict[str, str] = json.loads(response.data) if response.status == 200 else {}
    except (ValueError, exceptions.GoogleAuthError):
        certs = {}
    if not certs:
        raise ValueError("Google's certificates could not be fetched")
    return certs
