"""The sandbox's Slack as a person uses it: a message said in a channel (or to the app directly) is
posted, and delivered to the app's Request URL as Slack's Events API does (``app_mention`` when it
mentions the app's bot; ``message`` in a direct message, or in a channel the app is in, even with a
mention: Slack then sends both), an ``/agent`` command posted as Slack's form; each signed with the app's signing secret (``v0=`` HMAC-SHA256 over
``v0:<timestamp>:<body>``, Slack's "Verifying requests from Slack"). Where they go is set with
``POST /_sandbox/slack/app`` (the local stack sets it); ``/_sandbox/slack/screen`` is the page. Other
routes: ``POST /_sandbox/slack/say`` and ``/_sandbox/slack/command`` (README.md, "Slack's events")."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from html import escape
from typing import Any
from urllib.parse import urlencode

import httpx
from flask import Flask, Response, request

from local.code_sandbox.sandbox import SEED, CodeSandbox
from local.code_sandbox.slack_oauth import APP_ID, SIGNING_SECRET
from local.code_sandbox.slack_state import Channel, User

JSON = dict[str, Any]
MAX_TEXT = 40_000  # chat.postMessage's limit
DELIVERY_TIMEOUT_S = 10.0  # Slack waits three seconds; a local stack's first request may take longer


class Refused(Exception):
    """A request the sandbox refuses: a 400 (or 404) with its reason."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def sign(body: bytes, at: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's signature headers over ``body`` at ``at`` (now)."""
    stamp = str(int(time.time()) if at is None else at)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def _deliver(url: str, body: bytes, content_type: str) -> JSON:
    """POST ``body`` signed to ``url``: ``{"status", "body"}`` as answered (status 0: unreachable)."""
    headers = sign(body) | {
        "Content-Type": content_type,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }
    try:
        answer = httpx.post(url, content=body, headers=headers, timeout=DELIVERY_TIMEOUT_S)
    except httpx.HTTPError as exc:
        return {"status": 0, "body": f"not delivered: {type(exc).__name__}"}
    return {"status": answer.status_code, "body": answer.text[:2000]}


def _person(sandbox: CodeSandbox, body: JSON) -> User:
    """The named person, added (with ``email``, in #agent) when the workspace has none of that name."""
    name = str(body.get("user") or "alice").strip()
    state = sandbox.slack
    user = state.user_named(name)
    if user is None:
        email = str(body.get("email") or "").strip()
        if not name or len(name) > 80 or not email or "@" not in email:
            raise Refused(f"no person {name!r} in the sandbox's Slack: give their email to add them")
        user = state.add_user(name, email=email)
        state.channels[SEED["slack_channel"]].members.add(user.id)
    if user.bot_id:
        raise Refused(f"{name} is a bot: only a person's messages are sent to the app")
    return user


def _bot(sandbox: CodeSandbox) -> User:
    return next(u for u in sandbox.slack.users.values() if u.name == SEED["slack_bot"])


def _channel(sandbox: CodeSandbox, ref: str, user: User) -> Channel:
    """``ref`` (an id or ``dm``: the person's direct messages with the app), with ``user`` a member."""
    state, bot = sandbox.slack, _bot(sandbox)
    if ref == "dm":
        dm_id = "D" + user.id[1:]
        return state.channels.get(dm_id) or state.add_channel(dm_id, "", {user.id, bot.id})
    channel = state.channels.get(ref or SEED["slack_channel"])
    if channel is None:
        raise Refused(f"no channel {ref!r} in the sandbox's Slack", 404)
    if user.id not in channel.members or channel.archived:
        raise Refused(f"{user.name} cannot post in #{channel.name} (not a member, or archived)")
    return channel


def _text(body: JSON) -> str:
    text = str(body.get("text") or "")
    if not text.strip() or len(text) > MAX_TEXT:
        raise Refused(f"a message needs text, at most {MAX_TEXT} characters")
    return text


