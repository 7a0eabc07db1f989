"""For tests: the sandbox on a free loopback port in a background thread, and an admin client.

with running_code_sandbox() as (url, admin):
    host = GitHubCodeHost(url + "/github", timeout_s=5)
    admin.grant_github("ghp_test", ["acme/site"])
    chat = SlackChat(url + "/slack/api", timeout_s=5)
    admin.slack_post("C0SANDBOX01", "a person's message")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from local.code_sandbox.app import CodeSandboxServer
from local.sandbox_admin import AdminClient


class Admin(AdminClient):
    """Thin client for /_sandbox/... (JSON in, JSON out; raises on non-2xx)."""

    def reset(self) -> Any:
        return self.post("/reset")

    def grant_github(self, token: str, repositories: list[str], permission: str = "write") -> Any:
        return self.post(
            "/github/tokens", {"token": token, "repositories": repositories, "permission": permission}
        )

    def grant_vercel(self, token: str, projects: list[str]) -> Any:
        return self.post("/vercel/tokens", {"token": token, "projects": projects})

    def vercel_project(self, name: str, repository: str, team_id: str | None = None) -> Any:
        """A new Vercel project linked to ``repository``; owned by the team ``team_id`` if given."""
        return self.post("/vercel/projects", {"name": name, "repository": repository, "team_id": team_id})

    def slack_messages(self, channel: str) -> list[dict[str, Any]]:
        """The channel's messages, oldest first (``ts``, ``text``, ``user``, ``user_name``, ``bot_id``)."""
        result: list[dict[str, Any]] = self.get("/slack/messages", channel=channel)
        return result

    def slack_post(self, channel: str, *texts: str, user: str = "alice") -> list[str]:
        """Post ``texts`` in order as ``user`` (a person by default); their ``ts``."""
        result: list[str] = self.post(
            "/slack/messages", {"channel": channel, "texts": list(texts), "user": user}
        )["ts"]
        return result

    def slack_token(
        self,
        token: str,
        user: str | None = None,
        scopes: list[str] | None = None,
        refused: str | None = None,
    ) -> Any:
        """Register or change a Slack token (the bot's by default); ``refused`` e.g. "token_revoked"."""
        return self.post(
            "/slack/tokens", {"token": token, "user": user, "scopes": scopes, "refused": refused}
        )

    def slack_limits(self, history_max_limit: int) -> Any:
        return self.post("/slack/limits", {"history_max_limit": history_max_limit})

    def inject(self, **fault: Any) -> Any:
        """E.g. ``inject(service="github", status=502, method="POST", path="/pulls", when="after")``."""
        return self.post("/faults", fault)

    def repo(self, full_name: str) -> Any:
        return self.get(f"/github/repos/{full_name}")

    def commits(self, full_name: str, branch: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get(f"/github/repos/{full_name}/commits", branch=branch)
        return result

    def files(self, full_name: str, ref: str) -> dict[str, str]:
        result: dict[str, str] = self.get(f"/github/repos/{full_name}/files", ref=ref)
        return result

    def deployments(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get("/vercel/deployments")
        return result

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get("/requests", since=since)
        return result

    def close(self) -> None:
        self.http.close()


class RunningSandbox(NamedTuple):
    url: str
    admin: Admin

    @property
    def github_url(self) -> str:
        return self.url + "/github"

    @property
    def vercel_url(self) -> str:
        return self.url + "/vercel"

    @property
    def slack_url(self) -> str:
        return self.url + "/slack/api"


@contextmanager
def running_code_sandbox() -> Iterator[RunningSandbox]:
    """A fresh sandbox on 127.0.0.1:<free port>, stopped on exit."""
    with CodeSandboxServer() as server:
        admin = Admin(server.url)
        try:
            yield RunningSandbox(server.url, admin)
        finally:
            admin.close()
