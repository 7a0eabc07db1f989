"""Code integrations a tenant connects by token (GitHub for pull requests, Vercel for deployments).

A token lives in Secret Manager under a name derived from the tenant; the tenant document records
only *which* integrations are connected, never a token.
"""

from enum import StrEnum


class Integration(StrEnum):
    GITHUB = "github"
    VERCEL = "vercel"

    @property
    def label(self) -> str:
        return {"github": "GitHub", "vercel": "Vercel"}[self.value]


NAME_PREFIX = "code-token-"  # of the token secrets: code-token-<integration>-<tenant>


def code_token_secret(tenant_id: str, integration: Integration) -> str:
    return f"{NAME_PREFIX}{integration.value}-{tenant_id}"


# The tools that use these integrations (side-effect class "code", shared/agent/tools/code.py): their
# steps run on the deploy function. Named here so that routing a step needs no tool registry
# (tests/unit/test_code_tools.py checks the two agree).
DEPLOY_TOOLS = frozenset({"open_pull_request", "deploy_vercel"})
