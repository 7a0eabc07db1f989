"""Google's OAuth 2.0 server for the sandboxes, from Google's "Using OAuth 2.0 for Web Server
Applications" and "OpenID Connect": the consent page (``/o/oauth2/v2/auth``: an account, each scope
ticked or not, Allow or Cancel), the token endpoint (``/token``: an authorization code once within ten
minutes, PKCE's S256 verifier, a refresh token with ``access_type=offline``, an ``id_token`` for
``openid email``; a refresh token's exchange) and the revoke endpoint (``/revoke``, each revocation
recorded). The Gmail and Calendar sandboxes read their callers' grants here."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from local.gmail_sandbox.oidc import Signer

CLIENT_ID, CLIENT_SECRET = "sandbox-google-client.apps.googleusercontent.com", "sandbox-google-secret"
CODE_TTL_S = 600.0
AUTH_PATH, TOKEN_PATH, REVOKE_PATH = "/o/oauth2/v2/auth", "/token", "/revoke"
PATHS = (AUTH_PATH, TOKEN_PATH, REVOKE_PATH)
# The short names Google's consent takes for OpenID Connect's scopes, and what the answer names them.
_OPENID = {"email": "https://www.googleapis.com/auth/userinfo.email", "openid": "openid"}


@dataclass
class Grant:
    """One account's consent to the client: its scopes and refresh token; ``revoked`` once revoked."""

    account: str
    scopes: frozenset[str]
    refresh_token: str
    revoked: bool = False


