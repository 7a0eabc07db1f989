"""Code's adapters: GitHub and Vercel, and the "who is this token" call of each integration."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from shared.bootstrap.base import Built
from shared.bootstrap.notify import NotifyParts

if TYPE_CHECKING:
    from shared.code.ports import CodeHost, Deployer
    from shared.workspace.domain.integrations import Integration


class CodeParts(NotifyParts):
    """Code's adapters. Built once per instance."""

    code_host: Built[CodeHost] = Built()
    deployer: Built[Deployer] = Built()

    def account_checker(self, integration: Integration) -> Callable[[str], str]:
        """The "who is this token" call of ``integration``'s adapter (only that adapter is built)."""
        from shared.workspace.domain.integrations import Integration

        if integration == Integration.GITHUB:
            return self.code_host.account
        if integration == Integration.VERCEL:
            return self.deployer.account
        if integration == Integration.DISCORD:
            return self.discord.account
        return self.chat.account

    def _build_code_host(self) -> CodeHost:
        from shared.code.adapters.github import GitHubCodeHost

        return GitHubCodeHost(self.settings.github_api_base_url, self.settings.code_timeout_s)

    def _build_deployer(self) -> Deployer:
        from shared.code.adapters.vercel import VercelDeployer

        base = self.settings.vercel_api_base_url
        # The local stand-in (on loopback) serves the deployments' sites too; Vercel's are on the internet.
        sites = base.rstrip("/") + "/_sites" if base.startswith("http://127.0.0.1") else None
        return VercelDeployer(base, self.settings.code_timeout_s, sites_url=sites)
