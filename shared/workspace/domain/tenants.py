"""Tenants: one connected Notion workspace each. Pure models; stored by the TenantStore port. What
the owner chose is in :mod:`shared.workspace.domain.settings`.

Email goes only to an address whose mailbox agreed to it: the owner's Notion email (Notion verified
it), or a ``notification_email`` its recipient confirmed by a signed link mailed to it
(:mod:`shared.notify.services.email_confirmation`). ``confirmed_email`` is set by that link alone, never by
PATCH /settings (it is not a setting).
"""

import hashlib
import hmac
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import ConfigDict, Field

from shared.platform.domain.schema import Record
from shared.workspace.domain.agent_home import AgentHome
from shared.workspace.domain.integrations import Integration
from shared.workspace.domain.members import (
    OWNER,
    RANK,
    Approvers,
    InvitesSent,
    Member,
    MemberInvite,
    owner_member_id,
)
from shared.workspace.domain.settings import TenantSettings, plain_notion_id
from shared.workspace.domain.triggers import Rule, Schedule

# Why a disconnected workspace's runs end: at their next step (stops) or at the disconnect itself.
DISCONNECTED = "the workspace was disconnected"


def tenant_id_for(workspace_id: str) -> str:
    """The tenant of a workspace: derived, so connecting the same workspace again finds the same one."""
    canonical = plain_notion_id(workspace_id)
    return "t_" + hashlib.sha256(f"notion-workspace:{canonical}".encode()).hexdigest()[:32]


def tenant_tag(tenant_id: str) -> str:
    """A short name of the tenant for what leaves the workspace: the keys and markers that find an
    effect again in a repository, a Vercel project or a Slack channel, which two workspaces may share.
    A run id is unique only within its tenant (every tenant's daily run is ``daily-YYYYMMDD``). A
    hash, not the id: branch names and pull request bodies may be public."""
    return hashlib.sha256(f"tenant-tag:{tenant_id}".encode()).hexdigest()[:10]


# ``data["kind"]`` of the notification asking a notification_email's recipient to confirm it: the
# only notification whose email goes to the address it names (``data["to"]``, and only while that is
# still the tenant's notification_email), not to the tenant's recipient (shared.notify.services.channels).
CONFIRMATION_KIND = "email_confirmation"


def _fold(address: str) -> str:
    """An address as compared: ASCII letters in lower case, nothing else changed (a Unicode case
    mapping could make two different mailboxes equal, the Kelvin sign and ``k`` say)."""
    return "".join(c.lower() if c.isascii() else c for c in address.strip())


def same_address(one: str | None, other: str | None) -> bool:
    """Whether two email addresses name the same mailbox, as far as we tell (case-insensitively in
    ASCII; an empty or missing one matches nothing)."""
    return bool(one and other) and _fold(one or "") == _fold(other or "")


def address_hash(address: str) -> str:
    """A short hash of an address as compared: names its confirmation (task, notification) without
    writing the address into ids and logs."""
    return hashlib.sha256(f"email:{_fold(address)}".encode()).hexdigest()[:16]


class TenantStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_RECONNECT = "needs_reconnect"  # the token was refused and could not be refreshed
    REVOKED = "revoked"


class EventRecord(NamedTuple):
    """A record of the webhook event ledger (``tenants/{t}/events/{event_id}``, shared.workspace.ports.WebhookEventLedger)."""

    created: bool  # False: the event id was already recorded (a repeat delivery)
    first_seen: datetime
    event_type: str  # the type the first record of this id was made with
    enqueued: bool = False  # the event's task was created (or found): see WebhookEventLedger
    task: dict[str, Any] | None = None  # the task the first delivery made (PlanRequest.stored)


class EventSeen(NamedTuple):
    """A delivery (or API request) as the ledger records it: its type, when it was seen, until when
    its record is kept, and the task it would make (``WebhookEventLedger.record``)."""

    event_type: str
    now: datetime
    expires_at: datetime
    task: dict[str, Any] | None = None


