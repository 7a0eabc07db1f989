"""Connecting Google with its OAuth 2.0 web-server flow (docs/mail.md, docs/calendar.md), pure. What a
consent is for (an agent's mailbox, or the person's own calendar) and the scopes each asks. Google's
consent URL: the code flow, offline access, PKCE's S256. The signed state bound to the tenant, the
person and the consent. The checks of Google's answer: every scope granted, a refresh token."""

from __future__ import annotations

import hmac
import secrets
from typing import Any, Literal, NamedTuple
from urllib.parse import urlencode

from shared.platform.domain import signed_tokens
from shared.platform.errors import InvalidInput, Unauthenticated

STATE_PURPOSE = "google_connect_state"
STATE_TTL_S = 600.0
GMAIL_READ = "https://www.googleapis.com/auth/gmail.readonly"
GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send"
CALENDAR_READ = "https://www.googleapis.com/auth/calendar.readonly"
SIGN_IN = ("openid", "email")  # the id_token naming the account that consented
# An agent's address as Connect Google takes it (the route's schema states it too).
ADDRESS = r"^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,63}$"
type Purpose = Literal["mailbox", "calendar"]
# What each consent asks beyond signing in: Gmail read and send (the agent's replies), the calendar read.
SCOPES: dict[Purpose, tuple[str, ...]] = {"mailbox": (GMAIL_READ, GMAIL_SEND), "calendar": (CALENDAR_READ,)}


class Consent(NamedTuple):
    """What a connect is for: ``purpose``, the Google account that must consent (``account``: the
    agent's address, or the person's own), and for a mailbox the agent it is given to."""

    purpose: Purpose
    account: str
    agent_id: str = ""


def new_state(key: str, now: float, tenant_id: str, member_id: str, consent: Consent) -> tuple[str, str]:
    """A fresh nonce and the signed state naming it, the tenant, the member and ``consent``, valid
    10 minutes (nothing secret: the account's address and the agent's id)."""
    nonce = secrets.token_urlsafe(24)
    claims = {
        "purpose": STATE_PURPOSE,
        "nonce": nonce,
        "bound": f"{tenant_id}|{member_id}",
        "consent": list(consent),
    }
    return nonce, signed_tokens.sign(claims, key, STATE_TTL_S, now=now)


def _again(why: str) -> InvalidInput:
    return InvalidInput(f"{why}: connect Google again from Integrations", ["state"])


def checked_state(state: str, key: str, now: float, tenant_id: str, member_id: str) -> tuple[str, Consent]:
    """The nonce and consent of a genuine, unexpired state issued to this member of this tenant;
    InvalidInput (400) naming what is wrong otherwise."""
    try:
        claims = signed_tokens.verify(state, key, STATE_PURPOSE, now=now) if state else None
    except Unauthenticated as exc:
        raise _again(f"the Connect Google state is not valid ({exc.reason})") from None
    if claims is None:
        raise _again("Google's redirect lacks its state")
    bound = f"{tenant_id}|{member_id}".encode()
    if not hmac.compare_digest(str(claims.get("bound", "")).encode(), bound):
        raise _again("the Connect Google state was issued to another person or workspace")
    purpose, account, agent_id = claims.get("consent") or ("", "", "")
    if purpose not in SCOPES:
        raise _again("the Connect Google state names no consent")
    return str(claims.get("nonce", "")), Consent(purpose, str(account), str(agent_id))


def authorize_url(
    base: str, client_id: str, redirect_uri: str, consent: Consent, *, state: str, challenge: str
) -> str:
    """Google's consent page for ``consent``: the code flow, offline access (a refresh token), the
    consent screen each time (so Google gives the refresh token again), the account as the hint."""
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join((*SIGN_IN, *SCOPES[consent.purpose])),
        "access_type": "offline",
        "prompt": "consent",
        "login_hint": consent.account,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{base}?{urlencode(query)}"


def refresh_token_of(answer: dict[str, Any], consent: Consent) -> str:
    """The refresh token of Google's token answer; InvalidInput naming the scopes the person left
    unticked (Google lets each be refused), or the missing refresh token. Nothing is kept then."""
    granted = set(str(answer.get("scope", "")).split())
    missing = [s.rsplit("/", 1)[-1] for s in SCOPES[consent.purpose] if s not in granted]
    if missing:
        raise InvalidInput(
            f"Google's consent left out {', '.join(missing)}, which the {consent.purpose} needs: nothing was "
            "connected; connect Google again and tick every box",
            ["scope"],
        )
    token = answer.get("refresh_token")
    if not isinstance(token, str) or not token:
        raise InvalidInput("Google gave no refresh token (offline access): nothing was connected", ["code"])
    return token
