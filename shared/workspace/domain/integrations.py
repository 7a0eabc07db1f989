"""Integrations a tenant connects by token: GitHub (pull requests) and Vercel (deployments), used by
deploy; Slack and Discord (notifications), used by notify. Discord's "token" is an incoming
webhook's URL, whose path holds the webhook's secret.

A token lives in Secret Manager under a name derived from the tenant, with a prefix per function that
reads it (IAM conditions on the prefix: terraform/code_tokens.tf); the tenant document records only
*which* integrations are connected, never a token.
"""

import re
from enum import StrEnum


class Integration(StrEnum):
    GITHUB = "github"
    VERCEL = "vercel"
    SLACK = "slack"
    DISCORD = "discord"

    @property
    def label(self) -> str:
        return {"github": "GitHub", "vercel": "Vercel", "slack": "Slack", "discord": "Discord"}[self.value]

    @property
    def chat(self) -> bool:
        """Whether notify posts with it (its token under ``CHAT_PREFIX``)."""
        return self in (Integration.SLACK, Integration.DISCORD)


NAME_PREFIX = "code-token-"  # GitHub and Vercel tokens: code-token-<integration>-<tenant> (deploy reads)
CHAT_PREFIX = "chat-token-"  # Slack's bot token, Discord's webhook: chat-token-<integration>-<tenant>


def code_token_secret(tenant_id: str, integration: Integration) -> str:
    return f"{NAME_PREFIX}{integration.value}-{tenant_id}"


def chat_token_secret(tenant_id: str, integration: Integration = Integration.SLACK) -> str:
    return f"{CHAT_PREFIX}{integration.value}-{tenant_id}"


# GitHub's webhook secret of a tenant, drawn when the owner first asks for it (decision 0139). It is
# under the sync's prefix, which api reads, writes and deletes (terraform/secrets.tf).
GITHUB_HOOK_PREFIX = "sync-hook-github-"


def github_hook_secret(tenant_id: str) -> str:
    return f"{GITHUB_HOOK_PREFIX}{tenant_id}"


def token_secret(tenant_id: str, integration: Integration) -> str:
    """The secret holding ``integration``'s token for the tenant (api stores and deletes them all)."""
    if integration.chat:
        return chat_token_secret(tenant_id, integration)
    return code_token_secret(tenant_id, integration)


# https://discord.com/api/webhooks/<id>/<token> (also discordapp.com, the ptb. and canary. hosts, an
# API version segment); the id is a snowflake, the token URL-safe.
_DISCORD_WEBHOOK = re.compile(
    r"https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api(?:/v\d{1,2})?/webhooks/"
    r"(?P<id>\d{15,25})/(?P<token>[A-Za-z0-9_-]{20,200})/?"
)


def discord_webhook(url: str) -> tuple[str, str]:
    """``(id, token)`` of a Discord incoming webhook's URL; ValueError (naming the expected form, never
    quoting the URL: it holds the secret) for anything else."""
    match = _DISCORD_WEBHOOK.fullmatch(url.strip())
    if match is None:
        raise ValueError("a Discord webhook URL looks like https://discord.com/api/webhooks/<id>/<token>")
    return match["id"], match["token"]


# The tools that use these integrations (side-effect class "code", shared/tools/code/pull_request.py, and
# await_checks, which reads a pull request's checks and marks it ready): their steps run on the
# deploy function. Named here so that routing a step needs no tool registry
# (tests/unit/tools/test_code_tools.py checks the two agree).
DEPLOY_TOOLS = frozenset(
    {
        "open_pull_request",
        "deploy_vercel",
        "push_fix",
        "await_checks",
        "await_deployment",
        "merge_pull_request",
        "check_production",
        "await_review",
        "push_revision",
        "read_repository",
        "roll_back_production",
    }
)
