"""Connect Google (docs/mail.md, docs/calendar.md). :func:`begin` hands out Google's consent URL with a
signed state bound to the tenant, the person and what the consent is for. :func:`complete` takes
Google's redirect and uses the state up once; it exchanges the code with PKCE's verifier, checks every
scope and the consenting account, then connects the agent's mailbox or the person's calendar. A grant
that fails a check is revoked at once: nothing is kept, nothing stays granted."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.calendar.services.connect import connect_calendar
from shared.google.domain import consent as dc
from shared.mail.services.connect import connect_mailbox
from shared.platform.config import PlatformSecret
from shared.platform.errors import Conflict, Forbidden, InvalidInput, Unauthenticated
from shared.sync.domain.oauth import challenge, verifier
from shared.workspace.domain.connecting.connection import frontend_redirect, nonce_key

if TYPE_CHECKING:
    from shared.calendar.services.intake import CalendarIntake
    from shared.google.ports import GoogleOAuth
    from shared.mail.ports import Gmail, Mailboxes
    from shared.platform.ports import SecretStore
    from shared.workspace.ports import OAuthStateStore

log = logging.getLogger(__name__)
_CODE = re.compile(r"[!-~]{1,1000}")
_ADDRESS = re.compile(dc.ADDRESS)


class MailParts(NamedTuple):
    """What connecting an agent's mailbox uses: Gmail, the mailboxes and the topic watched onto."""

    gmail: Gmail
    mailboxes: Mailboxes
    topic: str


class GoogleConnect(NamedTuple):
    """What Connect Google uses: Google's endpoints, the used states, the secrets, the client's id, the
    consent page's URL, the redirect URI registered with the client and the console's URL. Then the
    mailboxes' and the calendars' parts (None: this deployment connects none of them) and a clock."""

    oauth: GoogleOAuth
    states: OAuthStateStore
    secrets: SecretStore
    client_id: str
    authorize_base: str
    redirect_uri: str
    frontend_url: str
    mail: MailParts | None
    calendar: CalendarIntake | None
    now: Callable[[], float] = time.time


def _offered(consent: dc.Consent, parts: GoogleConnect) -> None:
    if consent.purpose == "mailbox" and parts.mail is None:
        raise Conflict("this deployment watches no mailboxes (its operator sets NA_MAIL_TOPIC, docs/mail.md)")
    if consent.purpose == "calendar" and parts.calendar is None:
        raise Conflict(
            "this deployment connects no calendars (its operator sets NA_CALENDAR_PUSH_ADDRESS, docs/calendar.md)"
        )


def mailbox_consent(address: str, agent_id: str) -> dc.Consent:
    """The consent an agent's address needs; InvalidInput for an address that is none."""
    address = address.strip().lower()
    if len(address) > 320 or not _ADDRESS.fullmatch(address):
        raise InvalidInput(
            "the agent's address must be an email address like scribe@acme.example", ["address"]
        )
    return dc.Consent("mailbox", address, agent_id)


def begin(tenant_id: str, member_id: str, consent: dc.Consent, parts: GoogleConnect) -> dict[str, Any]:
    """Google's consent URL for ``consent``, for this person and workspace, valid 10 minutes; writes
    nothing. 409 when the deployment does not connect such a thing, or the address is another
    workspace's mailbox."""
    _offered(consent, parts)
    if consent.purpose == "mailbox" and parts.mail is not None:
        found = parts.mail.mailboxes.get(consent.account)
        if found is not None and found.tenant_id != tenant_id:
            raise Conflict("this address is connected as another workspace's agent mailbox")
    key = parts.secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    nonce, state = dc.new_state(key, parts.now(), tenant_id, member_id, consent)
    code_challenge = challenge(verifier(key, nonce))
    url = dc.authorize_url(
        parts.authorize_base,
        parts.client_id,
        parts.redirect_uri,
        consent,
        state=state,
        challenge=code_challenge,
    )
    return {"authorize_url": url, "expires_in_s": int(dc.STATE_TTL_S)}


