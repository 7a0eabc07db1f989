"""The slack capability's ports faked for unit tests (same Protocols as its adapters)."""

from dataclasses import dataclass, field
from typing import Any

from shared.slack.domain.installs import SlackInstall
from shared.slack.ports import SlackInstalls, SlackWeb


@dataclass
class FakeSlackInstalls(SlackInstalls):
    installs: dict[str, SlackInstall] = field(default_factory=dict)

    def get(self, team_id: str) -> SlackInstall | None:
        return self.installs.get(team_id)

    def put(self, install: SlackInstall) -> None:
        self.installs[install.team_id] = install

    def link(self, install: SlackInstall) -> SlackInstall:
        found = self.installs.get(install.team_id)
        if found is not None and found.tenant_id != install.tenant_id:
            return found
        self.installs[install.team_id] = install
        return install

    def delete(self, team_id: str) -> None:
        self.installs.pop(team_id, None)

    def delete_for(self, tenant_id: str) -> int:
        gone = [t for t, i in self.installs.items() if i.tenant_id == tenant_id]
        for team_id in gone:
            del self.installs[team_id]
        return len(gone)


@dataclass
class FakeSlackWeb(SlackWeb):
    """Slack users' emails by id; every reply posted, as (token, channel, thread, text)."""

    emails: dict[str, str] = field(default_factory=dict)
    replies: list[tuple[str, str, str, str]] = field(default_factory=list)
    teams: dict[str, tuple[str, str]] = field(default_factory=dict)  # token → (team id, bot user id)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)  # an install's code → its answer, once
    whispers: list[tuple[str, str, str]] = field(default_factory=list)  # (channel, user, text)
    closed: set[str] = field(default_factory=set)  # channels the bot may not post in
    keys: dict[str, str] = field(default_factory=dict)  # a post's key → its ts (find)

    def identity(self, token: str) -> tuple[str, str]:
        return self.teams.get(token, ("T0FAKE0001", "U0FAKEBOT1"))

    def user_email(self, token: str, user_id: str) -> str | None:
        return self.emails.get(user_id)

    def reply(self, token: str, channel: str, thread_ts: str, text: str, key: str = "") -> None:
        self.replies.append((token, channel, thread_ts, text))
        self.keys[key or f"no-key-{len(self.replies)}"] = f"1767600000.{len(self.replies):06d}"

    def find(self, token: str, channel: str, thread_ts: str, key: str) -> str | None:
        return self.keys.get(key)

    def post(self, token: str, channel: str, text: str, key: str = "") -> str:
        """A message in ``channel`` (kept as a reply with no thread); NotFound for a channel in ``closed``."""
        from shared.platform.errors import NotFound

        if channel in self.closed:
            raise NotFound(f"the app may not post in channel {channel} (not_in_channel): invite it there")
        self.replies.append((token, channel, "", text))
        self.keys[key or f"no-key-{len(self.replies)}"] = f"1767600000.{len(self.replies):06d}"
        return f"1767600000.{len(self.replies):06d}"

    def permalink(self, token: str, channel: str, ts: str) -> str | None:
        return f"https://acme.slack.com/archives/{channel}/p{ts.replace('.', '')}" if ts else None

    def whisper(self, token: str, channel: str, user: str, text: str) -> None:
        self.whispers.append((channel, user, text))

    def exchange(self, client_id: str, client_secret: str, code: str, redirect_uri: str) -> dict[str, Any]:
        from shared.platform.errors import Unauthenticated

        answer = self.codes.pop(code, None)
        if answer is None:
            raise Unauthenticated("Slack refused the install's code: invalid_code")
        return answer
