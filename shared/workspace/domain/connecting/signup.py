"""Who may connect a new workspace: the operator's sign-up policy, and the invite codes it may ask for.

The policy (``NA_SIGNUP_POLICY``) is checked by the oauth-callback once Notion has said which
workspace and which person a grant is for, before anything is stored. An invite code is a random
secret the operator makes (``make invite``); only its SHA-256 is stored (``invites/{hash}``) and only
that hash travels in the signed OAuth state, so neither Firestore, a URL nor a log holds a code.
Why: docs/decisions/0051-who-may-connect.md.
"""

import hashlib
import re
import secrets
from typing import Literal, NamedTuple

type Policy = Literal["open", "allowlist", "invite"]

INVITE_PREFIX = "nainv_"
# The code as an operator hands it out: the prefix and 32 URL-safe characters (about 190 bits).
_INVITE = re.compile(r"nainv_[A-Za-z0-9_-]{32}")
INVITE_HEADER = "X-Invite-Code"  # how the console sends a code to GET /connect: never in a URL


class Refusal(NamedTuple):
    """A connection the policy refuses: the error the frontend is sent, and why, in words."""

    error: str
    reason: str


NOT_ALLOWED = Refusal(
    "not_allowed",
    "This service admits only the workspaces and email domains its operator chose, and this one is "
    "not among them: nothing was connected and the access Notion gave was revoked. Ask the operator "
    "to add your workspace or your email's domain.",
)
NOT_INVITED = Refusal(
    "not_invited",
    "This service admits new workspaces by invitation only, and this connection brought no invite "
    "code: nothing was connected and the access Notion gave was revoked. Open the invite link the "
    "operator sent you, then connect again.",
)
INVITE_USED_UP = Refusal(
    "invite_used_up",
    "This invite code has been used as many times as it allows: nothing was connected and the access "
    "Notion gave was revoked. Ask the operator for a new invite.",
)


def new_invite_code() -> str:
    """A fresh invite code: shown to the operator once, never stored."""
    return INVITE_PREFIX + secrets.token_urlsafe(24)


def invite_key(code: str) -> str:
    """The id of ``invites/{id}`` and what the OAuth state carries: the code's SHA-256, never the code."""
    return hashlib.sha256(code.encode()).hexdigest()


def well_formed_invite(code: str) -> bool:
    """Whether ``code`` has the shape of a code ``make invite`` prints (checked before any read)."""
    return bool(_INVITE.fullmatch(code))


def allowlist_refusal(
    workspace_id: str, owner_email: str, workspaces: frozenset[str], domains: frozenset[str]
) -> Refusal | None:
    """None when the grant's workspace (``workspace_id``) is on the allowlist, or the domain of the
    email Notion gives for the person connecting is; ``NOT_ALLOWED`` otherwise. Ids compare without
    hyphens, in lower case; a domain matches exactly (``example.com`` admits no ``a.example.com``), and
    an address without exactly one ``@`` matches none."""
    if workspace_id.replace("-", "").lower() in workspaces:
        return None
    local, at, domain = owner_email.strip().lower().rpartition("@")
    if at and local and "@" not in local and domain in domains:
        return None
    return NOT_ALLOWED