class Caller(NamedTuple):
    """Who comes back from Google: the tenant, the member, their role now and their Notion user id."""

    tenant_id: str
    member_id: str
    role: str
    notion_user_id: str


def complete(caller: Caller, args: Mapping[str, str], parts: GoogleConnect) -> str:
    """The console's URL to send the browser to after Google's redirect (``args``: its query).

    400, nothing stored: a forged, expired or used state, or one issued to another person or
    workspace; a refused consent (``error``, the state used up); a code Google refuses; a scope left
    unticked; another account than the one asked. 403: a mailbox's consent completed by a
    member no longer the owner. 409: the address is another workspace's mailbox."""
    now = parts.now()
    key = parts.secrets.get(PlatformSecret.SESSION_SIGNING_KEY)
    nonce, consent = dc.checked_state(args.get("state", ""), key, now, caller.tenant_id, caller.member_id)
    code, refused = args.get("code", ""), re.sub(r"[^a-z_]", "", args.get("error", "").lower())[:64]
    if not args.get("error") and not _CODE.fullmatch(code):
        raise InvalidInput("Google's redirect lacks a code of 1 to 1000 visible ASCII characters", ["code"])
    if not parts.states.use(nonce_key(nonce), datetime.fromtimestamp(now + dc.STATE_TTL_S, UTC)):
        raise InvalidInput("this Connect Google link was already used: connect Google again", ["state"])
    if args.get("error"):
        said = refused or "unknown_error"
        raise InvalidInput(f"Google's consent was not given ({said}): nothing was connected", ["error"])
    if consent.purpose == "mailbox" and caller.role != "owner":
        raise Forbidden("only the workspace's owner connects an agent's mailbox")
    _offered(consent, parts)
    try:
        answer = parts.oauth.exchange(code, verifier(key, nonce), parts.redirect_uri)
    except Unauthenticated:
        raise InvalidInput(
            "Google refused the consent's code (already used, expired, or not for this client): nothing "
            "was connected; connect Google again",
            ["code"],
        ) from None
    refresh = _checked(answer, consent, caller.tenant_id, parts)
    if consent.purpose == "mailbox" and parts.mail is not None:
        m = parts.mail
        connect_mailbox(
            consent.account,
            caller.tenant_id,
            consent.agent_id or None,
            refresh,
            topic=m.topic,
            gmail=m.gmail,
            mailboxes=m.mailboxes,
            secrets=parts.secrets,
        )
    elif parts.calendar is not None:
        connect_calendar(consent.account, caller.tenant_id, caller.notion_user_id, refresh, parts.calendar)
    log.info("google: a %s connected", consent.purpose)
    return frontend_redirect(parts.frontend_url, {"google": consent.purpose, "connected": "true"})


def _checked(answer: dict[str, Any], consent: dc.Consent, tenant_id: str, parts: GoogleConnect) -> str:
    """The refresh token of a grant that holds every check; else the grant is revoked and the refusal
    raised."""
    try:
        refresh = dc.refresh_token_of(answer, consent)
        try:
            account = parts.oauth.account(str(answer.get("id_token", "")))
        except Unauthenticated:
            raise InvalidInput(
                "Google named no verified account for this consent: nothing was connected"
            ) from None
        if account != consent.account:
            raise InvalidInput(
                f"Google's consent was given as another account than {consent.account}: sign in to Google "
                "as that account and connect again; nothing was connected",
                ["account"],
            )
        if consent.purpose == "mailbox" and parts.mail is not None:
            found = parts.mail.mailboxes.get(consent.account)
            if found is not None and found.tenant_id != tenant_id:
                raise Conflict("this address is connected as another workspace's agent mailbox")
        return refresh
    except (InvalidInput, Conflict):
        token = str(answer.get("refresh_token") or answer.get("access_token") or "")
        if token:
            parts.oauth.revoke(token)
        raise
