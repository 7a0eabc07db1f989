"""The console's session: what it is (``GET /session``, with the CSRF token the console's changes
carry) and signing out (``DELETE /session``: every session issued until then ends on the server, and
the api clears the cookie, as for ``DELETE /connection``)."""

from datetime import UTC, datetime

from functions._http import Reply
from functions.routes import Call
from shared.platform.errors import NotFound
from shared.team.services import sessions
from shared.workspace.domain.connecting.connection import session_cookie


def get_session(call: Call) -> Reply:
    """The session's tenant, workspace, CSRF token and end. Only the console's own script can read it:
    CORS shows no other origin the answer."""
    c, request = call.container, call.request
    authorization = request.headers.get("Authorization", "")  # a session: the route takes no key
    cookie = request.cookies.get(session_cookie(c.settings.frontend_url).name, "")
    token = authorization.partition(" ")[2].strip() if authorization else cookie
    session = sessions.session_of(token, c.platform.secrets, c.workspace.tenants)
    if session.tenant is None:
        raise NotFound("this workspace is not connected")
    return {
        "tenant_id": session.tenant_id,
        "workspace_name": session.tenant.workspace_name,
        "csrf_token": session.csrf_token,
        "expires_at": session.expires_at.isoformat(),
        "member_id": session.member.member_id if session.member else "",
        "role": session.member.role if session.member else "",
        "email": session.member.email if session.member else "",
    }, 200


def sign_out(call: Call) -> Reply:
    """Signs the person out: every session of theirs issued until now ends on the server (the same
    token then answers 401, on every instance), and the api's answer clears the cookie. Keys stay."""
    member_id = call.member_id if call.role != "owner" else ""
    sessions.sign_out(call.tenant_id, call.tenants, datetime.now(UTC), member_id)
    return {"signed_out": True}, 200
