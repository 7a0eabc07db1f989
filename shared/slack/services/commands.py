"""A slash command (``POST /slack/commands``, docs/slack.md): ``/agent <words>`` starts a run, or an
Ask for words beginning with "ask", as a mention does. Verified as events are. Slack waits three
seconds for the answer, which only the person who typed the command sees (``ephemeral``); the work's
thread is a message the app posts in the channel (who asked what), where its approvals and result
come. Once per invocation (its ``trigger_id``), through the tenant's ledger as for events; a repeat
after a delivery stopped midway finds the root message and the answer it posted by their keys."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared.notify.domain.slack_threads import SlackThread
from shared.platform.errors import NotFound
from shared.runs.services.runs import check_usable
from shared.slack.domain.events import (
    EMPTY_COMMAND,
    NOT_IN_CHANNEL,
    STRANGER,
    echoed,
    parse_command,
    request_text,
)
from shared.slack.services.events import (
    EVENT_MEMORY,
    Asked,
    answer_once,
    check_not_in_flight,
    start_work,
    verify,
)
from shared.workspace.domain.integrations import chat_token_secret
from shared.workspace.domain.tenants import EventSeen, same_address

if TYPE_CHECKING:
    from shared.slack.services.events import SlackIntake

DUPLICATE = "This command was taken already: its answers are in the thread it started."


def command(
    body: bytes, headers: Mapping[str, str], intake: SlackIntake, now: datetime | None = None
) -> dict[str, Any]:
    """Answer one slash command Slack posted: ``{"response_type": "ephemeral", "text"}``, what the
    person who typed it sees. 401 unless Slack signed it (within five minutes); 400 for a body that is
    no slash command; 404 for a team no workspace installed the app in. A stranger, empty words or a
    channel the app may not post in start nothing and are told why; otherwise the thread's first
    answer (the run's link, or that the answer is coming) is told too."""
    verify(body, headers, intake.signing_secret)
    said = parse_command(body)
    install = intake.installs.get(said.team_id)
    tenant = intake.tenants.get(install.tenant_id) if install is not None else None
    if install is None or tenant is None:
        raise NotFound(f"no Notion workspace has installed this app in Slack team {said.team_id}")
    tenant_id, key, at = tenant.tenant_id, f"slack-{said.name}", now or datetime.now(UTC)
    seen = intake.ledger.record(tenant_id, key, EventSeen("slack.command", at, at + EVENT_MEMORY))
    if not seen.created and seen.enqueued:
        return _told(DUPLICATE)
    check_not_in_flight(seen, at)
    check_usable(tenant_id, intake.tenants)
    token = intake.secrets.get(chat_token_secret(tenant_id))

    def told(text: str) -> dict[str, Any]:
        intake.ledger.mark_enqueued(tenant_id, key)
        return _told(text)

    email = intake.web.user_email(token, said.user_id)
    member = next((m for m in tenant.team() if same_address(m.email, email)), None)
    if member is None:
        return told(STRANGER)
    words = request_text(said.text)
    if not words:
        return told(EMPTY_COMMAND)
    again = not seen.created  # an earlier delivery stopped midway: its root message may be there
    try:
        ts = (again and intake.web.find(token, said.channel_id, "", f"{key}/root")) or intake.web.post(
            token, said.channel_id, echoed(said.user_id, said.command, words), f"{key}/root"
        )
    except NotFound:
        return told(NOT_IN_CHANNEL)
    thread = SlackThread(said.team_id, said.channel_id, ts)
    rule = f"the command {said.command} in <#{said.channel_id}> on Slack"
    link = intake.web.permalink(token, said.channel_id, ts) or ""
    _, text, _ = start_work(Asked(tenant, member, words, thread, said.name, rule, link), intake)
    answer_once(intake.web, (token, said.channel_id, ts), text, key, again)
    return told(text)


def _told(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text}
