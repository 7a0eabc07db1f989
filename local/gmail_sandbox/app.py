"""The Gmail sandbox: a small in-memory Gmail serving what shared.mail relies on, at the paths of the
Gmail API's discovery document (``gmail/v1/users/{userId}/...``, the one google-api-python-client
ships), so the official client talks to it unchanged. From the Gmail API reference and its guides
("Synchronize clients with Gmail", "Push notifications", "Managing threads"):

- Google's consent page, token and revoke endpoints (``accounts.py``): an access token of a grant's
  account for an hour; an unknown refresh token or client 400 ``invalid_grant``/``invalid_client``;
- ``Authorization: Bearer <token>``, each access token a mailbox's; ``userId`` ``me`` or its address; a
  missing, unknown or revoked token HTTP 401, one without a Gmail scope or another mailbox's address 403;
- ``POST watch`` (``topicName`` required) answers ``{historyId, expiration}`` (epoch millis, 7 days);
  ``POST stop`` ends it (204; each kept in ``stops``);
- ``GET history`` (``startHistoryId`` required, ``historyTypes``, ``maxResults`` up to 500,
  ``pageToken``): the records after ``startHistoryId``, oldest first, each ``{id, messages,
  messagesAdded: [{message: {id, threadId, labelIds}}]}``, and the mailbox's current ``historyId``; a
  start older than the history kept (``forget_history``) is HTTP 404, as Google documents;
- ``GET messages`` (``labelIds``, ``maxResults``, ``pageToken``), newest first, ``{id, threadId}``;
- ``GET messages/{id}`` with ``format`` ``raw`` (base64url RFC 2822) or ``full`` (the MIME tree as
  ``payload``: headers, ``body.size``, ``body.data`` inline, an attachment's ``body.attachmentId``);
- ``GET threads/{id}`` with ``format=metadata`` and ``metadataHeaders``;
- ``POST messages/send`` (``raw``, ``threadId``): kept in the thread only if the three rules of
  "Managing threads" hold (``threadId``, ``In-Reply-To``/``References`` naming one of its messages,
  the same subject but for "Re:"), else a new thread; labelled ``SENT``, recorded in history.

``deliver`` plays a message arriving; with a ``publish`` given, a watched mailbox's arrival in a label
the watch names is published to its topic as Gmail does (``{"emailAddress", "historyId"}`` as JSON, the
Pub/Sub emulator's topic on the local stack). ``screen.py`` is the page (the stack serves it) where a
person writes such a mail and reads the threads. A request outside this set is answered 400."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import re
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage, Message
from typing import Any

from werkzeug.wrappers import Request, Response

from local.gmail_sandbox.accounts import CLIENT_ID, CLIENT_SECRET, PATHS, GoogleAccounts
from local.gmail_sandbox.oidc import Signer
from local.wsgi_thread import ThreadedServer

_PREFIX = "/gmail/v1/users/"
__all__ = ["CLIENT_ID", "CLIENT_SECRET", "GmailSandbox", "serve"]
_SUBJECT = re.compile(r"^\s*(re|fwd?)\s*:\s*", re.IGNORECASE)


SCOPES = "https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/gmail.send"


class Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _bare_subject(subject: str) -> str:
    while _SUBJECT.match(subject):
        subject = _SUBJECT.sub("", subject, count=1)
    return subject.strip()


class Mailbox:
    """One mailbox's messages (by id, each ``{id, threadId, labelIds, historyId, internalDate, raw}``),
    its history records and the oldest history id it still answers from."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.messages: dict[str, dict[str, Any]] = {}
        self.history: list[dict[str, Any]] = []
        self.history_id = 1000
        self.floor = 0  # history ids below this are gone (404)
        self.watch: dict[str, Any] | None = None


type Publish = Callable[[str, bytes], None]  # a topic's name, the message's data


