"""``oauth-callback``: Notion's redirect after a person connects a workspace or signs in (GET, public).
A state that is not genuine, unexpired, unused and this browser's is a 400 storing nothing. Else the
browser is redirected (302) to the frontend with the outcome in the fragment, ``error`` and a
``reason`` for a refusal (``access_denied``, ``connected_by_another_user``, ``not_a_member``,
``invite_not_valid``, the sign-up policy's ``not_allowed``, ...); the nonce cookie is cleared either
way. A connect or a member's sign-in sets the session cookie (never in the URL) and is recorded in
the audit log: :mod:`shared.notion.services.connect`.
"""

from datetime import UTC, datetime

from flask import Request, Response

from functions._http import Reply, handle, set_session_cookie
from shared import bootstrap
from shared.bootstrap import Container
from shared.notion.services.connect import complete_connect
from shared.team.services import audit
from shared.team.services.sessions import SESSION_TTL_S
from shared.workspace.domain.connecting.connection import NONCE_COOKIE, session_cookie

bootstrap.preload("tenants", "oauth_states", "invites", "secrets", "notion_oauth", "audit")


def oauth_callback(request: Request) -> Response:
    def call(c: Container) -> Reply:
        nonce = request.cookies.get(NONCE_COOKIE, "")
        outcome = complete_connect(request.args.to_dict(), nonce, c.connecting())
        headers = {
            "Location": outcome.location,
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        }
        response = Response(status=302, headers=headers)
        response.delete_cookie(NONCE_COOKIE, path="/")
        if outcome.session:
            cookie = session_cookie(c.settings.frontend_url)
            set_session_cookie(response, cookie, outcome.session, SESSION_TTL_S)
            tenant = c.workspace.tenants.get(outcome.tenant_id)
            member = tenant.member(outcome.member_id) if tenant is not None else None
            audit.record(c.team.audit, tenant, member, "oauth", outcome.action, now=datetime.now(UTC))
        return response

    return handle(request, ("GET",), call)
