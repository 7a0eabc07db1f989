"""Integrations a tenant connects by token: GitHub (pull requests) and Vercel (deployments), used by
deploy; Slack (notifications), used by notify.

A token lives in Secret Manager under a name derived from the tenant, with a prefix per function that
reads it (IAM conditions on the prefix: terraform/code_tokens.tf); the tenant document records only
*which* integrations are connected, never a token.
"""

from enum import StrEnum


class Integration(StrEnum):
    GITHUB = "github"
    VERCEL = "vercel"
    SLACK = "slack"

    @property
    def label(self) -> str:
        return {"github": "GitHub", "vercel": "Vercel", "slack": "Slack"}[self.value]


NAME_PREFIX = "code-token-"  # GitHub and Vercel tokens: code-token-<integration>-<tenant> (deploy reads)
CHAT_PREFIX = "chat-token-"  # the Slack bot token: chat-token-slack-<tenant> (notify reads)


def code_token_secret(tenant_id: str, integration: Integration) -> str:
    return f"{NAME_PREFIX}{integration.value}-{tenant_id}"


def chat_token_secret(tenant_id: str) -> str:
    return f"{CHAT_PREFIX}{Integration.SLACK.value}-{tenant_id}"


def token_secret(tenant_id: str, integration: Integration) -> str:
    """The secret holding ``integration``'s token for the tenant (api stores and deletes them all)."""
    if integration is Integration.SLACK:
        return chat_token_secret(tenant_id)
    return code_token_secret(tenant_id, integration)


# The tools that use these integrations (side-effect class "code", shared/agent/tools/code.py): their
# steps run on the deploy function. Named here so that routing a step needs no tool registry
# (tests/unit/test_code_tools.py checks the two agree).
DEPLOY_TOOLS = frozenset({"open_pull_request", "deploy_vercel"})
