"""Who may call the task functions, checked in code besides IAM: the tasks service account's OIDC ID
token for this function's URL; on Cloud Scheduler's routes (``/sweep``, ``/schedule``,
``/doctor/round``, ``/calendar/tick``, ``/mail-watches``) also the scheduler's account. Cloud Run checks the token's signature itself and forwards it with the signature
replaced by ``SIGNATURE_REMOVED_BY_GOOGLE`` (decision 0046), so every profile checks the claims of the
token as forwarded: issuer, audience, account, email_verified, expiry. A token still signed, or never
signed, did not pass that check and is refused. Each refusal is one ``task_caller_refused`` WARNING
line with its status and reason, never the token. Locally ``local.cloud_run_front`` is Cloud Run's front.
"""

import base64
import binascii
import json
import logging
import time
from typing import Any

from flask import Request

from shared.platform.config import Settings
from shared.platform.errors import AgentError, Forbidden, Unauthenticated
from shared.platform.topology import Target

CALENDAR_TICK = "/calendar/tick"  # plan's: calendars' channels renewed, meetings' runs started
SCHEDULER_ROUTES = (
    "/sweep",
    "/schedule",
    "/doctor/round",
    CALENDAR_TICK,
    "/mail-watches",
)  # doctor.ROUND_ROUTE; mail WATCHES_ROUTE
SIGNATURE_REMOVED = "SIGNATURE_REMOVED_BY_GOOGLE"  # what Cloud Run puts in place of the signature
GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")
CLOCK_SKEW_S = 30  # Cloud Run's clock and this instance's may differ by a little

log = logging.getLogger("functions.caller")


def scheduler_account(tasks_account: str) -> str:
    """Cloud Scheduler's account, beside the tasks account: terraform/iam.tf names the platform
    accounts ``na-<key>@<project>.iam.gserviceaccount.com`` (``tasks_invoker``, ``scheduler``)."""
    return "na-scheduler@" + tasks_account.partition("@")[2]


def check_caller(request: Request, settings: Settings, target: Target) -> None:
    """Return if the caller is the tasks service account (on a scheduler route, Cloud Scheduler's)
    with a token, as Cloud Run forwards it, for this function's URL. Raise Unauthenticated (401) for a
    missing, unreadable, unstripped, expired or misaddressed token, Forbidden (403) for another
    account's; log either as one ``task_caller_refused`` WARNING line. The local profile without a
    tasks service account checks nothing: nothing there sends tokens (in-process test stacks); a
    production deployment must name the account (shared.platform.config) and is always checked."""
    account = settings.tasks_service_account
    if settings.profile != "production" and not account:
        return
    try:
        _check(request, settings, target, account)
    except (Unauthenticated, Forbidden) as exc:
        _log_refusal(exc)
        raise


def _check(request: Request, settings: Settings, target: Target, account: str) -> None:
    if "X-Serverless-Authorization" in request.headers:
        # Cloud Run checks this header instead of Authorization and passes Authorization on as sent.
        raise Unauthenticated("the caller's ID token came in X-Serverless-Authorization, which no queue uses")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("a task function needs its caller's OIDC ID token (Authorization: Bearer)")
    claims = forwarded_claims(token.strip())
    if claims.get("iss") not in GOOGLE_ISSUERS:
        raise Unauthenticated("the caller's ID token was not issued by Google")
    audience = settings.target_url(target)
    if claims.get("aud") != audience:
        raise Unauthenticated("the caller's ID token is for another audience than this function's URL")
    expiry = claims.get("exp")
    if not isinstance(expiry, int | float) or isinstance(expiry, bool) or expiry + CLOCK_SKEW_S < time.time():
        raise Unauthenticated("the caller's ID token has expired or has no expiry")
    allowed = {account}
    if request.path.rstrip("/") in SCHEDULER_ROUTES:
        allowed.add(scheduler_account(account))
    if claims.get("email") not in allowed or claims.get("email_verified") is not True:
        raise Forbidden("this function answers only the tasks service account (and Cloud Scheduler's routes)")


def forwarded_claims(token: str) -> dict[str, Any]:
    """The claims of an ID token as Cloud Run forwards it (``header.claims.SIGNATURE_REMOVED_BY_GOOGLE``).
    Unauthenticated for any other shape: a real signature means the token did not pass Cloud Run's IAM
    check on the way in (decision 0046), and none means it was never signed."""
    parts = token.split(".")
    if len(parts) != 3:
        raise Unauthenticated("the caller's ID token is not a JWT")
    if parts[2] != SIGNATURE_REMOVED:
        raise Unauthenticated(
            "the caller's ID token was not forwarded by Cloud Run (its signature was not removed)"
        )
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        claims = None
    if not isinstance(claims, dict):
        raise Unauthenticated("the caller's ID token has unreadable claims")
    return claims


def _log_refusal(exc: AgentError) -> None:
    """One WARNING line with ``fields`` ``event``, ``status`` and ``reason`` (the log metric's filter
    is ``jsonPayload.fields.event``, as every other metric's)."""
    log.warning(
        "task caller refused (%d): %s",
        exc.http_status,
        exc.reason,
        extra={"fields": {"event": "task_caller_refused", "status": exc.http_status, "reason": exc.reason}},
    )