@dataclass
class GoogleAccounts:
    """The consents given and what a test reads: ``revocations`` (each revoked grant's account, in
    order). ``signed_in``: the account the consent page proposes without a ``login_hint``."""

    signer: Signer = field(default_factory=Signer)
    signed_in: str = "ada@acme.example"
    redirect_uris: list[str] = field(default_factory=list)  # registered; empty: any
    grants: dict[str, Grant] = field(default_factory=dict)  # by refresh token
    access: dict[str, Grant] = field(default_factory=dict)  # by access token
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    revocations: list[str] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def grant(self, account: str, refresh_token: str, scopes: str) -> Grant:
        """A consent given beforehand (a test's side): ``refresh_token`` for ``account``'s ``scopes``."""
        with self.lock:
            given = Grant(account.lower(), frozenset(scopes.split()), refresh_token)
            self.grants[refresh_token] = given
            return given

    def holder(self, access_token: str, scope_prefix: str) -> str | None:
        """The account an unrevoked access token speaks for, if it holds a scope starting with
        ``scope_prefix``; ``""`` for one without such a scope, None for no such token."""
        with self.lock:
            found = self.access.get(access_token)
            if found is None or found.revoked:
                return None
            return found.account if any(s.startswith(scope_prefix) for s in found.scopes) else ""

    def forget_all(self) -> None:
        """Every consent withdrawn (as a person's "Remove access" in their Google account)."""
        with self.lock:
            for given in self.grants.values():
                given.revoked = True

    # ----- HTTP
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path == AUTH_PATH:
            reply = self._authorize(request)
        elif (request.method, request.path) == ("POST", TOKEN_PATH):
            body, status = self._token(request)
            reply = Response(json.dumps(body), status=status, mimetype="application/json")
        elif (request.method, request.path) == ("POST", REVOKE_PATH):
            body, status = self._revoke(request.form.get("token") or request.args.get("token", ""))
            reply = Response(json.dumps(body), status=status, mimetype="application/json")
        else:
            reply = Response("Not Found", status=404)
        return reply(environ, start_response)

    def _refused(self, args: dict[str, str]) -> Response | None:
        """Google's answer to an authorization request it refuses: an error page for an unknown client
        or redirect URI (no redirect), else the redirect with ``error``; None for one it takes."""
        redirect_uri = args.get("redirect_uri", "")
        if args.get("client_id") != CLIENT_ID:
            return page("Error 401: invalid_client", "<h1>Error 401: invalid_client</h1>")
        if not redirect_uri or (self.redirect_uris and redirect_uri not in self.redirect_uris):
            return page("Error 400: redirect_uri_mismatch", "<h1>Error 400: redirect_uri_mismatch</h1>")
        back: dict[str, str] = {"state": args["state"]} if "state" in args else {}
        if args.get("response_type") != "code":
            return _to(redirect_uri, {"error": "unsupported_response_type", **back})
        if args.get("code_challenge") and args.get("code_challenge_method", "plain") not in ("S256", "plain"):
            return _to(redirect_uri, {"error": "invalid_request", **back})
        if "decision" in args and args["decision"] != "allow":
            return _to(redirect_uri, {"error": "access_denied", **back})
        return None

    def _authorize(self, request: Request) -> Response:
        args = dict(request.args) if request.method == "GET" else dict(request.form)
        posted = request.method == "POST"  # Continue or Cancel on the page; a GET shows the page
        refused = self._refused(args | {"decision": args.get("decision", "") if posted else "allow"})
        if refused is not None:
            return refused
        if request.method == "GET":
            return self._consent(args)
        redirect_uri = args["redirect_uri"]
        back: dict[str, str] = {"state": args["state"]} if "state" in args else {}
        asked = args.get("scope", "").split()
        basic = {"openid", "email", "profile"}
        granted = [s for s in asked if s in basic or args.get(f"grant:{s}") == "on"]
        code = "4/0" + secrets.token_urlsafe(32)
        with self.lock:
            self.codes[code] = {
                "account": args.get("account", self.signed_in).strip().lower(),
                "scopes": frozenset(_OPENID.get(s, s) for s in granted),
                "redirect_uri": redirect_uri,
                "challenge": (args.get("code_challenge", ""), args.get("code_challenge_method", "plain")),
                "offline": args.get("access_type") == "offline",
                "expires": time.time() + CODE_TTL_S,
            }
        return _to(
            redirect_uri,
            {"code": code, "scope": " ".join(sorted(_OPENID.get(s, s) for s in granted)), **back},
        )

    def _consent(self, args: dict[str, str]) -> Response:
        """The page: the account (the hint, else who is signed in) and a box per scope beyond sign-in."""
        account = args.get("login_hint") or self.signed_in
        fields = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
            for k, v in args.items()
            if k != "account"
        )
        boxes = "".join(
            f'<li><label><input type="checkbox" name="grant:{escape(s)}" checked> {escape(s)}</label></li>'
            for s in args.get("scope", "").split()
            if s not in ("openid", "email", "profile")
        )
        body = (
            "<h1>Sign in with Google</h1><p>Notion Agent wants to access your Google Account</p>"
            f'<form method="post" action="{AUTH_PATH}">{fields}'
            f'<label>Account <input name="account" value="{escape(account)}"></label><ul>{boxes}</ul>'
            '<button type="submit" name="decision" value="cancel">Cancel</button>'
            '<button type="submit" name="decision" value="allow">Continue</button></form>'
        )
        return page("Sign in - Google Accounts", body)

    def _token(self, request: Request) -> tuple[dict[str, Any], int]:
        form, auth = request.form, request.authorization
        client = (
            (auth.username, auth.password)
            if auth and auth.type == "basic"
            else (form.get("client_id"), form.get("client_secret"))
        )
        if client != (CLIENT_ID, CLIENT_SECRET):
            return _error("invalid_client", "The OAuth client was not found.", 401)
        kind = form.get("grant_type")
        with self.lock:
            if kind == "refresh_token":
                given = self.grants.get(form.get("refresh_token", ""))
                if given is None or given.revoked:
                    return _error("invalid_grant", "Token has been expired or revoked.")
                return self._access(given, with_refresh=False), 200
            if kind != "authorization_code":
                return _error("unsupported_grant_type", "Invalid grant_type: " + str(kind))
            return self._by_code(form)

    def _by_code(self, form: Any) -> tuple[dict[str, Any], int]:
        """An authorization code's exchange (under the lock): once, within ten minutes, at the same
        redirect URI, with PKCE's verifier when the consent named a challenge."""
        code = self.codes.pop(form.get("code", ""), None)  # a code works once, used or refused
        if code is None or code["expires"] <= time.time():
            return _error("invalid_grant", "Bad Request")
        if form.get("redirect_uri") != code["redirect_uri"]:
            return _error("redirect_uri_mismatch", "Bad Request")
        challenge, method = code["challenge"]
        if challenge and not _pkce_holds(form.get("code_verifier", ""), challenge, method):
            missing = not form.get("code_verifier")
            return _error("invalid_grant", "Missing code verifier." if missing else "Invalid code verifier.")
        refresh = "1//0" + secrets.token_urlsafe(40)
        given = Grant(code["account"], code["scopes"], refresh)
        if code["offline"]:
            self.grants[refresh] = given
        answer = self._access(given, with_refresh=code["offline"])
        if "openid" in given.scopes:
            claims = {"azp": CLIENT_ID, "sub": _sub(given.account), "at_hash": "sandbox"}
            answer["id_token"] = self.signer.token(CLIENT_ID, given.account, **claims)
        return answer, 200

    def _access(self, given: Grant, with_refresh: bool) -> dict[str, Any]:
        access = "ya29.a0" + secrets.token_urlsafe(24)
        self.access[access] = given
        answer = {
            "access_token": access,
            "expires_in": 3599,
            "token_type": "Bearer",
            "scope": " ".join(sorted(given.scopes)),
        }
        return answer | ({"refresh_token": given.refresh_token} if with_refresh else {})

    def _revoke(self, token: str) -> tuple[dict[str, Any], int]:
        """Google's revoke: an access or refresh token ends its whole grant; 400 for one not known."""
        with self.lock:
            given = self.grants.get(token) or self.access.get(token)
            if given is None or given.revoked:
                return _error("invalid_token", "Token expired or revoked")
            given.revoked = True
            self.revocations.append(given.account)
        return {}, 200