def say(sandbox: CodeSandbox, body: JSON) -> JSON:
    """``{"user", "channel" (an id, default #agent; "dm"), "text", "thread_ts"?, "email"?}``: the
    message posted as the person, and each event the app hears of it delivered, in turn. ``{"ts",
    "event", "delivered", "events", "deliveries"}``: ``event`` the one that asks the app (a mention's
    ``app_mention``, else the ``message``), null with ``delivered`` when the app hears nothing."""
    with sandbox.lock:
        user, text = _person(sandbox, body), _text(body)
        channel, bot = _channel(sandbox, str(body.get("channel") or ""), user), _bot(sandbox)
        thread = str(body.get("thread_ts") or "") or None
        if thread is not None and not any(m.ts == thread for m in channel.messages):
            raise Refused(f"no message {thread} in that channel to reply to")
        message = sandbox.slack.post(channel, user, text, thread_ts=thread)
        events = _events(sandbox, channel, (user, message.ts, text, thread), bot)
        url = sandbox.slack_app.events_url
    if not events or not url:
        return {"ts": message.ts, "event": None, "delivered": None, "events": events, "deliveries": []}
    deliveries = [_deliver(url, json.dumps(e).encode(), "application/json") for e in events]
    return {"ts": message.ts, "event": events[-1], "delivered": deliveries[-1]} | {
        "events": events,
        "deliveries": deliveries,
    }


def _events(
    sandbox: CodeSandbox, channel: Channel, said: tuple[User, str, str, str | None], bot: User
) -> list[JSON]:
    """The Events API envelopes Slack posts for this message, each with its own ``event_id`` (the
    manifest's bot events): in a direct message, ``message.im``; in a channel the app is in,
    ``message.channels`` (``message.groups`` for a private one, its id ``G…``); and ``app_mention``
    when it mentions the app's bot, last. None when the app hears nothing. ``said``: who, its ts,
    its text, the thread it replies in."""
    user, ts, text, thread = said
    inner: JSON = {"user": user.id, "text": text, "ts": ts, "channel": channel.id, "event_ts": ts}
    if thread is not None:
        inner["thread_ts"] = thread
    kinds: list[JSON] = []
    if channel.id.startswith("D"):
        kinds.append({"type": "message", "channel_type": "im"})
    elif bot.id in channel.members:
        kinds.append(
            {"type": "message", "channel_type": "group" if channel.id.startswith("G") else "channel"}
        )
    if not channel.id.startswith("D") and f"<@{bot.id}>" in text:
        kinds.append({"type": "app_mention"})
    return [_envelope(sandbox, inner | kind, bot) for kind in kinds]


def _envelope(sandbox: CodeSandbox, inner: JSON, bot: User) -> JSON:
    return {
        "token": "deprecated-verification-token",
        "team_id": sandbox.slack.team_id,
        "api_app_id": APP_ID,
        "event": inner,
        "type": "event_callback",
        "event_id": "Ev" + secrets.token_hex(5).upper(),
        "event_time": int(time.time()),
        "authorizations": [{"team_id": sandbox.slack.team_id, "user_id": bot.id, "is_bot": True}],
    }


def command(sandbox: CodeSandbox, body: JSON) -> JSON:
    """``{"user", "channel"?, "text", "email"?}``: ``/agent <text>`` as Slack's form, delivered to the
    app's command URL; ``{"delivered"}`` (its answer is what only that person sees)."""
    with sandbox.lock:
        user, text = _person(sandbox, body), str(body.get("text") or "")
        channel = _channel(sandbox, str(body.get("channel") or ""), user)
        form = {
            "token": "deprecated-verification-token",
            "team_id": sandbox.slack.team_id,
            "team_domain": sandbox.slack.domain,
            "channel_id": channel.id,
            "channel_name": channel.name or "directmessage",
            "user_id": user.id,
            "user_name": user.name,
            "command": "/agent",
            "text": text[:MAX_TEXT],
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": f"https://hooks.slack.com/commands/{sandbox.slack.team_id}/1/x",
            "trigger_id": f"{int(time.time())}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}",
        }
        url = sandbox.slack_app.commands_url
    if not url:
        raise Refused("the app has no command URL yet: POST /_sandbox/slack/app first", 409)
    return {"delivered": _deliver(url, urlencode(form).encode(), "application/x-www-form-urlencoded")}


