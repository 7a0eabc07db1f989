"""Connect Google from the console (docs/mail.md, docs/calendar.md). ``POST /google/connect/mailbox``
(the owner, for an agent's address) and ``POST /google/connect/calendar`` (any member, their own
calendar) answer Google's consent URL. ``GET /google/oauth/callback``, the redirect URI registered
with the Google OAuth client, takes the person back, connects, and sends the browser to the console.
``DELETE /google/mailboxes/<address>`` and ``DELETE /google/calendar`` disconnect (shared.google)."""

import re

from flask import Response

from functions._http import Reply, json_object
from functions.routes import Call
from shared.agents.domain.agents import AGENT_ID
from shared.agents.services.agents import agent_of
from shared.google.domain.consent import Consent
from shared.google.services.connect import Caller, begin, complete, mailbox_consent
from shared.google.services.disconnect import disconnect_calendar, disconnect_mailbox
from shared.platform.errors import InvalidInput

_BODY = 'the body must be a JSON object {"agent_id": "...", "address": "scribe@acme.example"}'


def post_mailbox(call: Call) -> Reply:
    """200 with Google's consent URL for the agent's address; 404 for an agent not of this workspace;
    409 when the deployment watches no mailboxes or the address is another workspace's."""
    body = json_object(call.request, _BODY)
    agent_id, address = body.get("agent_id"), body.get("address")
    if set(body) != {"agent_id", "address"} or not isinstance(agent_id, str) or not isinstance(address, str):
        raise InvalidInput(_BODY, ["agent_id", "address"])
    if not re.fullmatch(AGENT_ID, agent_id):
        raise InvalidInput("agent_id must be an agent's id, like scribe", ["agent_id"])
    consent = mailbox_consent(address, agent_id)
    agent_of(call.tenant_id, agent_id, call.container.agents.agents)
    return begin(call.tenant_id, call.member_id, consent, call.container.google.connecting()), 200


def post_calendar(call: Call) -> Reply:
    """200 with Google's consent URL for the caller's own calendar (their member address)."""
    email = call.member.email if call.member is not None else ""
    if not email:
        raise InvalidInput("your membership names no address to connect a calendar for")
    consent = Consent("calendar", email.strip().lower())
    return begin(call.tenant_id, call.member_id, consent, call.container.google.connecting()), 200


def get_callback(call: Call) -> Reply:
    """303 to the console (``#google=<mailbox|calendar>&connected=true``); 4xx as
    :func:`shared.google.services.connect.complete` says, nothing stored."""
    args = {k: v for k, v in call.request.args.items() if k in ("state", "code", "error")}
    caller = Caller(call.tenant_id, call.member_id, call.role, call.person)
    location = complete(caller, args, call.container.google.connecting())
    return Response(
        status=303,
        headers={"Location": location, "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )


def delete_mailbox(call: Call) -> Reply:
    return disconnect_mailbox(call.tenant_id, call.args["address"], call.container.google.connecting()), 200


def delete_calendar(call: Call) -> Reply:
    email = call.member.email if call.member is not None else ""
    return disconnect_calendar(call.tenant_id, email, call.container.google.connecting()), 200
