"""Notion's OAuth: authorize (redirect with a code or access_denied), token, revoke."""

from __future__ import annotations

import base64
import secrets
import uuid
from urllib.parse import urlencode

from flask import Flask, redirect, request
from werkzeug.wrappers import Response

from local.notion_sandbox.errors import NotionError, oauth_error
from local.notion_sandbox.model import JSON, Grant
from local.notion_sandbox.sandbox import AuthCode, Sandbox
from local.notion_sandbox.web import error_response, json_body, json_response


def _with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def authorize(sandbox: Sandbox) -> Response:
    args = request.args
    client_id, redirect_uri, state = args.get("client_id"), args.get("redirect_uri"), args.get("state")
    with sandbox.lock:
        client = sandbox.oauth
        if client_id != client.client_id or args.get("response_type") != "code":
            raise oauth_error(
                400, "invalid_request", "invalid_request", "Invalid client_id or response_type."
            )
        if not redirect_uri and len(client.redirect_uris) != 1:
            raise oauth_error(400, "invalid_request", "invalid_request", "redirect_uri is required.")
        target = redirect_uri or client.redirect_uris[0]
        if client.redirect_uris and target not in client.redirect_uris:
            raise oauth_error(400, "invalid_request", "invalid_request", "redirect_uri is not registered.")
        extra = {"state": state} if state is not None else {}
        if client.deny or args.get("sandbox_deny") in ("1", "true"):
            return redirect(_with_query(target, {"error": "access_denied", **extra}), code=302)
        ws = sandbox.find_workspace(args.get("sandbox_workspace") or client.workspace_id or "demo")
        if ws is None:
            raise oauth_error(400, "invalid_request", "invalid_request", "Unknown sandbox workspace.")
        code = "code_" + secrets.token_urlsafe(16)
        sandbox.codes[code] = AuthCode(ws.id, client.client_id, redirect_uri, user_id=client.user_id)
    return redirect(_with_query(target, {"code": code, **extra}), code=302)


def _check_client(sandbox: Sandbox) -> None:
    header = request.headers.get("Authorization", "")
    expected = f"{sandbox.oauth.client_id}:{sandbox.oauth.client_secret}".encode()
    given = b""
    if header.startswith("Basic "):
        try:
            given = base64.b64decode(header[len("Basic ") :], validate=True)
        except ValueError:
            given = b""
    if not secrets.compare_digest(given, expected):
        raise oauth_error(401, "unauthorized", "invalid_client", "Invalid client credentials.")


def _token_response(sandbox: Sandbox, grant: Grant) -> JSON:
    ws = sandbox.workspaces[grant.workspace_id]
    return {
        "access_token": grant.access_token,
        "token_type": "bearer",
        "refresh_token": grant.refresh_token,
        "bot_id": ws.bot["id"],
        "workspace_name": ws.name,
        "workspace_icon": ws.icon,
        "workspace_id": ws.id,
        # The person who authorized: each person's authorization is a grant (a token) of its own.
        "owner": {"type": "user", "user": ws.people[grant.user_id]}
        if grant.user_id in ws.people
        else ws.owner,
        "duplicated_template_id": None,
        "request_id": str(uuid.uuid4()),
    }


def token(sandbox: Sandbox) -> Response:
    _check_client(sandbox)
    body = (
        json_body(request)
        if request.is_json or request.get_data().strip().startswith(b"{")
        else dict(request.form)
    )
    grant_type = body.get("grant_type")
    with sandbox.lock:
        if grant_type == "authorization_code":
            grant = _exchange_code(sandbox, body)
        elif grant_type == "refresh_token":
            grant = _refresh(sandbox, str(body.get("refresh_token", "")))
        else:
            raise oauth_error(
                400, "invalid_request", "unsupported_grant_type", f"Unsupported grant_type: {grant_type}."
            )
        return json_response(_token_response(sandbox, grant))


def _exchange_code(sandbox: Sandbox, body: JSON) -> Grant:
    code = sandbox.codes.get(str(body.get("code", "")))
    if code is None or code.used:
        raise oauth_error(400, "invalid_grant", "invalid_grant", "Invalid code: this code has been revoked.")
    if code.redirect_uri is not None and body.get("redirect_uri") != code.redirect_uri:
        raise oauth_error(400, "invalid_grant", "invalid_grant", "Invalid redirect_uri: it does not match.")
    code.used = True  # single use, even when the exchange below were to fail
    return sandbox.issue_grant(code.workspace_id, code.user_id)


def _refresh(sandbox: Sandbox, refresh_token: str) -> Grant:
    old = next(
        (g for g in sandbox.grants.values() if g.refresh_token == refresh_token and refresh_token), None
    )
    if old is None or old.revoked:
        raise oauth_error(400, "invalid_grant", "invalid_grant", "Invalid refresh token.")
    old.revoked = True  # refresh rotates both tokens
    return sandbox.issue_grant(old.workspace_id, old.user_id)


def revoke(sandbox: Sandbox) -> Response:
    _check_client(sandbox)
    value = str(json_body(request).get("token", ""))
    with sandbox.lock:
        for grant in sandbox.grants.values():
            if value in (grant.access_token, grant.refresh_token):
                grant.revoked = True
    return json_response({"request_id": str(uuid.uuid4())})


def register_oauth(app: Flask, sandbox: Sandbox) -> None:
    def guarded(handler_name: str) -> Response:
        handler = {"authorize": authorize, "token": token, "revoke": revoke}[handler_name]
        try:
            response = handler(sandbox)
        except NotionError as error:
            response = error_response(error)
        sandbox.log(request.method, request.path, response.status_code, None, None)
        return response

    app.add_url_rule("/v1/oauth/authorize", "oauth_authorize", lambda: guarded("authorize"), methods=["GET"])
    app.add_url_rule("/v1/oauth/token", "oauth_token", lambda: guarded("token"), methods=["POST"])
    app.add_url_rule("/v1/oauth/revoke", "oauth_revoke", lambda: guarded("revoke"), methods=["POST"])
