"""Gmail through the official client, google-api-python-client (decision 0218), with the bundled
discovery document: the mailbox's owner's OAuth refresh token turned into an access token by
google-auth at Google's token endpoint (or the sandbox's), and the calls shared.mail relies on."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime
from typing import Any

import google_auth_httplib2
import httplib2
from google.auth.exceptions import RefreshError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from shared.mail.ports import HistoryGone
from shared.platform.errors import TransientError, Unauthenticated

_PAGE = 500


class GmailApi:
    """``base_url``: Gmail's root (``https://gmail.googleapis.com/``); ``token_uri``: Google's token
    endpoint; the OAuth client's id and secret."""

    def __init__(
        self, base_url: str, token_uri: str, client_id: str, client_secret: str, timeout_s: int
    ) -> None:
        self._base, self._token_uri, self._timeout = base_url.rstrip("/") + "/", token_uri, timeout_s
        self._client = (client_id, client_secret)
        self._lock = threading.Lock()
        self._credentials: dict[
            str, Credentials
        ] = {}  # by refresh token: an access token reused until it expires

    def _users(self, refresh: str) -> Any:
        with self._lock:
            creds = self._credentials.get(refresh)
            if creds is None:
                creds = Credentials(  # type: ignore[no-untyped-call]  # google-auth's constructor is untyped
                    None,
                    refresh_token=refresh,
                    token_uri=self._token_uri,
                    client_id=self._client[0],
                    client_secret=self._client[1],
                )
                self._credentials[refresh] = creds
        http = google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(timeout=self._timeout))
        service = build(
            "gmail", "v1", http=http, client_options={"api_endpoint": self._base}, static_discovery=True
        )
        return service.users()

    def _run(self, request: Any) -> dict[str, Any]:
        try:
            return dict(request.execute(num_retries=2))
        except HttpError as failed:
            status = int(failed.resp.status)
            if status in (401, 403):
                raise Unauthenticated(f"Gmail refused the mailbox's consent ({status})") from None
            raise
        except RefreshError as refused:
            raise Unauthenticated(f"Google refused the mailbox's consent: {str(refused)[:120]}") from None
        except (OSError, httplib2.HttpLib2Error) as failed:
            raise TransientError(f"Gmail unreachable: {type(failed).__name__}") from None

    def watch(self, refresh: str, topic: str) -> tuple[int, datetime]:
        body = {"topicName": topic, "labelIds": ["INBOX"], "labelFilterBehavior": "INCLUDE"}
        got = self._run(self._users(refresh).watch(userId="me", body=body))
        return int(got["historyId"]), datetime.fromtimestamp(int(got["expiration"]) / 1000, UTC)

    def stop(self, refresh: str) -> None:
        self._run(self._users(refresh).stop(userId="me"))

    def history(self, refresh: str, start: int) -> tuple[list[str], int]:
        users, found, token, current = self._users(refresh), [], None, start
        while True:
            request = users.history().list(
                userId="me",
                startHistoryId=str(start),
                historyTypes="messageAdded",
                maxResults=_PAGE,
                pageToken=token,
            )
            try:
                page = self._run(request)
            except HttpError as failed:
                if int(failed.resp.status) == 404:
                    raise HistoryGone(f"history from {start} is no longer kept") from None
                raise
            current = int(page.get("historyId", current))
            for record in page.get("history", []):
                for added in record.get("messagesAdded", []):
                    message = added.get("message", {})
                    if "INBOX" in message.get("labelIds", []) and message.get("id") not in found:
                        found.append(str(message["id"]))
            token = page.get("nextPageToken")
            if not token:
                return found, current

    def recent(self, refresh: str, limit: int) -> list[str]:
        request = self._users(refresh).messages().list(userId="me", labelIds=["INBOX"], maxResults=limit)
        return [str(m["id"]) for m in reversed(self._run(request).get("messages", []))]

    def raw(self, refresh: str, message_id: str) -> tuple[bytes, str, list[str]]:
        got = self._run(self._users(refresh).messages().get(userId="me", id=message_id, format="raw"))
        raw = str(got["raw"])
        return (
            base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)),
            str(got["threadId"]),
            list(got.get("labelIds", [])),
        )

    def sent_in_thread(self, refresh: str, thread_id: str, key: str) -> bool:
        request = (
            self._users(refresh)
            .threads()
            .get(userId="me", id=thread_id, format="metadata", metadataHeaders=["X-Agent-Reply"])
        )
        for message in self._run(request).get("messages", []):
            for header in message.get("payload", {}).get("headers", []):
                if header.get("name", "").lower() == "x-agent-reply" and header.get("value") == key:
                    return True
        return False

    def send(self, refresh: str, raw: bytes, thread_id: str) -> str:
        body = {"raw": base64.urlsafe_b64encode(raw).decode(), "threadId": thread_id}
        return str(self._run(self._users(refresh).messages().send(userId="me", body=body))["id"])
