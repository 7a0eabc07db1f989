"""Google Calendar through the official client, google-api-python-client (decision 0218), with the
calendar v3 discovery document the package ships. The person's OAuth refresh token is turned into an
access token by google-auth at Google's token endpoint (or the sandbox's). The calls shared.calendar
relies on: events.list by sync token, events.watch and channels.stop."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import google_auth_httplib2
import httplib2
from google.auth.exceptions import RefreshError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from shared.calendar.ports import SyncGone
from shared.platform.errors import TransientError, Unauthenticated

_PAGE = 250


class GoogleCalendar:
    """``base_url``: the API's base, its root and service path (``https://www.googleapis.com/calendar/v3/``:
    the client's ``api_endpoint`` replaces both); ``token_uri``: Google's token endpoint; the deployment's
    OAuth client's id and secret."""

    def __init__(
        self, base_url: str, token_uri: str, client_id: str, client_secret: str, timeout_s: int
    ) -> None:
        self._base = base_url.rstrip("/") + "/"
        self._oauth = {"token_uri": token_uri, "client_id": client_id, "client_secret": client_secret}
        self._timeout, self._lock = timeout_s, threading.Lock()
        self._held: dict[str, Credentials] = {}  # by refresh token, reused until the access token ends

    def _service(self, refresh: str) -> Any:
        with self._lock:
            held = self._held.setdefault(
                refresh,
                Credentials(None, refresh_token=refresh, **self._oauth),  # type: ignore[no-untyped-call]  # google-auth's constructor is untyped
            )
        authorized = google_auth_httplib2.AuthorizedHttp(held, http=httplib2.Http(timeout=self._timeout))
        return build(
            "calendar",
            "v3",
            http=authorized,
            client_options={"api_endpoint": self._base},
            static_discovery=True,
        )

    def _call(self, request: Any) -> dict[str, Any]:
        """The answer; Unauthenticated when Google refuses the person's consent (401, 403, a refused
        refresh), TransientError when it cannot be reached; other HTTP errors as the client raises them."""
        try:
            answer = request.execute(num_retries=2)
        except RefreshError as refused:
            raise Unauthenticated(f"Google refused the calendar's consent: {str(refused)[:120]}") from None
        except HttpError as failed:
            if failed.resp.status in (401, 403):
                raise Unauthenticated(f"Google Calendar refused the consent ({failed.resp.status})") from None
            raise
        except (OSError, httplib2.HttpLib2Error) as failed:
            raise TransientError(f"Google Calendar unreachable: {type(failed).__name__}") from None
        return dict(answer) if answer else {}

    def _pages(self, refresh: str, **query: Any) -> tuple[list[dict[str, Any]], str]:
        events, service, page_token = [], self._service(refresh), None
        while True:
            request = service.events().list(
                calendarId="primary", maxResults=_PAGE, pageToken=page_token, **query
            )
            try:
                page = self._call(request)
            except HttpError as failed:
                if int(failed.resp.status) == 410:
                    raise SyncGone("Google asks for a full sync") from None
                raise
            events += list(page.get("items", []))
            page_token = page.get("nextPageToken")
            if not page_token:
                return events, str(page.get("nextSyncToken", ""))

    def changes(self, refresh: str, sync_token: str) -> tuple[list[dict[str, Any]], str]:
        return self._pages(refresh, syncToken=sync_token, singleEvents=True)

    def full(self, refresh: str, since: datetime) -> tuple[list[dict[str, Any]], str]:
        when = since.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return self._pages(refresh, timeMin=when, singleEvents=True)

    def watch(self, refresh: str, channel_id: str, token: str, address: str) -> tuple[str, datetime]:
        body = {"id": channel_id, "type": "web_hook", "address": address, "token": token}
        request = self._service(refresh).events().watch(calendarId="primary", body=body)
        answer = self._call(request)
        expires = datetime.fromtimestamp(int(answer["expiration"]) / 1000, UTC)
        return str(answer["resourceId"]), expires

    def stop(self, refresh: str, channel_id: str, resource_id: str) -> None:
        request = self._service(refresh).channels().stop(body={"id": channel_id, "resourceId": resource_id})
        try:
            self._call(request)
        except HttpError as failed:
            if int(failed.resp.status) != 404:
                raise
