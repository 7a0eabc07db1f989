"""An OAuth 2 authorization server for the Linear and GitLab sandboxes, from their documentation (and
RFC 6749, 7009, 7636). ``GET /oauth/authorize`` shows the consent page, as the tools do: its Approve
button posts back and redirects with a code and the state; Deny (or ``deny``) with access_denied.
``POST /oauth/token`` (form) exchanges a code once (PKCE S256 checked when a challenge was sent) or a
refresh token, which rotates; an access token expires after ``access_ttl_s`` of :attr:`clock`.
``POST /oauth/revoke`` ends a token and its pair, for the token's own bearer (Linear) or the client
(GitLab, RFC 7009). A refusal is 400/401 ``{"error", "error_description"}``."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

CLIENT_ID = "sandbox-oauth-client"
CLIENT_SECRET = "sandbox-oauth-secret"
CODE_TTL_S = 600.0


class OAuthProvider:
    """The provider's state. ``grant``/``drop``: make an access token usable at the sandbox's API, or
    not. ``clock``: the provider's time (a test moves it with :meth:`advance`)."""

    def __init__(
        self, grant: Callable[[str], object], drop: Callable[[str], object], access_ttl_s: float
    ) -> None:
        self.lock = threading.RLock()
        self._grant, self._drop, self.access_ttl_s = grant, drop, access_ttl_s
        self.clock = 1_000_000.0
        self.deny = False  # the person declines at the authorize page
        self.codes: dict[str, dict[str, Any]] = {}
        self.access: dict[str, tuple[float, str]] = {}  # access token → (expires at, its refresh token)
        self.refresh: dict[str, str] = {}  # refresh token → its access token
        self.exchanges = self.refreshes = self.revocations = 0

    def advance(self, seconds: float) -> None:
        """Move time on; access tokens past their expiry stop working at the API."""
        with self.lock:
            self.clock += seconds
            for token, (expires, _) in list(self.access.items()):
                if expires <= self.clock:
                    self._drop(token)

    def live(self, token: str) -> bool:
        with self.lock:
            return token in self.access and self.access[token][0] > self.clock

    def authorize(self, args: dict[str, str], decision: str = "") -> Response:
        """The consent page (``decision`` empty: a GET), else the redirect back its button makes."""
        if (
            args.get("client_id") != CLIENT_ID
            or args.get("response_type") != "code"
            or not args.get("redirect_uri")
        ):
            return _refuse(
                400, "invalid_request", "unknown client_id, or no redirect_uri or response_type=code"
            )
        method = args.get("code_challenge_method", "")
        if args.get("code_challenge") and method != "S256":
            return _refuse(400, "invalid_request", "code_challenge_method must be S256")
        if not decision:
            return _consent(args)
        back = {"state": args["state"]} if "state" in args else {}
        if self.deny or decision != "approve":
            back = {"error": "access_denied", **back}
        else:
            code = secrets.token_urlsafe(24)
            with self.lock:
                self.codes[code] = {
                    "redirect_uri": args["redirect_uri"],
                    "challenge": args.get("code_challenge", ""),
                    "expires": self.clock + CODE_TTL_S,
                    "used": False,
                }
            back = {"code": code, **back}
        return Response(status=302, headers={"Location": f"{args['redirect_uri']}?{urlencode(back)}"})

    def token(self, form: dict[str, str], basic: tuple[str, str] | None) -> Response:
        client = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if client != (CLIENT_ID, CLIENT_SECRET):
            return _refuse(401, "invalid_client", "client authentication failed")
        with self.lock:
            if form.get("grant_type") == "authorization_code":
                return self._exchange(form)
            if form.get("grant_type") == "refresh_token":
                old = self.refresh.pop(form.get("refresh_token", ""), None)
                if old is None:
                    return _refuse(400, "invalid_grant", "the refresh token is invalid, revoked or used")
                self.access.pop(old, None)
                self._drop(old)
                self.refreshes += 1
                return self._issue()
            return _refuse(
                400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token"
            )

    def _exchange(self, form: dict[str, str]) -> Response:
        code = self.codes.get(form.get("code", ""))
        if code is None or code["used"] or code["expires"] <= self.clock:
            return _refuse(400, "invalid_grant", "the authorization code is invalid, expired or used")
        code["used"] = True
        if form.get("redirect_uri") != code["redirect_uri"]:
            return _refuse(400, "invalid_grant", "redirect_uri does not match the authorization request")
        if code["challenge"]:
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != code["challenge"]:
                return _refuse(400, "invalid_grant", "the code_verifier does not match the code_challenge")
        self.exchanges += 1
        return self._issue()

    def _issue(self) -> Response:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access[access] = (self.clock + self.access_ttl_s, refresh)
        self.refresh[refresh] = access
        self._grant(access)
        body = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(self.access_ttl_s),
            "refresh_token": refresh,
            "scope": "read write",
            "created_at": int(self.clock),
        }
        return Response(json.dumps(body), 200, mimetype="application/json")

    def revoke(self, form: dict[str, str], bearer: str, basic: tuple[str, str] | None = None) -> Response:
        """Revoke a token and its pair, as the tools document it: Linear takes the access token as
        its own ``Authorization: Bearer`` (or ``token`` with it); GitLab, as RFC 7009 asks of a
        confidential client, takes ``token`` with the client's credentials (form or Basic). Anything
        else is a 401 ``invalid_client`` revoking nothing. A token the server does not know (already
        revoked) is a 200, as RFC 7009 section 2.2 says."""
        client = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        token = form.get("token") or bearer
        with self.lock:
            if client != (CLIENT_ID, CLIENT_SECRET) and not (bearer and self.live(bearer)):
                return _refuse(401, "invalid_client", "client authentication failed")
            access = self.refresh.pop(token, token)  # a refresh token ends its access token too
            _, pair = self.access.pop(access, (0.0, ""))
            self.refresh.pop(pair, None)
            self._drop(access)
            self.revocations += 1
        return Response("{}", 200, mimetype="application/json")

    def answer(self, request: Request) -> Response | None:
        """The answer to an ``/oauth/...`` request, or None for any other path."""
        path = request.path.rstrip("/")
        if path == "/oauth/authorize" and request.method == "GET":
            return self.authorize(dict(request.args))
        if path == "/oauth/authorize" and request.method == "POST":
            form = dict(request.form)
            return self.authorize(form, form.pop("decision", "") or "deny")
        if path == "/oauth/token" and request.method == "POST":
            auth = request.authorization
            basic = (auth.username or "", auth.password or "") if auth and auth.type == "basic" else None
            return self.token(dict(request.form), basic)
        if path == "/oauth/revoke" and request.method == "POST":
            header = request.headers.get("Authorization") or ""
            bearer = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
            auth = request.authorization
            basic = (auth.username or "", auth.password or "") if auth and auth.type == "basic" else None
            return self.revoke(dict(request.form), bearer, basic)
        return None


def _refuse(status: int, error: str, description: str) -> Response:
    return Response(
        json.dumps({"error": error, "error_description": description}), status, mimetype="application/json"
    )


_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Authorize {app}</title>
<link rel="icon" href="data:,"></head>
<body><main><h1>Authorize {app}</h1><p>{app} asks for {scope} access to your account.</p>
<form method="post" action="/oauth/authorize">{fields}
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button></form></main></body></html>"""


def _consent(args: dict[str, str]) -> Response:
    """The page a person sees at the tool (as Linear's and GitLab's do): what the app asks for, and
    Approve or Deny, which post the request's parameters back to ``/oauth/authorize``."""
    fields = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
        for k, v in args.items()
        if k != "decision"
    )
    page = _PAGE.format(app="Notion Agent", scope=escape(args.get("scope", "read")), fields=fields)
    return Response(page, 200, mimetype="text/html", headers={"Cache-Control": "no-store"})
