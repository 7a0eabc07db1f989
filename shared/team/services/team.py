"""A workspace's team: who is in it, inviting a person (their link shown once), changing a member's
role, removing a member (their sessions and keys end at once), and who approves each class of request.
Every change is one tenant update, conditioned on the tenant as read (``TenantStore.update``)."""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from shared.notify.domain.notifications import one_line
from shared.notify.domain.notify_task import NotifyTask
from shared.notify.services import email_confirmation
from shared.platform.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from shared.platform.topology import Queue
from shared.workspace.domain import members
from shared.workspace.domain.connecting.signup import INVITE_HEADER
from shared.workspace.domain.members import (
    Approvers,
    Member,
    MemberInvite,
    invite_email,
    may_grant,
    may_manage,
)
from shared.workspace.domain.tenants import Tenant, TenantStatus, address_hash, same_address

if TYPE_CHECKING:
    from shared.platform.ports import TaskQueue
    from shared.team.ports import ApiKeyStore
    from shared.workspace.ports import TenantStore


def _view(member: Member) -> dict[str, Any]:
    return {
        "member_id": member.member_id,
        "email": member.email,
        "name": member.name,
        "role": member.role,
        "added_at": member.added_at.isoformat(),
    }


def team_view(tenant: Tenant, now: datetime) -> dict[str, Any]:
    """The team (the owner first), the invites still open, and who approves what."""
    invites = [
        {"invite_id": i.invite_id, "email": i.email, "role": i.role, "expires_at": i.expires_at.isoformat()}
        for i in tenant.member_invites
        if i.expires_at > now
    ]
    return {
        "members": [_view(m) for m in tenant.team()],
        "invites": invites,
        "approvers": tenant.approvers.model_dump(),
    }


def _connected(tenant: Tenant | None) -> Tenant:
    if tenant is None:
        raise NotFound("this workspace is not connected")
    return tenant


def invite(
    tenant_id: str,
    actor: Member,
    email: str,
    role: str,
    tenants: TenantStore,
    *,
    mailing: TaskQueue,
    key: str,
    now: datetime,
    frontend: str,
) -> dict[str, Any]:
    """An invite of ``email`` to the team as ``role``, its link shown here once and mailed to that
    address (notify mints it again as it sends: never in the task). The person opens it and signs in
    with Notion under that email (``connect``). ``key``: the session signing key. Inviting an address
    with an open invite renews that invite (its id and link, the role and expiry now given) and
    mails it again."""
    try:
        email = invite_email(email.strip())
    except ValueError as bad:
        raise InvalidInput(f"email {bad}", ["email"]) from None
    if not may_grant(actor.role, role):
        raise Forbidden(f"your role ({actor.role}) may not invite a person as {role}")
    day, address = now.strftime("%Y-%m-%d"), address_hash(email)
    made: list[tuple[MemberInvite, str]] = []  # the invite and its code, as the last try made them

    def add(tenant: Tenant | None) -> Tenant:
        tenant = _connected(tenant)
        if any(same_address(m.email, email) for m in tenant.team()):
            raise Conflict("this person is a member already: change their role instead")
        if refusal := tenant.invites_sent.refusal(address, day):  # nothing stored, nothing mailed
            raise TooManyRequests(f"{refusal}: send it again tomorrow (UTC)", _to_midnight(now))
        open_ = [i for i in tenant.member_invites if i.expires_at > now]
        kept = tuple(i for i in open_ if not same_address(i.email, email))
        if len(tenant.members) + len(kept) >= members.MAX_MEMBERS:
            raise Conflict(f"a team has at most {members.MAX_MEMBERS} members and open invites")
        renewed = next((i.invite_id for i in open_ if same_address(i.email, email)), None)
        invite_id = renewed or members.new_invite_id()
        code = members.invite_code(key, tenant_id, invite_id)
        this = MemberInvite(
            invite_id=invite_id,
            key=members.invite_key(code),
            email=email,
            role=role,  # may_grant checked it is a role
            invited_by=actor.member_id,
            created_at=now,
            expires_at=now + timedelta(seconds=members.INVITE_TTL_S),
        )
        made[:] = [(this, code)]
        sent = tenant.invites_sent.counted(address, day)
        return tenant.model_copy(
            update={"member_invites": (*kept, this), "invites_sent": sent, "updated_at": now}
        )

    tenant = tenants.update(tenant_id, add)
    ((this, code),) = made
    _mail_invite(tenant, actor, this, mailing)
    return {
        "invite_id": this.invite_id,
        "email": email,
        "role": role,
        "expires_at": this.expires_at.isoformat(),
        "link": members.invite_link(frontend, code, tenant_id),
    }


def _to_midnight(now: datetime) -> float:
    """Seconds from ``now`` to the next UTC day, when the daily caps start again."""
    utc = now.astimezone(UTC)
    return (datetime.combine(utc.date() + timedelta(days=1), time(), UTC) - utc).total_seconds()