class GmailSandbox:
    """Mailboxes by token, the OIDC signer, Google's accounts (``accounts``: the consents, shared with
    the Calendar sandbox on the stack) and what a test reads (``sent``, ``calls``, ``stops``).
    ``publish``: how a watch's notification reaches its topic (none: nothing is published)."""

    def __init__(self, accounts: GoogleAccounts | None = None, publish: Publish | None = None) -> None:
        self.publish = publish
        self.lock = threading.RLock()
        self.tokens: dict[str, Mailbox] = {}
        self.boxes: dict[str, Mailbox] = {}
        self.signer = accounts.signer if accounts else Signer()
        self.accounts = accounts or GoogleAccounts(self.signer)
        self.calls: list[str] = []
        self.stops: list[str] = []  # the mailboxes whose watch ``users.stop`` ended, in order
        self._ids = 0x18C0000000000000

    # ----- a test's side
    def mailbox(self, address: str, token: str) -> Mailbox:
        """Open (or find) the mailbox of ``address``, reached with ``token``."""
        with self.lock:
            box = self.boxes.setdefault(address.lower(), Mailbox(address))
            self.tokens[token] = box
            return box

    def connect(self, address: str, refresh_token: str) -> Mailbox:
        """Open (or find) the mailbox of ``address``, its owner's consent given as ``refresh_token``."""
        self.accounts.grant(address, refresh_token, SCOPES)
        with self.lock:
            return self.boxes.setdefault(address.lower(), Mailbox(address))

    def deliver(self, address: str, message: EmailMessage | bytes) -> dict[str, Any]:
        """``message`` arrives in ``address``'s inbox: its record (with ``historyId``)."""
        raw = message if isinstance(message, bytes) else message.as_bytes()
        labels = ["INBOX", "UNREAD"]
        with self.lock:
            box = self.boxes[address.lower()]
            record = self._add(box, raw, labels, None)
            watch = dict(box.watch or {})
        if self.publish is not None and _watched(watch, labels):
            data = {"emailAddress": box.address, "historyId": int(record["historyId"])}
            self.publish(watch["topicName"], json.dumps(data).encode())
        return record

    def forget_history(self, address: str) -> None:
        """Every history id up to now is too old: ``history.list`` from one answers 404."""
        with self.lock:
            box = self.boxes[address.lower()]
            box.floor, box.history = box.history_id + 1, []

    def thread(self, address: str, thread_id: str) -> list[Message]:
        """The messages of a thread, oldest first, parsed."""
        with self.lock:
            box = self.boxes[address.lower()]
            found = [m for m in box.messages.values() if m["threadId"] == thread_id]
        return [email.message_from_bytes(m["raw"], policy=email.policy.default) for m in found]

    def sent(self, address: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.boxes[address.lower()].messages.values() if "SENT" in m["labelIds"]]

    # ----- the mailbox
    def _next_id(self) -> str:
        self._ids += 0x1F3
        return f"{self._ids:x}"

    def _add(self, box: Mailbox, raw: bytes, labels: list[str], thread_id: str | None) -> dict[str, Any]:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        msg_id = self._next_id()
        thread = thread_id if thread_id and self._threads(box, parsed, thread_id) else msg_id
        if thread_id is None:  # received: Gmail threads a reply by its references and subject
            thread = self._thread_of_reply(box, parsed) or msg_id
        box.history_id += 7  # history ids increase, with gaps
        record = {
            "id": msg_id,
            "threadId": thread,
            "labelIds": labels,
            "historyId": str(box.history_id),
            "internalDate": str(int(time.time() * 1000)),
            "raw": raw,
            "snippet": "",
        }
        box.messages[msg_id] = record
        slim = {"id": msg_id, "threadId": thread}
        box.history.append(
            {
                "id": str(box.history_id),
                "messages": [slim],
                "messagesAdded": [{"message": slim | {"labelIds": labels}}],
            }
        )
        return record

    def _referenced(self, box: Mailbox, parsed: Message) -> list[dict[str, Any]]:
        ids = " ".join(str(parsed.get(h, "")) for h in ("In-Reply-To", "References")).split()
        found = []
        for m in box.messages.values():
            mid = email.message_from_bytes(m["raw"], policy=email.policy.default).get("Message-ID", "")
            if mid and str(mid).strip() in ids:
                found.append(m)
        return found

    def _same_subject(self, box: Mailbox, parsed: Message, record: dict[str, Any]) -> bool:
        other = email.message_from_bytes(record["raw"], policy=email.policy.default)
        return _bare_subject(str(parsed.get("Subject", ""))) == _bare_subject(str(other.get("Subject", "")))

    def _threads(self, box: Mailbox, parsed: Message, thread_id: str) -> bool:
        return any(
            m["threadId"] == thread_id and self._same_subject(box, parsed, m)
            for m in self._referenced(box, parsed)
        )

    def _thread_of_reply(self, box: Mailbox, parsed: Message) -> str | None:
        for m in self._referenced(box, parsed):
            if self._same_subject(box, parsed, m):
                return str(m["threadId"])
        return None

    # ----- HTTP
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path in PATHS:  # Google's consent page, token and revoke endpoints
            return self.accounts(environ, start_response)
        try:
            body, status = self._route(request)
        except Refusal as refused:
            error = {"code": refused.status, "message": refused.message, "status": "FAILED_PRECONDITION"}
            body, status = {"error": error}, refused.status
        if status == 204:
            return Response(status=204)(environ, start_response)
        return Response(json.dumps(body), status=status, mimetype="application/json")(environ, start_response)

    def _route(self, request: Request) -> tuple[dict[str, Any], int]:
        path = request.path
        if path == "/oauth2/v1/certs":
            return self.signer.certs(), 200
        if not path.startswith(_PREFIX):
            raise Refusal(400, f"not a Gmail API path: {path}")
        user, _, rest = path[len(_PREFIX) :].partition("/")
        with self.lock:
            box = self._box(request, user)
            self.calls.append(f"{request.method} {rest}")
            if (request.method, rest) == ("POST", "stop"):
                box.watch = None
                self.stops.append(box.address)
                return {}, 204
            return self._method(request, box, rest), 200

    def _box(self, request: Request, user: str) -> Mailbox:
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        box = self.tokens.get(token)
        if box is None:
            account = self.accounts.holder(token, "https://www.googleapis.com/auth/gmail.")
            if account is None:
                raise Refusal(401, "Request had invalid authentication credentials.")
            if not account:
                raise Refusal(403, "Request had insufficient authentication scopes.")
            box = self.boxes.setdefault(account, Mailbox(account))
        if user not in ("me", box.address) and user.lower() != box.address.lower():
            raise Refusal(403, "Delegation denied")
        return box

    def _method(self, request: Request, box: Mailbox, rest: str) -> dict[str, Any]:
        method, query = request.method, request.args
        if (method, rest) == ("POST", "watch"):
            return self._watch(box, request.get_json(silent=True) or {})
        if (method, rest) == ("GET", "history"):
            return self._history(box, query)
        if (method, rest) == ("GET", "messages"):
            return self._list(box, query)
        if (method, rest) == ("POST", "messages/send"):
            return self._send(box, request.get_json(silent=True) or {})
        if method == "GET" and rest.startswith("messages/"):
            return self._get(box, rest.removeprefix("messages/"), query.get("format", "full"))
        if method == "GET" and rest.startswith("threads/"):
            return self._thread_get(box, rest.removeprefix("threads/"), query)
        raise Refusal(400, f"the sandbox does not take {method} {rest}")

    def _watch(self, box: Mailbox, body: dict[str, Any]) -> dict[str, Any]:
        topic = body.get("topicName")
        if not isinstance(topic, str) or not re.fullmatch(r"projects/[^/]+/topics/[^/]+", topic):
            raise Refusal(400, "Invalid topicName")
        box.watch = body
        expiration = int(time.time() * 1000) + 7 * 24 * 3600 * 1000
        return {"historyId": str(box.history_id), "expiration": str(expiration)}

    def _history(self, box: Mailbox, query: Any) -> dict[str, Any]:
        start = query.get("startHistoryId", "")
        if not start.isdigit():
            raise Refusal(400, "Invalid startHistoryId")
        if int(start) < box.floor:
            raise Refusal(404, "Requested entity was not found.")
        size = min(int(query.get("maxResults", "100")), 500)
        types = query.getlist("historyTypes")
        after = [h for h in box.history if int(h["id"]) > int(start)]
        if types and types != ["messageAdded"]:
            raise Refusal(400, f"the sandbox keeps only messageAdded history, not {types}")
        at = int(query.get("pageToken", "0") or "0")
        page: dict[str, Any] = {"historyId": str(box.history_id)}
        if after[at : at + size]:
            page["history"] = after[at : at + size]
        if at + size < len(after):
            page["nextPageToken"] = str(at + size)
        return page

    def _list(self, box: Mailbox, query: Any) -> dict[str, Any]:
        labels = query.getlist("labelIds")
        found = [m for m in box.messages.values() if all(label in m["labelIds"] for label in labels)]
        found.sort(key=lambda m: int(m["historyId"]), reverse=True)
        size, at = min(int(query.get("maxResults", "100")), 500), int(query.get("pageToken", "0") or "0")
        page: dict[str, Any] = {"resultSizeEstimate": len(found)}
        if found[at : at + size]:
            page["messages"] = [{"id": m["id"], "threadId": m["threadId"]} for m in found[at : at + size]]
        if at + size < len(found):
            page["nextPageToken"] = str(at + size)
        return page

    def _record(self, box: Mailbox, msg_id: str) -> dict[str, Any]:
        record = box.messages.get(msg_id)
        if record is None:
            raise Refusal(404, "Requested entity was not found.")
        return record

    def _get(self, box: Mailbox, msg_id: str, fmt: str) -> dict[str, Any]:
        record = self._record(box, msg_id)
        shown = {k: record[k] for k in ("id", "threadId", "labelIds", "historyId", "internalDate", "snippet")}
        shown["sizeEstimate"] = len(record["raw"])
        if fmt == "raw":
            return shown | {"raw": _b64(record["raw"])}
        parsed = email.message_from_bytes(record["raw"], policy=email.policy.default)
        if fmt == "metadata":
            return shown | {"payload": {"mimeType": parsed.get_content_type(), "headers": _headers(parsed)}}
        if fmt != "full":
            raise Refusal(400, f"Invalid format: {fmt}")
        return shown | {"payload": _part(parsed, "", msg_id)}

    def _thread_get(self, box: Mailbox, thread_id: str, query: Any) -> dict[str, Any]:
        found = [m for m in box.messages.values() if m["threadId"] == thread_id]
        if not found:
            raise Refusal(404, "Requested entity was not found.")
        wanted = {h.lower() for h in query.getlist("metadataHeaders")}
        if query.get("format") != "metadata":
            raise Refusal(400, "the sandbox answers threads.get with format=metadata only")
        messages = []
        for m in found:
            parsed = email.message_from_bytes(m["raw"], policy=email.policy.default)
            headers = [h for h in _headers(parsed) if not wanted or h["name"].lower() in wanted]
            messages.append(
                {
                    "id": m["id"],
                    "threadId": thread_id,
                    "labelIds": m["labelIds"],
                    "historyId": m["historyId"],
                    "payload": {"headers": headers},
                }
            )
        return {"id": thread_id, "historyId": str(box.history_id), "messages": messages}

    def _send(self, box: Mailbox, body: dict[str, Any]) -> dict[str, Any]:
        raw = body.get("raw")
        if not isinstance(raw, str) or not raw:
            raise Refusal(400, "Recipient address required")
        data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        if not email.message_from_bytes(data, policy=email.policy.default).get("To"):
            raise Refusal(400, "Recipient address required")
        record = self._add(box, data, ["SENT"], body.get("threadId"))
        return {"id": record["id"], "threadId": record["threadId"], "labelIds": record["labelIds"]}


