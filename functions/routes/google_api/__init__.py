"""The api's routes of Connect Google (shared.google): the consent started for an agent's mailbox or
the caller's calendar, Google's redirect, and the disconnects (:mod:`.connect`). The table
(functions.routes.table) lists them where :data:`GOOGLE_ROUTES` stands. Each is a session's (the
console's) only; the mailbox's are the owner's, the calendar's any member's for their own."""

from typing import Any

from functions.routes import Route
from functions.routes.google_api import connect
from functions.routes.rows import MOVED, Tag

_google = Tag("google", session_only=True)
_M = "models.google."
_START = {200: _M + "GoogleConnectStart"}
_OWN = "the caller's calendar"
# method and path, handler, summary, answers, the least role, refusals, and the body, query or path model
_ROWS: tuple[tuple[str, Any, str, dict[int, str], str, tuple[int, ...], dict[str, Any]], ...] = (
    ("POST /google/connect/mailbox", connect.post_mailbox,
     "Connect Google for an agent's address: Google's consent URL (a signed state, 10 minutes)",
     _START, "owner", (404, 409, 503), {"body": _M + "MailboxConnect"}),
    ("POST /google/connect/calendar", connect.post_calendar,
     f"Connect Google for {_OWN}: Google's consent URL (a signed state, 10 minutes)",
     _START, "viewer", (409, 503), {}),
    ("GET /google/oauth/callback", connect.get_callback,
     "Google's OAuth redirect: the code exchanged with PKCE, every scope and the account checked, the "
     "mailbox or calendar connected, the browser sent to the console",
     MOVED, "viewer", (400, 403, 409, 503), {"query": _M + "GoogleCallbackQuery", "paced": False}),
    ("DELETE /google/mailboxes/<address>", connect.delete_mailbox,
     "Disconnect an agent's mailbox: Gmail's watch stopped, the grant revoked at Google, forgotten",
     {200: _M + "MailboxDisconnected"}, "owner", (404, 409, 503), {"path": _M + "MailboxPath"}),
    ("DELETE /google/calendar", connect.delete_calendar,
     f"Disconnect {_OWN}: its channel stopped, the grant revoked at Google, forgotten",
     {200: _M + "CalendarDisconnected"}, "viewer", (404, 409, 503), {}),
)  # fmt: skip

GOOGLE_ROUTES: list[Route] = [
    _google(spec, handler, words, answers, refusals=refusals, role=role, **models)
    for spec, handler, words, answers, role, refusals, models in _ROWS
]