def _mail_invite(tenant: Tenant, actor: Member, made: MemberInvite, queue: TaskQueue) -> None:
    """Enqueue the mail of ``made``'s link to its address: our text, the link appended as it is sent."""
    name = email_confirmation.short_name(tenant.workspace_name)
    workspace = f"the Notion workspace “{name}”" if name else "a Notion workspace"
    who = one_line(actor.name or actor.email)[:80] or "Its owner"
    days = members.INVITE_TTL_S // 86400
    note = NotifyTask(
        # one mail each time it is sent: a renewed invite keeps its id, not its time
        notification_id=f"member-invite-{made.invite_id}-{made.created_at:%Y%m%d%H%M%S%f}",
        tenant_id=tenant.tenant_id,
        channel="email",  # to the address invited, nowhere else
        subject="You are invited to a team on Notion Agent",
        text=(
            f"{who} invited you to {workspace} on Notion Agent as {made.role}.\n\n"
            f"Open the link below within {days} days and sign in with Notion as {made.email}. "
            "If you did not expect this, ignore this email."
        ),
        priority="urgent",  # someone is waiting for their teammate
        data={"kind": members.INVITE_KIND, "to": made.email, "invite_id": made.invite_id},
    )
    queue.enqueue(Queue.NOTIFY, note, f"notify:{tenant.tenant_id}:{note.notification_id}")


NO_SUCH_INVITATION = (
    "no open invitation matches this link: it may have been withdrawn, used or expired; ask whoever "
    "invited you for a new one"
)


_WORKSPACE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # a tenant id's shape (a Firestore document id)


def invitation(tenants: TenantStore, tenant_id: str, code: str, now: datetime) -> dict[str, Any]:
    """What an invite link is for, told only to whoever holds its code: the workspace's name, the role
    it gives and when it expires. A code of the wrong shape is a 400. An unknown workspace, a code it
    did not issue, or one withdrawn, used or expired are one and the same 404. So nothing is learnt of
    a workspace without a code it issued. Reads only."""
    if not members.is_member_invite(code):
        raise InvalidInput(
            "this is not a valid invite code: check that the whole invite link was opened", [INVITE_HEADER]
        )
    tenant = tenants.get(tenant_id) if _WORKSPACE_ID.fullmatch(tenant_id) else None  # never a bad path
    if tenant is None or tenant.status == TenantStatus.REVOKED:
        raise NotFound(NO_SUCH_INVITATION)
    key = members.invite_key(code)
    open_ = (i for i in tenant.member_invites if i.expires_at > now)
    found = next((i for i in open_ if hmac.compare_digest(i.key.encode(), key.encode())), None)
    if found is None:
        raise NotFound(NO_SUCH_INVITATION)
    return {
        "workspace_name": tenant.workspace_name,
        "role": found.role,
        "expires_at": found.expires_at.isoformat(),
    }


def withdraw_invite(tenant_id: str, invite_id: str, tenants: TenantStore, now: datetime) -> dict[str, Any]:
    """Withdraw an open invite: its link admits nobody from now on."""

    def drop(tenant: Tenant | None) -> Tenant:
        tenant = _connected(tenant)
        left = tuple(i for i in tenant.member_invites if i.invite_id != invite_id)
        if len(left) == len(tenant.member_invites):
            raise NotFound(f"this team has no invite {invite_id[:40]!r}")
        return tenant.model_copy(update={"member_invites": left, "updated_at": now})

    tenants.update(tenant_id, drop)
    return {"invite_id": invite_id, "withdrawn": True}


def _managed(tenant: Tenant, actor: Member, member_id: str) -> Member:
    """The member ``actor`` may change or remove; NotFound for none, Forbidden beyond their role."""
    target = tenant.member(member_id)
    if target is None:
        raise NotFound(f"this team has no member {member_id[:40]!r}")
    if not may_manage(actor.role, target.role):
        raise Forbidden(f"your role ({actor.role}) may not change a member who is {target.role}")
    return target


def change_role(
    tenant_id: str, actor: Member, member_id: str, role: str, tenants: TenantStore, *, now: datetime
) -> dict[str, Any]:
    """Give a member another role; their sessions and keys act with it from their next request."""
    if not may_grant(actor.role, role):
        raise Forbidden(f"your role ({actor.role}) may not make a member {role}")

    def change(tenant: Tenant | None) -> Tenant:
        tenant = _connected(tenant)
        _managed(tenant, actor, member_id)
        changed = tuple(
            m.model_copy(update={"role": role}) if m.member_id == member_id else m for m in tenant.members
        )
        return tenant.model_copy(update={"members": changed, "updated_at": now})

    stored = tenants.update(tenant_id, change)
    member = stored.member(member_id)
    assert member is not None  # the update keeps them
    return _view(member)


def remove(
    tenant_id: str, actor: Member, member_id: str, tenants: TenantStore, keys: ApiKeyStore, *, now: datetime
) -> dict[str, Any]:
    """Remove a member: their sessions and keys act for nobody from their next request, on every
    instance (each names the member, whom the tenant no longer has); their keys are deleted too."""

    def drop(tenant: Tenant | None) -> Tenant:
        tenant = _connected(tenant)
        _managed(tenant, actor, member_id)
        left = tuple(m for m in tenant.members if m.member_id != member_id)
        return tenant.model_copy(update={"members": left, "updated_at": now})

    tenants.update(tenant_id, drop)
    deleted = sum(
        keys.delete(tenant_id, k.key_id) for k in keys.list_for(tenant_id) if k.member_id == member_id
    )
    return {"member_id": member_id, "removed": True, "api_keys_deleted": deleted}


def set_approvers(
    tenant_id: str, approvers: Approvers, tenants: TenantStore, now: datetime
) -> dict[str, Any]:
    """Who approves each class of request from now on (the owner's choice: the route's role)."""

    def change(tenant: Tenant | None) -> Tenant:
        return _connected(tenant).model_copy(update={"approvers": approvers, "updated_at": now})

    return tenants.update(tenant_id, change).approvers.model_dump()
