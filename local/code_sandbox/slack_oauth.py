"""Slack's OAuth v2 for the sandbox's app, from Slack's documentation ("Installing with OAuth",
``oauth.v2.access``). ``GET /slack/oauth/v2/authorize`` shows the install page of workspace Acme (Allow
or Cancel, as the installing person, alice by default); Allow redirects to ``redirect_uri`` with a
``code`` and the ``state``, Cancel with ``error=access_denied``. ``oauth.v2.access`` (a Web API method:
HTTP 200, ``ok`` true or false) takes the app's client id and secret by HTTP Basic or in the form,
exchanges a code once within ten minutes for a new bot token (``xoxb-``), and refuses with Slack's
codes: ``invalid_client_id``, ``bad_client_secret``, ``invalid_code``, ``bad_redirect_uri``."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from flask import Request, Response

from local.code_sandbox.slack_state import SlackState, Token

CLIENT_ID = "1000000001.2000000002"
CLIENT_SECRET = "sandbox-slack-client-secret"
SIGNING_SECRET = "sandbox-slack-signing-secret-0001"
APP_ID = "A0SANDBOX01"
CODE_TTL_S = 600.0
JSON = dict[str, Any]


@dataclass
class SlackApp:
    """The sandbox's one Slack app: its credentials, the redirect URLs registered with it (empty:
    any, an assumption: Slack takes one under a registered URL only), its codes, and who installs."""

    redirect_urls: list[str] = field(default_factory=list)
    installer: str = "alice"
    codes: dict[str, JSON] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)  # the bot tokens installs gave, oldest first
    events_url: str = ""  # the app's Request URLs: where slack_events.py delivers (none: nowhere)
    commands_url: str = ""


def _page(title: str, body: str) -> Response:
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="icon" href="data:,"></head><body><main>{body}</main></body></html>'
    )
    return Response(page, 200, mimetype="text/html", headers={"Cache-Control": "no-store"})


def _refused(error: str) -> Response:
    """Slack shows an error page, and redirects nowhere, for an unknown app or redirect URL."""
    return _page("Slack: something went wrong", f"<h1>Something went wrong</h1><p>{escape(error)}</p>")


def _registered(app: SlackApp, redirect_uri: str) -> bool:
    return not app.redirect_urls or any(redirect_uri.startswith(u) for u in app.redirect_urls)


def authorize(state: SlackState, app: SlackApp, args: dict[str, str], decision: str = "") -> Response:
    """The install page (``decision`` empty: a GET), else the redirect its Allow or Cancel makes."""
    if args.get("client_id") != CLIENT_ID:
        return _refused("invalid_client_id")
    redirect_uri = args.get("redirect_uri", "")
    if not redirect_uri or not _registered(app, redirect_uri):
        return _refused("bad_redirect_uri")
    if not decision:
        fields = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in args.items()
        )
        scopes = "".join(f"<li>{escape(s)}</li>" for s in args.get("scope", "").split(",") if s)
        body = (
            f"<h1>Notion Agent is requesting permission to access the {escape(state.team)} Slack workspace</h1>"
            f"<p>What will Notion Agent be able to do?</p><ul>{scopes}</ul>"
            f'<form method="post" action="/slack/oauth/v2/authorize">{fields}'
            '<button type="submit" name="decision" value="cancel">Cancel</button>'
            '<button type="submit" name="decision" value="allow">Allow</button></form>'
        )
        return _page(f"Install Notion Agent in {state.team}", body)
    back = {"state": args["state"]} if "state" in args else {}
    if decision != "allow":
        back = {"error": "access_denied", **back}
    else:
        code = f"{int(time.time())}.{secrets.token_hex(16)}"
        app.codes[code] = {
            "redirect_uri": redirect_uri,
            "scopes": frozenset(s for s in args.get("scope", "").split(",") if s),
            "expires": time.time() + CODE_TTL_S,
        }
        back = {"code": code, **back}
    return Response(status=302, headers={"Location": f"{redirect_uri}?{urlencode(back)}"})


def access(state: SlackState, app: SlackApp, request: Request) -> JSON:
    """``oauth.v2.access``: a new bot token for a code, once; Slack's refusal otherwise."""
    form = dict(request.form) | dict(request.args)
    auth = request.authorization
    client_id, secret = (
        (auth.username or "", auth.password or "")
        if auth and auth.type == "basic"
        else (form.get("client_id", ""), form.get("client_secret", ""))
    )
    if client_id != CLIENT_ID:
        return {"ok": False, "error": "invalid_client_id"}
    if secret != CLIENT_SECRET:
        return {"ok": False, "error": "bad_client_secret"}
    code = app.codes.pop(form.get("code", ""), None)  # a code works once, used or refused
    if code is None or code["expires"] <= time.time():
        return {"ok": False, "error": "invalid_code"}
    if form.get("redirect_uri", code["redirect_uri"]) != code["redirect_uri"]:
        return {"ok": False, "error": "bad_redirect_uri"}
    bot = next(u for u in state.users.values() if u.bot_id)
    installer = state.user_named(app.installer)
    token = "xoxb-sandbox-" + secrets.token_hex(12)
    state.tokens[token] = Token(bot, frozenset(code["scopes"]))
    app.issued.append(token)
    return {
        "ok": True,
        "access_token": token,
        "token_type": "bot",
        "scope": ",".join(sorted(code["scopes"])),
        "bot_user_id": bot.id,
        "app_id": APP_ID,
        "team": {"id": state.team_id, "name": state.team},
        "enterprise": None,
        "is_enterprise_install": False,
        "authed_user": {"id": installer.id if installer else ""},
    }


def uninstall(state: SlackState, app: SlackApp) -> list[str]:
    """The app removed from the workspace: every bot token installs gave is revoked (``token_revoked``
    to any call). The revoked tokens' bot user ids, for the ``tokens_revoked`` event."""
    revoked = set()
    for token in app.issued:
        grant = state.tokens.get(token)
        if grant is not None and grant.refused is None:
            grant.refused = "token_revoked"
            revoked.add(grant.user.id)
    return sorted(revoked)
