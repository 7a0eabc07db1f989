"""/slack/api/<method>: Slack's Web API methods ``auth.test``, ``chat.postMessage`` (a message's
``metadata`` kept, and shown with ``include_all_metadata``; a reply's ``thread_ts``, which must name a
message of the channel; Block Kit ``blocks``, an array of objects each with a ``type``),
``chat.postEphemeral`` (a message one member of the channel alone sees, never in its history),
``conversations.history`` (a channel's messages, none of a thread's replies, as on Slack),
``conversations.replies`` (a thread: its first message, then its replies, oldest first) and
``users.info``.

As on Slack, every answer is HTTP 200 with ``{"ok": true, ...}`` or ``{"ok": false, "error": <code>}``,
except an unknown method (404 ``unknown_method``) and injected faults (a 429 ``ratelimited`` always
carries Retry-After). Arguments come from the query string and from a form or JSON body; the token
from ``Authorization: Bearer`` or, in a form body, a ``token`` field (never from JSON or the query,
which Slack does not accept). Checks run in Slack's order: the method, the token (``not_authed``,
``invalid_auth``, a refusal such as ``token_revoked``), the scope (``missing_scope`` with ``needed``
and ``provided``), then the method's arguments.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Request

from local.code_sandbox.faults import Injection
from local.code_sandbox.slack_state import Channel, Message, SlackState, Token, slack_error
from local.code_sandbox.web import ApiError, bearer_token

JSON = dict[str, Any]
MAX_TEXT = 40_000  # characters; longer is msg_too_long
MAX_BLOCKS = 50  # a message's blocks
DEFAULT_LIMIT = 100
DEFAULT_RETRY_AFTER = 30
Method = Callable[[SlackState, Token, JSON], JSON]


def message_json(state: SlackState, message: Message, *, metadata: bool = True) -> JSON:
    """A message as chat.postMessage and conversations.history show it; its metadata only when asked
    (conversations.history's ``include_all_metadata``)."""
    item: JSON = {"type": "message", "ts": message.ts, "text": message.text, "user": message.user.id}
    if message.user.bot_id:
        item |= {"bot_id": message.user.bot_id, "app_id": "A0SANDBOX01"}
    if metadata and message.metadata is not None:
        item["metadata"] = message.metadata
    if message.thread_ts is not None:
        item["thread_ts"] = message.thread_ts
    if message.blocks is not None:
        item["blocks"] = message.blocks
    return item | {"team": state.team_id}


def _decoded(value: Any, malformed: str) -> Any:
    """An argument that is JSON: as a JSON body gives it, or decoded from a form's text (Slack's
    ``malformed`` error if that is no JSON); None when absent."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise slack_error(malformed) from None
    return value


def _blocks(value: Any) -> list[JSON] | None:
    """chat.postMessage's ``blocks``: a JSON array (a JSON body) or its JSON text (a form) of at most
    50 objects, each with a string ``type``; Slack refuses anything else (``invalid_blocks``,
    ``invalid_blocks_format``)."""
    value = _decoded(value, "invalid_blocks_format")
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_BLOCKS:
        raise slack_error("invalid_blocks_format")
    if not all(isinstance(b, dict) and isinstance(b.get("type"), str) and b["type"] for b in value):
        raise slack_error("invalid_blocks")
    return value


def _metadata(value: Any) -> JSON | None:
    """chat.postMessage's ``metadata``: an object (a JSON body) or its JSON text (a form), with a
    string ``event_type`` and an object ``event_payload``; Slack refuses anything else."""
    value = _decoded(value, "invalid_metadata_format")
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("event_type"), str)
        or not value["event_type"]
        or not isinstance(value.get("event_payload"), dict)
    ):
        raise slack_error("invalid_metadata_schema")
    return {"event_type": value["event_type"], "event_payload": value["event_payload"]}


def _require(token: Token, scope: str) -> None:
    if scope not in token.scopes:
        provided = ",".join(sorted(token.scopes))
        raise slack_error("missing_scope", needed=scope, provided=provided)


def auth_test(state: SlackState, token: Token, _args: JSON) -> JSON:
    user = token.user
    answer: JSON = {
        "ok": True,
        "url": f"https://{state.domain}.slack.com/",
        "team": state.team,
        "user": user.name,
        "team_id": state.team_id,
        "user_id": user.id,
        "is_enterprise_install": False,
    }
    return answer | ({"bot_id": user.bot_id} if user.bot_id else {})


def _open_channel(state: SlackState, token: Token, args: JSON) -> Channel:
    """The channel a chat method posts to (``chat:write``): ``channel_not_found``, ``is_archived``."""
    _require(token, "chat:write")
    channel = state.find_channel(str(args.get("channel") or ""))
    if channel is None:
        raise slack_error("channel_not_found")
    if channel.archived:
        raise slack_error("is_archived")
    return channel


def _content(args: JSON) -> tuple[str, list[JSON] | None]:
    """A message's ``text`` and ``blocks``: text is optional with blocks (then only a fallback)."""
    text, blocks = str(args.get("text") or ""), _blocks(args.get("blocks"))
    if not text.strip() and not blocks:
        raise slack_error("no_text")
    if len(text) > MAX_TEXT:
        raise slack_error("msg_too_long")
    return text, blocks


def post_message(state: SlackState, token: Token, args: JSON) -> JSON:
    channel = _open_channel(state, token, args)
    if token.user.id not in channel.members:
        raise slack_error("not_in_channel")
    text, blocks = _content(args)
    thread_ts = args.get("thread_ts") or None
    if thread_ts is not None and not any(m.ts == thread_ts for m in channel.messages):
        raise slack_error("thread_not_found")
    metadata = _metadata(args.get("metadata"))
    message = state.post(channel, token.user, text, metadata, thread_ts, blocks=blocks)
    return {"ok": True, "channel": channel.id, "ts": message.ts, "message": message_json(state, message)}


def post_ephemeral(state: SlackState, token: Token, args: JSON) -> JSON:
    """A message ``user`` alone sees in ``channel`` (kept apart: no history shows it); ``message_ts``.
    The channel's checks are chat.postMessage's; a user who is not in it → ``user_not_in_channel``."""
    channel = _open_channel(state, token, args)
    user = state.users.get(str(args.get("user") or ""))
    if user is None:
        raise slack_error("user_not_found")
    if user.id not in channel.members:
        raise slack_error("user_not_in_channel")
    text, _ = _content(args)
    return {"ok": True, "message_ts": state.whisper(channel, user, text)}


def get_permalink(state: SlackState, token: Token, args: JSON) -> JSON:
    """A message's permalink (no scope): ``https://<domain>.slack.com/archives/<channel>/p<ts without
    its dot>``, a reply's with ``?thread_ts=<thread>&cid=<channel>``; ``channel_not_found``,
    ``message_not_found`` (the method's page and its example answer)."""
    channel = state.channels.get(str(args.get("channel") or ""))
    if channel is None:
        raise slack_error("channel_not_found")
    ts = str(args.get("message_ts") or "")
    message = next((m for m in channel.messages if m.ts == ts), None)
    if message is None:
        raise slack_error("message_not_found")
    link = f"https://{state.domain}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"
    if message.reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"ok": True, "channel": channel.id, "permalink": link}


