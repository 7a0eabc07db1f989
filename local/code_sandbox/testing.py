"""For tests: the sandbox on a free loopback port in a background thread, and an admin client.

with running_code_sandbox() as (url, admin):
    host = GitHubCodeHost(url + "/github", timeout_s=5)
    admin.grant_github("ghp_test", ["acme/site"])
    chat = SlackChat(url + "/slack/api", timeout_s=5)
    admin.slack_post("C0SANDBOX01", "a person's message")

with running_code_sandbox() as sandbox:
    mailer = SmtpMailer("127.0.0.1", sandbox.smtp_port, "none", "notion-agent", sender, timeout_s=5)
    admin.smtp_fault("lost_answer")
    admin.smtp_messages()
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

from local.code_sandbox.app import PREFIXES, CodeSandboxServer
from local.sandbox_admin import AdminClient


class Admin(AdminClient):
    """Thin client for /_sandbox/... (JSON in, JSON out; raises on non-2xx)."""

    def reset(self) -> Any:
        return self.post("/reset")

    def grant_github(
        self, token: str, repositories: list[str], permission: str = "write", login: str = "sandbox-user"
    ) -> Any:
        """``token`` acts as ``login`` (a name ending in ``[bot]`` is a bot's) on ``repositories``."""
        body = {"token": token, "repositories": repositories, "permission": permission, "login": login}
        return self.post("/github/tokens", body)

    def grant_vercel(self, token: str, projects: list[str]) -> Any:
        return self.post("/vercel/tokens", {"token": token, "projects": projects})

    def vercel_project(
        self, name: str, repository: str, team_id: str | None = None, gitlab: dict[str, Any] | None = None
    ) -> Any:
        """A new Vercel project linked to ``repository``; owned by the team ``team_id`` if given; on
        GitLab when ``gitlab`` says its ``project_id``, ``api_url`` (``.../api/v4``) and ``token``."""
        body = {"name": name, "repository": repository, "team_id": team_id}
        return self.post("/vercel/projects", body | ({"gitlab": gitlab} if gitlab else {}))

    def slack_messages(self, channel: str) -> list[dict[str, Any]]:
        """The channel's messages, oldest first (``ts``, ``text``, ``user``, ``user_name``, ``bot_id``)."""
        result: list[dict[str, Any]] = self.get("/slack/messages", channel=channel)
        return result

    def slack_ephemerals(self) -> list[dict[str, Any]]:
        """chat.postEphemeral's messages, oldest first (``channel``, ``user``, ``text``, ``ts``)."""
        result: list[dict[str, Any]] = self.get("/slack/ephemerals")
        return result

    def slack_post(
        self,
        channel: str,
        *texts: str,
        user: str = "alice",
        at: datetime | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> list[str]:
        """Post ``texts`` in order as ``user`` (a person by default), stamped from ``at`` on (a time
        past) if given, each with ``metadata`` if given; their ``ts``."""
        body: dict[str, Any] = {"channel": channel, "texts": list(texts), "user": user}
        if at is not None:
            body["at"] = at.timestamp()
        if metadata is not None:
            body["metadata"] = metadata
        result: list[str] = self.post("/slack/messages", body)["ts"]
        return result

    def slack_app(self, events_url: str, commands_url: str) -> Any:
        """Where the sandbox's Slack delivers the app's events and slash commands."""
        return self.post("/slack/app", {"events_url": events_url, "commands_url": commands_url})

    def slack_say(self, user: str, text: str, channel: str = "", **more: str) -> dict[str, Any]:
        """``user`` says ``text`` (in #agent, or ``channel``: an id or ``dm``), its event delivered to the
        app: ``{"ts", "event", "delivered": {"status", "body"}}`` (slack_events.py)."""
        said: dict[str, Any] = self.post(
            "/slack/say", {"user": user, "text": text, "channel": channel} | more
        )
        return said

    def slack_command(self, user: str, text: str, channel: str = "") -> dict[str, Any]:
        """``user`` types ``/agent <text>``: ``{"delivered": {"status", "body"}}``."""
        answer: dict[str, Any] = self.post("/slack/command", {"user": user, "text": text, "channel": channel})
        return answer

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

    def slack_user(self, name: str, email: str, channels: tuple[str, ...] = ()) -> str:
        """A new person of the Slack team, member of ``channels``; their user id."""
        result: str = self.post("/slack/users", {"name": name, "email": email, "channels": list(channels)})[
            "id"
        ]
        return result

    def slack_limits(self, history_max_limit: int) -> Any:
        return self.post("/slack/limits", {"history_max_limit": history_max_limit})

    def smtp_messages(self) -> list[dict[str, Any]]:
        """Every message the relay accepted, oldest first: ``mail_from``, ``rcpt_tos``, the decoded
        ``from``, ``to``, ``subject``, ``message_id``, ``date``, ``auto_submitted``, ``content_type``,
        ``text``, and how it came (``login``, ``tls``)."""
        result: list[dict[str, Any]] = self.get("/smtp/messages")
        return result

    def smtp_auth_attempts(self) -> list[dict[str, Any]]:
        """Every AUTH the relay checked: ``mechanism``, ``login``, ``tls``, ``accepted`` (no password)."""
        result: list[dict[str, Any]] = self.get("/smtp/auth")
        return result

    def smtp_fault(self, kind: str, times: int = 1) -> Any:
        """The next ``times`` transactions meet ``kind`` at the end of DATA: "451" (a temporary
        refusal), "421" (a refusal, then the connection closed) or "lost_answer" (stored, then the
        connection dropped before the 250 reply)."""
        return self.post("/smtp/faults", {"kind": kind, "times": times})

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

    def modes(self, full_name: str, ref: str) -> dict[str, str]:
        """``{path: mode}``: 100644 for a regular file, 100755 for an executable one."""
        result: dict[str, str] = self.get(f"/github/repos/{full_name}/modes", ref=ref)
        return result

    def set_checks(self, full_name: str, checks: list[dict[str, Any]]) -> Any:
        """``checks``: ``[{"name", "command": [argv...], "timeout_s", "kind": "check_run"|"status"}]``."""
        return self.post(f"/github/repos/{full_name}/checks", {"checks": checks})

    def add_hook(self, full_name: str, url: str, secret: str) -> Any:
        return self.post(f"/github/repos/{full_name}/hooks", {"url": url, "secret": secret})

    def check_runs(self, full_name: str, sha: str = "") -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get(f"/github/repos/{full_name}/check-runs", sha=sha)
        return result

    def checks_done(self, full_name: str, timeout_s: float = 30.0) -> list[dict[str, Any]]:
        """Every check run of ``full_name`` once all have completed (polled; AssertionError at
        ``timeout_s``)."""
        deadline = time.monotonic() + timeout_s
        while True:
            runs = self.check_runs(full_name)
            if all(r["status"] == "completed" for r in runs):
                return runs
            assert time.monotonic() < deadline, f"checks still running: {runs}"
            time.sleep(0.05)

    def deliveries(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get("/github/deliveries")
        return result

    def redeliver(self, guid: str) -> Any:
        return self.post(f"/github/deliveries/{guid}/redeliver", {})

    def builds(self, reads_to_ready: int = 2, outcome: str = "READY", healthy: bool = True) -> Any:
        """How later deployments progress: reads until they settle, READY/ERROR/CANCELED, healthy or not."""
        body = {"reads_to_ready": reads_to_ready, "outcome": outcome, "healthy": healthy}
        return self.post("/vercel/builds", body)

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
        return self.url + PREFIXES["github"]

    @property
    def vercel_url(self) -> str:
        return self.url + PREFIXES["vercel"]

    @property
    def slack_url(self) -> str:
        return self.url + PREFIXES["slack"]

    @property
    def discord_url(self) -> str:
        return self.url + PREFIXES["discord"]

    @property
    def smtp_port(self) -> int:
        """The SMTP relay's port on 127.0.0.1 (asked of the sandbox: the tuple stays ``(url, admin)``)."""
        port: int = self.admin.get("/health")["smtp_port"]
        return port


@contextmanager
def running_code_sandbox(
    smtp_tls_context: ssl.SSLContext | None = None, smtp_implicit_tls: bool = False
) -> Iterator[RunningSandbox]:
    """A fresh sandbox on 127.0.0.1:<free port> and its SMTP relay on another, stopped on exit.
    ``smtp_tls_context``: the relay offers STARTTLS (or, with ``smtp_implicit_tls``, speaks TLS)."""
    with CodeSandboxServer(smtp_tls_context=smtp_tls_context, smtp_implicit_tls=smtp_implicit_tls) as server:
        admin = Admin(server.url)
        try:
            yield RunningSandbox(server.url, admin)
        finally:
            admin.close()
