"""One Google for the local stack: the Gmail sandbox (Google's consent page, token and revoke
endpoints, its certs, Gmail) and the Calendar sandbox sharing its accounts, served on one port, so
Connect Google works with ``make stack``'s defaults (``settings`` names each URL)."""

from __future__ import annotations

from typing import Any

from local.calendar_sandbox.app import CalendarSandbox
from local.gmail_sandbox.accounts import AUTH_PATH, CLIENT_ID, CLIENT_SECRET, REVOKE_PATH, TOKEN_PATH
from local.gmail_sandbox.app import GmailSandbox
from local.wsgi_thread import ThreadedServer

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "GoogleServer"]


class GoogleServer(ThreadedServer):
    """Both sandboxes on 127.0.0.1:``port`` (0: a free one): ``/calendar/v3/`` to the Calendar
    sandbox, everything else to the Gmail sandbox."""

    def __init__(self, port: int = 0) -> None:
        self.gmail = GmailSandbox()
        self.calendar = CalendarSandbox(self.gmail.accounts)

        def app(environ: dict[str, Any], start_response: Any) -> Any:
            calendar = str(environ.get("PATH_INFO", "")).startswith("/calendar/v3/")
            return (self.calendar if calendar else self.gmail)(environ, start_response)

        super().__init__(app, "google-sandbox", port)

    def settings(self, project: str, push_address: str) -> dict[str, str]:
        """The stack's Google settings: this server's URLs, the sandbox's OAuth client, the Gmail
        topic of ``project`` and the calendars' ``push_address`` (the client's secret: the caller's)."""
        return {
            "NA_GOOGLE_OAUTH_CLIENT_ID": CLIENT_ID,
            "NA_GOOGLE_AUTH_URL": self.url + AUTH_PATH,
            "NA_GOOGLE_TOKEN_URL": self.url + TOKEN_PATH,
            "NA_GOOGLE_REVOKE_URL": self.url + REVOKE_PATH,
            "NA_GOOGLE_CERTS_URL": self.url + "/oauth2/v1/certs",
            "NA_GMAIL_API_URL": self.url + "/",
            "NA_GOOGLE_CALENDAR_API_URL": self.url + "/calendar/v3/",
            "NA_MAIL_TOPIC": f"projects/{project}/topics/na-gmail-push",
            "NA_CALENDAR_PUSH_ADDRESS": push_address,
        }