def _watched(watch: dict[str, Any], labels: list[str]) -> bool:
    """Whether a change in ``labels`` is notified under ``watch`` (``labelIds`` with
    ``labelFilterBehavior`` INCLUDE, the default, or EXCLUDE; no ``labelIds``: every change)."""
    if not watch.get("topicName"):
        return False
    named = set(watch.get("labelIds") or [])
    if not named:
        return True
    if str(watch.get("labelFilterBehavior", "INCLUDE")).upper() == "EXCLUDE":
        return not named & set(labels)
    return bool(named & set(labels))


def _headers(part: Message) -> list[dict[str, str]]:
    return [{"name": k, "value": str(v)} for k, v in part.items()]


def _part(part: Message, part_id: str, msg_id: str) -> dict[str, Any]:
    """A MIME part as ``format=full`` shows it: an attachment by ``attachmentId``, other leaves inline."""
    shown: dict[str, Any] = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": part.get_filename() or "",
        "headers": _headers(part),
    }
    if part.is_multipart():
        children = part.get_payload()
        assert isinstance(children, list)
        shown["body"] = {"size": 0}
        prefix = f"{part_id}." if part_id else ""
        shown["parts"] = [_part(c, f"{prefix}{i}", msg_id) for i, c in enumerate(children)]
        return shown
    data = part.get_payload(decode=True)
    data = data if isinstance(data, bytes) else b""
    if part.get_filename():
        shown["body"] = {"size": len(data), "attachmentId": f"att-{msg_id}-{part_id or '0'}"}
    else:
        shown["body"] = {"size": len(data), "data": _b64(data)}
    return shown


def serve(sandbox: GmailSandbox | None = None, port: int = 0) -> tuple[GmailSandbox, ThreadedServer]:
    """The sandbox served on 127.0.0.1 from a thread (started)."""
    sandbox = sandbox or GmailSandbox()
    return sandbox, ThreadedServer(sandbox, "gmail-sandbox", port).start()
