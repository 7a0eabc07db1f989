"""A workspace's team: its members, their roles (owner, admin, editor, viewer), the invites an owner
or admin sent, and who may approve each class of request. Pure; stored in the tenant's document.

The owner is the person who connected the workspace (``Tenant.owner_user_id``), read as the owner
member; the others are kept in ``Tenant.members``. What each role may do: docs/security.md, "Roles".
"""

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from pydantic import ConfigDict, Field

from shared.platform.domain.schema import Record

type Role = Literal["owner", "admin", "editor", "viewer"]
ROLES: tuple[Role, ...] = ("viewer", "editor", "admin", "owner")  # from least to most
RANK: dict[str, int] = {role: rank for rank, role in enumerate(ROLES)}
OWNER: Role = "owner"

MAX_MEMBERS = 200  # a tenant's members and pending invites, each: bounds the tenant's document
INVITE_PREFIX = "namem_"  # a member invite's code; a sign-up invite's is "nainv_" (shared.workspace.domain.connecting.signup)
MEMBER_INVITE_CODE = r"namem_[A-Za-z0-9_-]{32}"  # a member invite's code: the prefix, 32 base64url
_INVITE = re.compile(MEMBER_INVITE_CODE)
INVITE_TTL_S = 7 * 24 * 3600
# An invited address, strictly (an address once held markup, shown in the team's table and
# mailed): before the @ at most 64 ASCII letters, digits and _ % + - . (not first nor last a dot); after
# it two or more dot-separated labels of at most 63 letters, digits, _ and - (an internationalised
# domain in its xn-- form). Nothing that reads as markup or quoting (< > " ' & ` ; and spaces) fits.
# The route's schema states it (the contract) and checks it with :func:`invite_email`'s words; the
# service checks it again for its other callers.
_LOCAL = r"[A-Za-z0-9_%+-](?:[A-Za-z0-9_%+.-]{0,62}[A-Za-z0-9_%+-])?"
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
INVITE_EMAIL = rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})+$"
_INVITE_EMAIL = re.compile(INVITE_EMAIL)


def invite_email(email: str) -> str:
    """``email`` when it is an address one may invite (``INVITE_EMAIL``); else a ValueError saying what
    such an address is."""
    if not _INVITE_EMAIL.fullmatch(email):
        raise ValueError(
            "is not one address such as ada@example.com: before the @ only letters, digits and . _ % + -,"
            " after it a domain such as example.com"
        )
    return email


# Invites mailed a UTC day: to one address (a re-sent invite counts again), and by one workspace.
INVITES_PER_ADDRESS_DAY = 3
INVITES_PER_TENANT_DAY = 50
# ``data["kind"]`` of the mail carrying an invite's link to the address invited (``data["to"]``), only
# while that invite is open (shared.notify.services.channels); notify mints the link as it sends.
INVITE_KIND = "member_invite"


def at_least(role: str, needed: str) -> bool:
    """Whether ``role`` may do what ``needed`` may (an unknown role may do nothing)."""
    return RANK.get(role, -1) >= RANK[needed]


def role_refusal(role: str, needed: str) -> str:
    """Why a person of ``role`` may not do what needs ``needed``: a 403's reason."""
    return (
        f"your role ({role or 'none'}) may not do this: it needs {needed} or above; ask the workspace's "
        "owner or an admin (docs/security.md, 'Roles')"
    )


def may_grant(actor: str, role: str) -> bool:
    """Whether a person of role ``actor`` may give ``role`` (by an invite or a change): never owner;
    the owner any other role, an admin only those below theirs."""
    return role != OWNER and role in RANK and (actor == OWNER or RANK.get(actor, -1) > RANK[role])


def may_manage(actor: str, target: str) -> bool:
    """Whether a person of role ``actor`` may change or remove a member of role ``target``: never
    the owner; the owner anyone else, an admin only those below them."""
    return target != OWNER and (actor == OWNER or RANK.get(actor, -1) > RANK.get(target, 99))


def member_id_for(notion_user_id: str) -> str:
    """A member's id, derived from their Notion user id (plain: no hyphens, lower case), so the same
    person is the same member whichever way they signed in; a hash, so ids in URLs name no Notion id."""
    plain = notion_user_id.replace("-", "").lower()
    return "m_" + hashlib.sha256(f"notion-user:{plain}".encode()).hexdigest()[:24]


def owner_member_id(owner_user_id: str, owner_email: str) -> str:
    """The owner member's id: by their Notion user id; by email for a tenant stored without one."""
    if owner_user_id:
        return member_id_for(owner_user_id)
    return "m_" + hashlib.sha256(f"email:{owner_email.strip().lower()}".encode()).hexdigest()[:24]


class Member(Record):
    """A person of the team. ``epoch`` is named by each of their sessions: removing them (or adding
    them again) leaves no earlier session acting. ``signed_out_at``: their own latest sign-out."""

    model_config = ConfigDict(extra="ignore")

    member_id: str
    notion_user_id: str
    email: str = ""
    name: str = ""
    role: Role
    added_at: datetime
    added_by: str = ""  # the member id of who invited them ("" for the owner)
    epoch: str = ""
    signed_out_at: datetime | None = None


class MemberInvite(Record):
    """An invite an owner or admin sent: only its code's SHA-256 is kept (:func:`invite_key`)."""

    model_config = ConfigDict(extra="ignore")

    invite_id: str  # 16 random hex digits: what the api names it by
    key: str  # sha256 of the code
    email: str
    role: Role
    invited_by: str
    created_at: datetime
    expires_at: datetime