def _pkce_holds(verifier: str, challenge: str, method: str) -> bool:
    if method == "plain":
        return secrets.compare_digest(verifier, challenge)
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return 43 <= len(verifier) <= 128 and secrets.compare_digest(digest, challenge)


def _sub(account: str) -> str:
    return str(int(hashlib.sha256(account.encode()).hexdigest()[:15], 16))


def _error(error: str, description: str, status: int = 400) -> tuple[dict[str, Any], int]:
    return {"error": error, "error_description": description}, status


def _to(redirect_uri: str, query: dict[str, str]) -> Response:
    return Response(status=302, headers={"Location": f"{redirect_uri}?{urlencode(query)}"})


class ScreenRefusal(Exception):
    """A sandbox screen's form refused: its reason shown on the screen, with a 400."""


def serve_form(
    environ: dict[str, Any],
    start_response: Any,
    shown: Callable[[str, int], Response],
    act: Callable[[dict[str, str]], str],
) -> Any:
    """WSGI for a sandbox screen: a GET is ``shown("", 200)``; a POST does ``act`` with its form and shows
    what it said, or the :class:`ScreenRefusal`'s reason with a 400 (nothing done)."""
    request = Request(environ)
    if request.method != "POST":
        return shown("", 200)(environ, start_response)
    try:
        reply = shown(act(dict(request.form)), 200)
    except ScreenRefusal as refused:
        reply = shown(str(refused), 400)
    return reply(environ, start_response)


def page(title: str, body: str, status: int = 200) -> Response:
    """An HTML page of Google's (or a sandbox screen's) titled ``title``, ``body`` its main content."""
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<link rel="icon" href="data:,"></head><body><main>{body}</main></body></html>'
    )
    return Response(html, status, mimetype="text/html", headers={"Cache-Control": "no-store"})