def users_info(state: SlackState, token: Token, args: JSON) -> JSON:
    """A user's record; the profile's ``email`` only for a token with ``users:read.email``, as on Slack."""
    _require(token, "users:read")
    user = state.users.get(str(args.get("user") or ""))
    if user is None:
        raise slack_error("user_not_found")
    profile: JSON = {"real_name": user.name, "display_name": user.name}
    if user.email and "users:read.email" in token.scopes:
        profile["email"] = user.email
    answer: JSON = {"id": user.id, "team_id": state.team_id, "name": user.name, "is_bot": bool(user.bot_id)}
    return {"ok": True, "user": answer | {"deleted": False, "profile": profile}}


def _micros(args: JSON, name: str) -> int | None:
    """A ``<seconds>[.<fraction>]`` argument in microseconds; ``invalid_ts_<name>`` if malformed."""
    value = args.get(name)
    if value in (None, ""):
        return None
    try:
        return int(Decimal(str(value)) * 1_000_000)
    except InvalidOperation:
        raise slack_error(f"invalid_ts_{name}") from None


def _cursor(value: Any) -> int | None:
    """The ts (in microseconds) a ``next_cursor`` points at: ``next_ts:<digits>``, base64-encoded."""
    if not value:
        return None
    try:
        prefix, _, digits = base64.b64decode(str(value), validate=True).decode().partition(":")
        if prefix != "next_ts" or not digits.isdigit():
            raise ValueError(digits)
        return int(digits)
    except (ValueError, binascii.Error):
        raise slack_error("invalid_cursor") from None


def _next_cursor(message: Message) -> str:
    return base64.b64encode(f"next_ts:{message.micros}".encode()).decode()


def _limit(args: JSON, maximum: int) -> int:
    try:
        limit = int(args.get("limit") or DEFAULT_LIMIT)
    except ValueError:
        raise slack_error("invalid_arguments") from None
    return min(limit if limit > 0 else DEFAULT_LIMIT, maximum)


def _history_channel(state: SlackState, token: Token, channel_id: str) -> Channel:
    channel = state.channels.get(channel_id)  # an id only, no names here
    if channel is None:
        raise slack_error("channel_not_found")
    if token.user.id not in channel.members:
        raise slack_error("not_in_channel")
    return channel