def new_invite_id() -> str:
    return secrets.token_hex(8)


def invite_code(key: str, tenant_id: str, invite_id: str) -> str:
    """An invite's code: an HMAC of the tenant and invite under ``key`` (the session signing key), so
    notify can mint the mailed link again while only the code's SHA-256 is stored. Shown once."""
    mac = hmac.new(key.encode(), f"member-invite:{tenant_id}:{invite_id}".encode(), hashlib.sha256)
    return INVITE_PREFIX + base64.urlsafe_b64encode(mac.digest()).decode()[:32]


INVITE_WORKSPACE_HEADER = "X-Invite-Workspace"  # how the console names an invite link's workspace


def invite_link(frontend: str, code: str, tenant_id: str = "") -> str:
    """The console's link that admits the invite's person: the code in the fragment, never sent, and
    the workspace it is for, by which the console asks what it is for (``GET /invite``)."""
    workspace = f"&workspace={quote(tenant_id, safe='')}" if tenant_id else ""
    return f"{frontend.split('#', 1)[0]}#invite={code}{workspace}"


def is_member_invite(code: str) -> bool:
    """Whether ``code`` has the shape of a member invite's code."""
    return bool(_INVITE.fullmatch(code))


def invite_key(code: str) -> str:
    return hashlib.sha256(f"member-invite:{code}".encode()).hexdigest()


def new_epoch() -> str:
    return secrets.token_urlsafe(16)


# Who may approve what: one role per class of request, at least editor; a production deployment's
# approval is the owner's alone unless the owner lets admins give it.
type Deciding = Literal["owner", "admin", "editor"]  # a viewer decides nothing
type DecisionClass = Literal["question", "approval", "budget", "beyond_reach", "production"]
DECISION_CLASSES: tuple[DecisionClass, ...] = ("question", "approval", "budget", "beyond_reach", "production")
# The classes of the request a member's run waits on for a read beyond its reach (``decision_classes``
# of an approval naming the read: ``shared.engine.agent.approvals.gated``).
BEYOND_REACH_READ: tuple[DecisionClass, ...] = ("approval", "beyond_reach")


class InvitesSent(Record):
    """The invites a workspace mailed on one UTC ``day``: in all, and to each address (by its hash,
    ``shared.workspace.domain.tenants.address_hash``). A new day starts from nothing."""

    model_config = ConfigDict(extra="ignore")

    day: str = ""  # YYYY-MM-DD
    total: int = 0
    to: dict[str, int] = Field(default_factory=dict)

    def refusal(self, address_key: str, day: str) -> str | None:
        """Why one more invite to ``address_key`` on ``day`` is past a daily cap; None if it is not."""
        if self.day != day:
            return None
        if self.to.get(address_key, 0) >= INVITES_PER_ADDRESS_DAY:
            return f"this address was sent {INVITES_PER_ADDRESS_DAY} invites today, the most a day"
        if self.total >= INVITES_PER_TENANT_DAY:
            return f"this workspace sent {INVITES_PER_TENANT_DAY} invites today, the most a day"
        return None

    def counted(self, address_key: str, day: str) -> "InvitesSent":
        """These counts with one more invite to ``address_key`` on ``day``."""
        if self.day != day:
            return InvitesSent(day=day, total=1, to={address_key: 1})
        to = self.to | {address_key: self.to.get(address_key, 0) + 1}
        return InvitesSent(day=day, total=self.total + 1, to=to)


class Approvers(Record):
    """The least role that approves (or answers) each class of request; anyone at least an editor
    may reject any request (stopping is always safe)."""

    model_config = ConfigDict(extra="forbid")

    question: Deciding = Field("editor", description="answer a run's question")
    approval: Deciding = Field("editor", description="approve a request that names no change")
    budget: Deciding = Field("admin", description="approve going past a budget")
    beyond_reach: Deciding = Field("admin", description="approve a change or read beyond a run's own pages")
    production: Literal["owner", "admin"] = Field("owner", description="approve a production deployment")

    def needed(self, classes: tuple[DecisionClass, ...]) -> Role:
        """The least role that approves a request of all of ``classes`` (the strictest of theirs)."""
        roles = [getattr(self, c) for c in classes] or ["editor"]
        return max(["editor", *roles], key=RANK.__getitem__)

    def reads_everything(self, role: str) -> bool:
        """Whether a person of ``role`` reads the whole workspace without anyone's approval: the owner,
        and a role that approves a read beyond a run's reach itself (a request of
        :data:`BEYOND_REACH_READ`, as ``shared.engine.services.humans`` decides it). Below it, a person's
        reads beyond their reach wait for someone else's approval, so their Ask searches only within it
        (``Tenant.ask_scopes``)."""
        return role == OWNER or at_least(role, self.needed(BEYOND_REACH_READ))


def decision_classes(
    purpose: str, effects: tuple[str, ...], budget: bool, production_prefix: str
) -> tuple[DecisionClass, ...]:
    """The classes of a waiting request: a production deployment, a change or read beyond the run's
    own pages, going past a budget; a question, or else an approval naming no change."""
    found: list[DecisionClass] = ["question" if purpose == "question" else "approval"]
    if any(e.startswith(production_prefix) for e in effects):
        found.append("production")
    if any(not e.startswith(production_prefix) for e in effects):
        found.append("beyond_reach")
    if budget:
        found.append("budget")
    return tuple(found)