class Tenant(Record):
    """``tenants/{tenant_id}``. Holds the *name* of the token secret, never a token. A field a newer
    version stored is ignored by an older one."""

    model_config = ConfigDict(extra="ignore")

    tenant_id: str
    workspace_id: str
    token_secret: str
    created_at: datetime
    updated_at: datetime
    workspace_name: str = ""
    bot_id: str = ""
    owner_email: str = ""
    owner_user_id: str = ""
    owner_name: str = Field("", exclude_if=lambda v: not v)  # Notion's name for them; absent before kept
    status: TenantStatus = TenantStatus.ACTIVE
    settings: TenantSettings = Field(default_factory=TenantSettings)
    integrations: tuple[Integration, ...] = ()  # connected integrations (their tokens: Secret Manager)
    # Whom each connected integration's token acts as, as its service said at connect (GitHub's login,
    # Vercel's username...): the console names it. Absent for one connected before.
    integration_accounts: dict[str, str] = Field(default_factory=dict, exclude_if=lambda v: not v)
    # While in the future, one instance is refreshing the Notion token (the others wait for its result:
    # Notion's refresh tokens are single use). See shared.notion.services.notion_access.
    token_refresh_until: datetime | None = None
    # Every session names it (shared.team.services.sessions): a new one, on a disconnect or a connect that
    # starts the connection afresh, ends every session issued before. "": stored before it existed.
    session_epoch: str = ""
    # When the owner last signed out (DELETE /session): every session issued before it has ended,
    # on every instance, though its epoch is current (a sign-out keeps API keys and links). None: never.
    signed_out_at: datetime | None = None
    # The notification_email its recipient confirmed (POST /email-confirmations/<token>); "": none.
    confirmed_email: str = ""
    # The confirmation mails asked on the latest day one was, "<UTC day YYYYMMDD>:<address_hash>" each
    # (a bound per day: shared.notify.services.email_confirmation.MAX_ADDRESSES_PER_DAY).
    confirmations_asked: tuple[str, ...] = ()
    # When its current owner connected it afresh (someone else's connect after a disconnect): runs and
    # notifications from before are the earlier owner's, so they are not this one's to read, decide or
    # run (:meth:`owns`). None: one owner since it was created (or stored before this field).
    owner_since: datetime | None = None
    # The agent's databases in the workspace (POST /home): their ids, so nothing searches for them.
    home: AgentHome | None = None
    # The trigger rules of each agent but the default (shared.agents.services.agents keeps them in step with
    # the agents): webhook intake matches an event against them without reading the agents.
    agent_triggers: dict[str, dict[str, list[Rule]]] = Field(default_factory=dict, exclude_if=lambda v: not v)
    # The schedules of each agent that is not paused, kept in step the same way: the hourly tick finds
    # the routines due in the tenants it reads, without reading agents. None: stored before it existed
    # (the tick then reads the tenant's agents once and stores them here; decision 0081).
    agent_schedules: dict[str, tuple[Schedule, ...]] | None = Field(None, exclude_if=lambda v: v is None)
    # The event types at least one enabled webhook endpoint takes (shared.outbound keeps it in step with
    # them): an emitter reads it with the tenant it has, never the endpoints, and sends nothing when absent.
    outbound_types: tuple[str, ...] = Field((), exclude_if=lambda v: not v)
    # The team besides its owner (the owner is read from owner_user_id: :meth:`team`), the invites
    # sent, and who approves each class of request (shared.workspace.domain.members).
    members: tuple[Member, ...] = ()
    member_invites: tuple[MemberInvite, ...] = ()
    invites_sent: InvitesSent = Field(default_factory=InvitesSent, exclude_if=lambda v: not v.day)
    approvers: Approvers = Field(default_factory=Approvers)
    audit_retention_days: int = 365  # how long the audit log keeps an entry (shared.team.domain.audit)

    def owner_member(self) -> Member:
        """The person who connected the workspace, as the owner member (a tenant stored before teams
        has its owner so, on read)."""
        return Member(
            member_id=owner_member_id(self.owner_user_id, self.owner_email),
            notion_user_id=self.owner_user_id,
            email=self.owner_email,
            name=self.owner_name,
            role=OWNER,
            added_at=self.owner_since or self.created_at,
            signed_out_at=self.signed_out_at,
        )

    def team(self) -> tuple[Member, ...]:
        """The owner member first, then the others (none of them an owner)."""
        owner = self.owner_member()
        return (owner, *(m for m in self.members if m.member_id != owner.member_id))

    def member(self, member_id: str) -> Member | None:
        """The team's member of ``member_id``; None when nobody of the team has it (removed, say)."""
        return next(
            (m for m in self.team() if hmac.compare_digest(m.member_id.encode(), member_id.encode())), None
        )

    def role_of_authors(self, author_ids: list[str]) -> str:
        """The role Notion authors act with together: the least of theirs when every one is a member of
        the team, else "" (someone outside the team took part, or nobody is named)."""
        found = [self.member_of_notion_user(a) for a in author_ids]
        if not found or any(m is None for m in found):
            return ""
        return min((m.role for m in found if m is not None), key=RANK.__getitem__)

    def member_of_notion_user(self, notion_user_id: str) -> Member | None:
        """The member who is Notion user ``notion_user_id`` (hyphens and case aside); None: nobody."""
        plain = notion_user_id.replace("-", "").lower()
        if not plain:
            return None
        return next((m for m in self.team() if m.notion_user_id.replace("-", "").lower() == plain), None)

    def owns(self, created_at: datetime) -> bool:
        """Whether a run or notification created at ``created_at`` is the current owner's."""
        return self.owner_since is None or created_at >= self.owner_since

    def stops(self, started: datetime | None) -> str:
        """Why a run started at ``started`` no longer runs ("" while it does): the workspace was
        disconnected, or someone else connected it since. The run is then the earlier owner's and must
        not go on with the new owner's tokens, budget and channels. ``started`` None (not known): only
        a disconnect stops it."""
        if self.status == TenantStatus.REVOKED:
            return DISCONNECTED
        if started is not None and not self.owns(started):
            return "the workspace was connected again by someone else"
        return ""

    def member_sources(self) -> set[str]:
        """The data sources a member's run reads unasked when its trigger belongs to one (plain ids):
        those the owner chose (``settings.data_source_ids``; docs/security.md, "Runs a member
        starts")."""
        return {plain_notion_id(d) for d in self.settings.data_source_ids}

    def owner_reach(self, role: str) -> bool:
        """Whether a run a person of ``role`` starts reads with the owner's reach (decision
        0137): the owner, and a role that approves a read beyond a run's reach itself
        (:meth:`Approvers.reads_everything`, as for the Ask). Anyone else's run is a member's: it reads
        unasked only within its reach (docs/security.md, "Runs a member starts"). ``role`` "" (no
        person known): a member's."""
        return bool(role) and self.approvers.reads_everything(role)

    def ask_scopes(self, member: Member) -> list[str] | None:
        """The index scopes ``member``'s Ask searches: what a run of theirs reads without an approval.
        None (the whole index) for the owner and a role that approves a read beyond a run's reach
        (:meth:`Approvers.reads_everything`); else the data sources a member's run reads unasked
        (:meth:`member_sources`), sorted (empty: nothing)."""
        return None if self.approvers.reads_everything(member.role) else sorted(self.member_sources())

    def task_sources(self) -> list[str]:
        """Every chosen task source: the settings' data sources and the home's Tasks, each once."""
        home = self.home.tasks.data_source_id if self.home is not None and self.home.tasks else None
        chosen = [*self.settings.data_source_ids, *([home] if home else [])]
        return list({plain_notion_id(s): s for s in reversed(chosen)}.values())[::-1]

    def plan_sources(self) -> list[str]:
        """The data sources the daily plan reads: ``daily_plan_sources`` still chosen, else (none
        named) every chosen task source. Empty when the daily plan is off."""
        if not self.settings.daily_plan:
            return []
        chosen = self.task_sources()
        named = {plain_notion_id(s) for s in self.settings.daily_plan_sources}
        return [s for s in chosen if plain_notion_id(s) in named] if named else chosen

    def in_epoch(self, epoch: str) -> bool:
        """Whether ``epoch`` (a session's, an API key's, a decision link's) is this connection's: a
        disconnect sets a new ``session_epoch`` and so ends all of them. Compared in constant time."""
        return hmac.compare_digest(epoch.encode(), self.session_epoch.encode())

    def signed_out_since(self, issued_at: float) -> bool:
        """Whether the owner signed out after a session issued at ``issued_at`` (seconds since the
        epoch; 0: a session issued before sessions carried it), which has so ended."""
        return self.signed_out_at is not None and issued_at <= self.signed_out_at.timestamp()

    def email_confirmed(self) -> bool | None:
        """Whether ``notification_email`` may receive mail: it is the owner's Notion email or the
        confirmed address. None when there is no notification_email."""
        chosen = self.settings.notification_email
        if not chosen:
            return None
        return same_address(chosen, self.owner_email) or same_address(chosen, self.confirmed_email)

    def email_recipient(self) -> str:
        """Where the tenant's email notifications go: ``notification_email`` once confirmed, else the
        owner's Notion email; "" when neither (email cannot carry them)."""
        chosen = self.settings.notification_email
        return chosen if chosen and self.email_confirmed() else self.owner_email
