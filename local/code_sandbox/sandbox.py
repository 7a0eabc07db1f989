"""The sandbox's state (GitHub, Vercel, Slack, Discord and the SMTP relay), its seed, injected faults, a request
log, and the one path every API request takes: faults, then the service under the lock, then the log."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from flask import Request, Response

from local.code_sandbox import discord_api, github_api, github_screen, slack_api, slack_oauth, vercel_api
from local.code_sandbox.faults import Faults, Injection
from local.code_sandbox.github_state import GitHubState, Grant
from local.code_sandbox.slack_state import SlackState, Token
from local.code_sandbox.smtp_state import SmtpState
from local.code_sandbox.vercel_state import VercelState
from local.code_sandbox.web import ApiError, error_response, json_response

SEED = {
    "repository": "acme/site",
    "default_branch": "main",
    "project": "site",
    "github_token": "ghp_sandbox_acme_site",
    "vercel_token": "vercel_sandbox_acme_site",
    "slack_token": "xoxb-sandbox-acme",
    "slack_team": "Acme",
    "slack_bot": "notion-agent",
    "slack_channel": "C0SANDBOX01",  # #agent: the bot is a member
    "slack_outside_channel": "C0OUTSIDE01",  # #general: the bot is not a member
    "slack_archived_channel": "C0ARCHIVE01",  # #old-agent: archived
    "discord_webhook_id": "1200000000000000001",
    "discord_webhook_token": "sandbox-discord-webhook-token-acme-0123456789",
    "smtp_username": "notion-agent",
    "smtp_password": "smtp-sandbox-password",
    "smtp_sender": "Notion Agent <agent@sandbox.notion-agent.local>",  # for reference: any is relayed
}


class CodeSandbox:
    """GitHub, Vercel, Slack and an SMTP relay for one test session or local stack; thread-safe (one lock
    for all, the relay's thread included)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults = Faults()
        self.requests: list[dict[str, Any]] = []
        self.github = GitHubState()
        self.vercel = VercelState()
        self.slack = SlackState()
        self.slack_app = slack_oauth.SlackApp()
        self.discord = discord_api.DiscordState()
        self.smtp = SmtpState()
        self.smtp_port: int | None = None  # the relay's, once a CodeSandboxServer has bound it
        self.reset()

    def reset(self) -> None:
        """Back to the seed: acme/site (main, one commit), project site linked to it, Slack's workspace
        Acme with its three channels, a token for each service, and the relay's one account with no
        message."""
        with self.lock:
            self.github, self.vercel, self.slack = GitHubState(lock=self.lock), VercelState(), SlackState()
            self.slack_app = slack_oauth.SlackApp()
            self.discord = discord_api.DiscordState()
            self.discord.add_webhook(
                SEED["discord_webhook_id"],
                SEED["discord_webhook_token"],
                "Notion Agent",
                "1200000000000000002",
            )
            self.smtp = SmtpState({SEED["smtp_username"]: SEED["smtp_password"]})
            self.faults.clear()
            self.requests.clear()
            self.github.create_repo(SEED["repository"], SEED["default_branch"], {})
            self.github.grants[SEED["github_token"]] = Grant({SEED["repository"]})
            project = self.vercel.create_project(SEED["project"], SEED["repository"])
            self.vercel.tokens[SEED["vercel_token"]] = {project.id}
            self._seed_slack()

    def _seed_slack(self) -> None:
        """Workspace Acme: the bot notion-agent and a person, alice; #agent and the archived
        #old-agent have both as members, #general only alice."""
        bot = self.slack.add_user(SEED["slack_bot"], bot=True)
        person = self.slack.add_user("alice")
        self.slack.team = SEED["slack_team"]
        self.slack.tokens[SEED["slack_token"]] = Token(bot)
        self.slack.add_channel(SEED["slack_channel"], "agent", {bot.id, person.id})
        self.slack.add_channel(SEED["slack_outside_channel"], "general", {person.id})
        self.slack.add_channel(
            SEED["slack_archived_channel"], "old-agent", {bot.id, person.id}, archived=True
        )

    def resolve_ref(self, repository: str, ref: str) -> str | None:
        """The commit a branch name or commit sha names in a sandbox repository (Vercel builds it)."""
        repo = self.github.find_repo(repository)
        if repo is None:
            return None
        return repo.branch_head(ref) or (ref if ref in repo.objects.commits else None)

    def serve(self, service: str, path: str, request: Request) -> Response:
        """Answer one API request of ``service`` (github, vercel, slack or discord)."""
        injection = self.faults.take(service, request.method, path)
        if injection is not None and injection.delay_s:
            time.sleep(injection.delay_s)  # outside the lock: other requests go on meanwhile
        with self.lock:
            if injection is not None and injection.status and injection.when == "before":
                response = error_response(self._injected(service, injection))
            else:
                response = self._answer(service, path, request)
                if injection is not None and injection.status:
                    response = error_response(self._injected(service, injection))
            self._log(service, path, request, response.status_code, injection)
        if service == "github":
            for name, value in github_api.rate_headers().items():
                response.headers.setdefault(name, value)
        return response

    def _answer(self, service: str, path: str, request: Request) -> Response:
        root = request.host_url.rstrip("/") + "/" + service
        try:
            if service == "github":
                payload, status = github_api.dispatch(self.github, request, path, root, root)
            elif service in ("slack", "slack_oauth"):
                return self._slack(service, path, request)
            elif service == "discord":
                payload, status = discord_api.dispatch(self.discord, request, path)
            else:
                payload, status = vercel_api.dispatch(self.vercel, request, path, self.resolve_ref)
        except ApiError as error:
            return error_response(error)
        if isinstance(payload, github_screen.Redirect):
            return Response(status=status, headers={"Location": payload})
        if isinstance(payload, github_screen.Html):
            return Response(payload, status=status, mimetype="text/html")
        if isinstance(payload, str):
            return Response(payload, status=status, mimetype="text/plain")
        return json_response(payload, status)

    def _slack(self, service: str, path: str, request: Request) -> Response:
        """Slack's Web API, its ``oauth.v2.access`` (the app's id and secret, no token) and its install
        page (``slack_oauth``: ``v2/authorize``)."""
        if service == "slack" and path.strip("/") == "oauth.v2.access":
            return json_response(slack_oauth.access(self.slack, self.slack_app, request), 200)
        if service == "slack":
            payload, status, headers = slack_api.dispatch(self.slack, request, path)
            return json_response(payload, status, headers)
        if path.strip("/") != "v2/authorize":
            raise ApiError(404, {"error": "not_found"})
        args = dict(request.form) if request.method == "POST" else dict(request.args)
        decision = (args.pop("decision", "") or "cancel") if request.method == "POST" else ""
        return slack_oauth.authorize(self.slack, self.slack_app, args, decision)

    @staticmethod
    def _injected(service: str, injection: Injection) -> ApiError:
        shapes = {
            "github": github_api.injected,
            "vercel": vercel_api.injected,
            "slack": slack_api.injected,
            "slack_oauth": slack_api.injected,
            "discord": discord_api.injected,
        }
        return shapes[service](injection)

    def _log(
        self, service: str, path: str, request: Request, status: int, injection: Injection | None
    ) -> None:
        """One line per request, without the token (not even one sent, wrongly, in the query string,
        nor a Discord webhook's, the last segment of its path)."""
        self.requests.append(
            {
                "seq": len(self.requests) + 1,
                "service": service,
                "method": request.method,
                "path": "/" + (path.rsplit("/", 1)[0] + "/[token]" if service == "discord" else path),
                "query": {k: v for k, v in request.args.items() if k != "token"},
                "status": status,
                "authorized": bool(request.headers.get("Authorization")),
                "auth_scheme": request.headers.get("Authorization", "").partition(" ")[0],
                "body_keys": _body_keys(request),
                "accept": request.headers.get("Accept"),
                "content_type": request.headers.get("Content-Type"),
                "api_version": request.headers.get("X-GitHub-Api-Version"),
                "injected": injection is not None and bool(injection.status),
            }
        )


def _body_keys(request: Request) -> list[str]:
    """The names of the arguments a JSON object or form body carried (never their values; a form's
    ``token`` not even named), sorted; [] for any other body."""
    if request.mimetype == "application/json":
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            return []
        return sorted(body) if isinstance(body, dict) else []
    return sorted(k for k in request.form if k != "token")