def history(state: SlackState, token: Token, args: JSON) -> JSON:
    """Newest first; ``oldest``/``latest`` exclusive unless ``inclusive``; ``cursor`` from a previous page."""
    channel_id = str(args.get("channel") or "")
    _require(token, _history_scope(channel_id))
    channel = _history_channel(state, token, channel_id)
    wanted = _window(args)
    with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
    limit = _limit(args, state.history_max_limit)
    chosen = [m for m in reversed(channel.messages) if not m.reply and wanted(m, False)]
    page, rest = chosen[:limit], chosen[limit:]
    answer: JSON = {
        "ok": True,
        "messages": [message_json(state, m, metadata=with_metadata) for m in page],
        "has_more": bool(rest),
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
    }
    if rest:
        answer["response_metadata"] = {"next_cursor": _next_cursor(rest[0])}
    return answer


def _history_scope(channel_id: str) -> str:
    """The scope reading a conversation needs: a DM's ``im:history``, a private channel's
    ``groups:history``, a public channel's ``channels:history``."""
    return {"D": "im:history", "G": "groups:history"}.get(channel_id[:1], "channels:history")


def _window(args: JSON) -> Callable[[Message, bool], bool]:
    """Whether a message lies in the call's ``oldest``/``latest`` window (exclusive unless
    ``inclusive``) and on the page its ``cursor`` points at (history pages go newest first, a
    thread's oldest first: ``ascending``)."""
    oldest, latest, at = _micros(args, "oldest"), _micros(args, "latest"), _cursor(args.get("cursor"))
    inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")

    def wanted(m: Message, ascending: bool) -> bool:
        after = oldest is None or m.micros > oldest or (inclusive and m.micros == oldest)
        before = latest is None or m.micros < latest or (inclusive and m.micros == latest)
        paged = at is None or (m.micros >= at if ascending else m.micros <= at)
        return after and before and paged

    return wanted


def replies(state: SlackState, token: Token, args: JSON) -> JSON:
    """A thread (``ts``: its first message, or any of its replies): the first message, then its replies,
    oldest first, in the window; ``thread_not_found`` for a ts naming no message of the channel."""
    channel_id = str(args.get("channel") or "")
    _require(token, _history_scope(channel_id))
    channel = _history_channel(state, token, channel_id)
    ts = str(args.get("ts") or "")
    named = next((m for m in channel.messages if m.ts == ts), None)
    if named is None:
        raise slack_error("thread_not_found")
    root = named.thread_ts or named.ts
    wanted = _window(args)
    with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
    limit = _limit(args, state.history_max_limit)
    thread = [m for m in channel.messages if root in (m.ts, m.thread_ts)]
    chosen = [m for m in thread if wanted(m, True)]
    page, rest = chosen[:limit], chosen[limit:]
    answer: JSON = {
        "ok": True,
        "messages": [message_json(state, m, metadata=with_metadata) for m in page],
        "has_more": bool(rest),
    }
    if rest:
        answer["response_metadata"] = {"next_cursor": _next_cursor(rest[0])}
    return answer


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "chat.getPermalink": get_permalink,
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "conversations.history": history,
    "conversations.replies": replies,
    "users.info": users_info,
}


def _arguments(request: Request) -> tuple[JSON, str | None, bool]:
    """The call's arguments, a token given in a form body, and whether a JSON body lacked its charset."""
    args: JSON = dict(request.args)
    args.pop("token", None)  # Slack no longer accepts tokens in the query string
    if request.method != "POST":
        return args, None, False
    if request.mimetype == "application/json":
        raw = request.get_data()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise slack_error("invalid_json") from None
        if not isinstance(body, dict):
            raise slack_error("json_not_object")
        body.pop("token", None)  # a JSON body authenticates by header only
        return args | body, None, "charset" not in request.mimetype_params
    form = dict(request.form)
    form_token = form.pop("token", None)
    return args | form, form_token, False


def dispatch(state: SlackState, request: Request, path: str) -> tuple[JSON, int, dict[str, str]]:
    """The JSON answer, status and headers for ``path`` (the method's name, after /slack/api/); the
    headers carry the token's scopes (``X-OAuth-Scopes``), as Slack's answers to a token do."""
    name = path.strip("/")
    method = METHODS.get(name)
    if method is None:
        raise slack_error("unknown_method", 404, req_method=name)
    args, form_token, missing_charset = _arguments(request)
    token = state.authorize(bearer_token(request) or form_token)
    answer = method(state, token, args)
    if missing_charset:  # as Slack warns a JSON post without "; charset=utf-8"
        metadata = answer.setdefault("response_metadata", {})
        metadata["warnings"] = ["missing_charset"]
        answer["warning"] = "missing_charset"
    return answer, 200, {"X-OAuth-Scopes": ",".join(sorted(token.scopes))}


def injected(item: Injection) -> ApiError:
    """The error a test asked for, as Slack sends it; ``message`` is the error code when given."""
    status = item.status or 500
    if status == 429:
        wait = DEFAULT_RETRY_AFTER if item.retry_after is None else item.retry_after
        error = slack_error(item.message or "ratelimited", status)
        return ApiError(status, error.body, {"Retry-After": str(wait)})
    codes = {503: "service_unavailable", 504: "request_timeout"}
    default = codes.get(status, "internal_error" if status >= 500 else "invalid_request")
    return slack_error(item.message or default, status)
