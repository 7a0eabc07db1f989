"""A press of an approval's button in Slack (``POST /slack/interactions``, docs/slack.md). Verified as
events are; the person is matched by their Slack email as for messages, and decides through the
engine's decision service (``humans.respond``) as they would in the console: bound to the run's very
request, with their role, once. A stranger, or a press the service refuses, is answered to that
person alone; nothing is decided."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shared.engine.planning import row_undo
from shared.engine.services import humans
from shared.notify.domain.slack_threads import SlackThread
from shared.platform.domain.tasks import is_run_id
from shared.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.runs.services import runs
from shared.slack.domain.interactions import (
    STRANGER_PRESS,
    STRANGER_UNDO,
    Press,
    decided,
    parse_press,
    refused,
)
from shared.slack.services.events import verify
from shared.team.services import audit
from shared.workspace.domain.integrations import chat_token_secret
from shared.workspace.domain.members import at_least
from shared.workspace.domain.tenants import same_address

# Who may decide at all, as the console's decision routes (docs/security.md, "Roles"); the request's
# class may then need more (humans.respond).
DECIDES = "editor"

if TYPE_CHECKING:
    from shared.runs.services.deps import Deps
    from shared.slack.services.events import SlackIntake
    from shared.workspace.domain.members import Member
    from shared.workspace.domain.tenants import Tenant


def press(body: bytes, headers: Mapping[str, str], intake: SlackIntake, deps: Deps) -> dict[str, Any]:
    """Answer one press Slack posted. 401 unless Slack signed it (within five minutes); 400 for a body
    that is no press of an approval's button; 404 for a team no workspace installed the app in.
    Otherwise ``result``: ``decided``, ``undoing`` (an "Undo this run" press started its undo;
    ``duplicate``: started already), ``refused`` (the service's reason, shown to the presser alone) or
    ``stranger``."""
    verify(body, headers, intake.signing_secret)
    pressed = parse_press(body)
    if not is_run_id(pressed.run_and_request[0]):
        raise InvalidInput("not a button press this app takes: its value names no run")
    install = intake.installs.get(pressed.team.id)
    tenant = intake.tenants.get(install.tenant_id) if install is not None else None
    if install is None or tenant is None:
        raise NotFound(f"no Notion workspace has installed this app in Slack team {pressed.team.id}")
    token = intake.secrets.get(chat_token_secret(tenant.tenant_id))
    channel, user = pressed.channel.id, pressed.user.id
    email = intake.web.user_email(token, user)
    member = next((m for m in tenant.team() if same_address(m.email, email)), None)
    if member is None:
        intake.web.whisper(
            token, channel, user, STRANGER_UNDO if pressed.decision == "undo" else STRANGER_PRESS
        )
        return {"result": "stranger"}
    run_id, request_id = pressed.run_and_request
    if pressed.decision == "undo":
        return _undo(intake, deps, pressed, tenant=tenant, member=member, token=token)
    if not at_least(member.role, DECIDES):
        intake.web.whisper(
            token, channel, user, refused(f"your role ({member.role}) may not decide a run's request")
        )
        return {"result": "refused"}
    try:
        runs.owned_run(tenant.tenant_id, run_id, deps.store, deps.need_tenants())
        humans.respond(
            deps,
            tenant.tenant_id,
            run_id,
            "approve" if pressed.decision == "approve" else "reject",
            request_id=request_id,
            via="slack",
            role=member.role,
            by=member,
        )
    except (Conflict, Forbidden, NotFound) as exc:
        intake.web.whisper(token, channel, user, refused(exc.reason))
        return {"result": "refused"}
    _audit(deps, tenant, member, pressed.decision, {"run_id": run_id, "request_id": request_id})
    intake.web.reply(token, channel, pressed.thread, decided(pressed.decision, member.name or member.email))
    return {"result": "decided"}


def _undo(
    intake: SlackIntake, deps: Deps, pressed: Press, *, tenant: Tenant, member: Member, token: str
) -> dict[str, Any]:
    """A press of a run's "Undo this run" (or of one effect's "Undo this"): the Runs row's Undo
    (``row_undo.ask_as``: its starter, an approver or the owner, within the window and their reach), its
    end told in the thread. The thread hears that it started once (the undo's id follows from the run
    and the effects chosen); a refusal is told the presser alone."""
    channel, user, run_id = pressed.channel.id, pressed.user.id, pressed.run_and_request[0]
    thread = SlackThread(pressed.team.id, channel, pressed.thread).ref if pressed.thread else ""
    try:
        run = runs.owned_run(tenant.tenant_id, run_id, deps.store, deps.need_tenants())
        who = row_undo.member_asker(member)
        asked = row_undo.ask_as(deps, tenant, run, who, children=False, thread=thread, chosen=pressed.chosen)
    except (Conflict, Forbidden, InvalidInput, NotFound) as exc:
        intake.web.whisper(token, channel, user, f"Nothing was undone: {exc.reason[:500]}")
        return {"result": "refused"}
    if not asked["made"]:  # a twin delivery, or pressed again: the same undo, started once
        return {"result": "duplicate", "undo_run": asked["run_id"]}
    target = {"run_id": run_id, "undo_run": str(asked["run_id"])}
    if pressed.chosen:
        target["effects"] = ",".join(str(e) for e in pressed.chosen)
    _audit(deps, tenant, member, "undo", target)
    who = member.name or member.email
    intake.web.reply(token, channel, pressed.thread, row_undo.STARTED.format(who=who, undo=asked["run_id"]))
    return {"result": "undoing", "undo_run": asked["run_id"]}


def _audit(deps: Deps, tenant: Tenant, member: Member, action: str, target: dict[str, str]) -> None:
    """The audit log's entry of what ``member`` did by a press in Slack (surface ``slack``), as the
    console's decisions and the Runs row's undos are recorded: who, what, which run."""
    source = deps.audit_source() if deps.audit_source is not None else None
    audit.record(source, tenant, member, "slack", action, now=deps.clock(), target=target)
