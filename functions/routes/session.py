"""The console's session: what it is (``GET /session``, with the CSRF token the console's changes
carry) and signing out (``DELETE /session``; the api clears the cookie, as for ``DELETE /connection``)."""

from functions._http import Reply
from functions.routes import Call
from shared.domain.connection import session_cookie
from shared.errors import NotFound
from shared.services import sessions


def get_session(call: Call) -> Reply:
    """The session's tenant, workspace, CSRF token and end. Only the console's own script can read it:
    CORS shows no other origin the answer."""
    c, request = call.container, call.request
    authorization = request.headers.get("Authorization", "")  # a session: the route takes no key
    cookie = request.cookies.get(session_cookie(c.settings.frontend_url).name, "")
    token = authorization.partition(" ")[2].strip() if authorization else cookie
    session = sessions.session_of(token, c.secrets, c.tenants)
    if session.tenant is None:
        raise NotFound("this workspace is not connected")
    return {
        "tenant_id": session.tenant_id,
        "workspace_name": session.tenant.workspace_name,
        "csrf_token": session.csrf_token,
        "expires_at": session.expires_at.isoformat(),
    }, 200


def sign_out(call: Call) -> Reply:
    """Signs this browser out: the api's answer clears the cookie. The token itself stays valid until
    it expires or the connection's epoch ends (docs/security.md)."""
    return {"signed_out": True}, 200