def set_app(sandbox: CodeSandbox, body: JSON) -> JSON:
    """``{"events_url", "commands_url"}``: where the app's Request URLs are (http(s) URLs)."""
    urls = {k: str(body.get(k) or "") for k in ("events_url", "commands_url")}
    if set(body) - set(urls) or not all(u.startswith(("http://", "https://")) for u in urls.values()):
        raise Refused("give events_url and commands_url, both http(s) URLs")
    with sandbox.lock:
        sandbox.slack_app.events_url, sandbox.slack_app.commands_url = (
            urls["events_url"],
            urls["commands_url"],
        )
    return urls


def _screen(sandbox: CodeSandbox, said: str = "") -> Response:
    with sandbox.lock:
        people = [u.name for u in sandbox.slack.users.values() if not u.bot_id]
        bot = _bot(sandbox)
        shown = [c for c in sandbox.slack.channels.values() if not c.archived and bot.id in c.members]
        lines = [
            f"<li><b>{escape(m.user.name)}</b> in {escape('#' + c.name if c.name else 'a DM')}"
            f"{' (thread ' + escape(m.thread_ts) + ')' if m.reply and m.thread_ts else ''}: "
            f"{escape(m.text)} <small>{escape(m.ts)}</small></li>"
            for c in shown
            for m in c.messages[-40:]
        ]
    options = "".join(f"<option>{escape(p)}</option>" for p in people)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Slack sandbox</title>
<link rel="icon" href="data:,"></head><body><main><h1>Slack (sandbox): Acme</h1>
<p>Mention the app as <code>&lt;@{escape(bot.id)}&gt;</code> in #agent, or write to it directly.</p>
<form method="post" action="/_sandbox/slack/screen">
<label>Person <input name="user" list="people" value="alice" required></label>
<datalist id="people">{options}</datalist>
<label>Their email (a new person) <input name="email" type="email"></label>
<label>Where <select name="channel"><option value="{SEED["slack_channel"]}">#agent</option>
<option value="dm">a direct message to the app</option></select></label>
<label>Reply in thread (ts) <input name="thread_ts"></label>
<label>Message <textarea name="text" required>&lt;@{escape(bot.id)}&gt; </textarea></label>
<label><input type="checkbox" name="as_command" value="1"> as <code>/agent</code></label>
<button>Send</button></form>
<p role="status">{escape(said)}</p><h2>Messages</h2><ul>{"".join(lines)}</ul></main></body></html>"""
    return Response(page, 200, mimetype="text/html", headers={"Cache-Control": "no-store"})


def register(app: Flask, sandbox: CodeSandbox) -> None:
    """The routes above on ``app``; the lock is held while the state changes, never while delivering
    (the app calls the sandbox's Web API back meanwhile)."""

    def answered(fn: Any, body: JSON) -> tuple[JSON, int]:
        try:
            return fn(sandbox, body), 200
        except Refused as refused:
            return {"error": str(refused)}, refused.status

    def json_route(fn: Any) -> Any:
        def handler() -> tuple[JSON, int]:
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                return {"error": "a JSON object is expected"}, 400
            return answered(fn, body)

        return handler

    def screen_post() -> Response:
        form = {k: v for k, v in request.form.items() if v}
        fn = command if form.pop("as_command", "") else say
        result, _ = answered(fn, form)
        delivered = result.get("delivered")
        said = result.get("error") or (
            f"Delivered to the app: HTTP {delivered['status']} {delivered['body']}"
            if delivered
            else "Posted; the app does not hear it (mention it, or write to it directly)."
        )
        return _screen(sandbox, str(said))

    for rule, fn in (("/say", say), ("/command", command), ("/app", set_app)):
        app.add_url_rule(f"/_sandbox/slack{rule}", f"slack sender {rule}", json_route(fn), methods=["POST"])
    app.add_url_rule("/_sandbox/slack/screen", "slack screen", lambda: _screen(sandbox), methods=["GET"])
    app.add_url_rule("/_sandbox/slack/screen", "slack screen post", screen_post, methods=["POST"])
