"""Slack's Web API through ``slack_sdk``'s WebClient (the client the notify capability uses too);
``base_url`` is Slack's, or the local stack's sandbox."""

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from shared.platform.errors import ConfigError, NotFound, TransientError, Unauthenticated

SLACK_API = "https://slack.com/api/"
_GONE = {"user_not_found", "user_not_visible"}
_NOT_THERE = {"not_in_channel", "channel_not_found", "is_archived"}
# oauth.v2.access's refusals of the code (or its redirect), and of the app's own credentials.
_BAD_CODE = {"invalid_code", "code_already_used", "bad_redirect_uri", "oauth_authorization_url_mismatch"}
_BAD_APP = {"invalid_client_id", "bad_client_secret"}
# The metadata a message the app may post again carries: its key, looked for before posting again.
SAID = "notion_agent_said"
FIND_PAGES, FIND_PAGE_SIZE = 3, 100


def said(key: str) -> dict[str, Any] | None:
    """``chat.postMessage``'s metadata carrying ``key`` (none for an empty key)."""
    return {"event_type": SAID, "event_payload": {"key": key}} if key else None


class SlackWebApi:
    def __init__(self, base_url: str = SLACK_API, timeout: int = 10) -> None:
        self._base_url, self._timeout = base_url, timeout

    def _client(self, token: str) -> WebClient:
        return WebClient(token=token, base_url=self._base_url, timeout=self._timeout)

    def identity(self, token: str) -> tuple[str, str]:
        try:
            answer = self._client(token).auth_test()
        except SlackApiError as exc:
            raise TransientError(f"Slack refused auth.test: {exc.response.get('error')}") from None
        return str(answer.get("team_id") or ""), str(answer.get("user_id") or "")

    def user_email(self, token: str, user_id: str) -> str | None:
        try:
            answer = self._client(token).users_info(user=user_id)
        except SlackApiError as exc:
            if exc.response.get("error") in _GONE:
                return None
            raise TransientError(f"Slack refused users.info: {exc.response.get('error')}") from None
        profile = (answer.get("user") or {}).get("profile") or {}
        email = profile.get("email")
        return email if isinstance(email, str) and email else None

    def reply(self, token: str, channel: str, thread_ts: str, text: str, key: str = "") -> None:
        client = self._client(token)
        try:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, metadata=said(key))
        except SlackApiError as exc:
            raise TransientError(f"Slack refused chat.postMessage: {exc.response.get('error')}") from None

    def post(self, token: str, channel: str, text: str, key: str = "") -> str:
        try:
            answer = self._client(token).chat_postMessage(channel=channel, text=text, metadata=said(key))
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            if error in _NOT_THERE:
                raise NotFound(
                    f"the app may not post in channel {channel} ({error}): invite it there"
                ) from None
            raise TransientError(f"Slack refused chat.postMessage: {error}") from None
        return str(answer.get("ts") or "")

    def find(self, token: str, channel: str, thread_ts: str, key: str) -> str | None:
        """At most three pages of a hundred messages, with their metadata; a refusal (the bot may not
        read there) is None: the caller then posts again rather than leave the thread unanswered."""
        client, wanted = self._client(token), said(key)
        args: dict[str, Any] = {"channel": channel, "limit": FIND_PAGE_SIZE, "include_all_metadata": True}
        for _ in range(FIND_PAGES):
            try:
                page = (
                    client.conversations_replies(ts=thread_ts, **args)
                    if thread_ts
                    else client.conversations_history(**args)
                )
            except SlackApiError:
                return None
            for message in page.get("messages") or []:
                if message.get("metadata") == wanted:
                    return str(message.get("ts") or "")
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
            args["cursor"] = str(cursor)
        return None

    def permalink(self, token: str, channel: str, ts: str) -> str | None:
        try:
            answer = self._client(token).chat_getPermalink(channel=channel, message_ts=ts)
        except SlackApiError:
            return None
        link = answer.get("permalink")
        return link if isinstance(link, str) and link.startswith("https://") and len(link) <= 500 else None

    def whisper(self, token: str, channel: str, user: str, text: str) -> None:
        try:
            self._client(token).chat_postEphemeral(channel=channel, user=user, text=text)
        except SlackApiError as exc:
            raise TransientError(f"Slack refused chat.postEphemeral: {exc.response.get('error')}") from None

    def exchange(self, client_id: str, client_secret: str, code: str, redirect_uri: str) -> dict[str, Any]:
        client = WebClient(base_url=self._base_url, timeout=self._timeout)
        try:
            answer = client.oauth_v2_access(
                client_id=client_id, client_secret=client_secret, code=code, redirect_uri=redirect_uri
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            if error in _BAD_CODE:
                raise Unauthenticated(f"Slack refused the install's code: {error}") from None
            if error in _BAD_APP:
                raise ConfigError(f"Slack refused this deployment's Slack app credentials: {error}") from None
            raise TransientError(f"Slack refused oauth.v2.access: {error}") from None
        return dict(answer.data) if isinstance(answer.data, dict) else {}
