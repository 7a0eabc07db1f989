"""The slack capability's ports: where installs are kept and what of Slack's Web API it calls."""

from typing import Any, Protocol

from shared.slack.domain.installs import SlackInstall


class SlackInstalls(Protocol):
    """``slack_teams/{team_id}``: one document per Slack team the app is installed in."""

    def get(self, team_id: str) -> SlackInstall | None: ...

    def put(self, install: SlackInstall) -> None:
        """Keep ``install``, replacing the team's earlier one."""
        ...

    def link(self, install: SlackInstall) -> SlackInstall:
        """Keep ``install`` unless its team is another tenant's (then that one is returned, unchanged):
        one create, or a read and a write for the same tenant's team."""
        ...

    def delete(self, team_id: str) -> None: ...

    def delete_for(self, tenant_id: str) -> int:
        """Delete every install of ``tenant_id``; how many there were."""
        ...


class SlackWeb(Protocol):
    """Slack's Web API as the bot token ``token`` calls it."""

    def identity(self, token: str) -> tuple[str, str]:
        """``(team_id, bot user id)`` of the bot token ``token`` (``auth.test``)."""
        ...

    def user_email(self, token: str, user_id: str) -> str | None:
        """The email of ``user_id``'s Slack profile (``users.info``, scope ``users:read.email``);
        None for a user Slack does not know or who shows none (a bot)."""
        ...

    def reply(self, token: str, channel: str, thread_ts: str, text: str, key: str = "") -> None:
        """Post ``text`` in the thread of ``thread_ts`` (``chat.postMessage``), carrying ``key`` in its
        metadata when given (for :meth:`find`)."""
        ...

    def post(self, token: str, channel: str, text: str, key: str = "") -> str:
        """Post ``text`` in ``channel`` (``chat.postMessage``), carrying ``key`` as :meth:`reply` does;
        its ``ts``. NotFound when the bot may not post there (``not_in_channel``, ``channel_not_found``:
        invite it first)."""
        ...

    def find(self, token: str, channel: str, thread_ts: str, key: str) -> str | None:
        """The ``ts`` of a message posted with ``key``: among the replies of ``thread_ts``
        (``conversations.replies``), or the channel's latest messages when ``thread_ts`` is empty
        (``conversations.history``); None when there is none, or Slack would not say."""
        ...

    def permalink(self, token: str, channel: str, ts: str) -> str | None:
        """The message's permalink (``chat.getPermalink``, an ``https://`` address); None when Slack
        gives none (the message gone, or Slack refusing)."""
        ...

    def whisper(self, token: str, channel: str, user: str, text: str) -> None:
        """Show ``text`` to ``user`` alone in ``channel`` (``chat.postEphemeral``)."""
        ...

    def exchange(self, client_id: str, client_secret: str, code: str, redirect_uri: str) -> dict[str, Any]:
        """``oauth.v2.access``: the answer to an install's ``code`` (the app's id and secret sent by
        HTTP Basic). Unauthenticated when Slack refuses the code (used, expired, another redirect)."""
        ...
