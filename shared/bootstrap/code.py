"""Code's part of the composition root: GitHub and Vercel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.bootstrap.declare import Built

if TYPE_CHECKING:
    from shared.bootstrap.declare import Instance
    from shared.code.ports import CodeHost, Deployer


def _code_host(part: Code) -> CodeHost:
    from shared.code.adapters.github import GitHubCodeHost

    return GitHubCodeHost(part.instance.settings.github_api_base_url, part.instance.settings.code_timeout_s)


def _deployer(part: Code) -> Deployer:
    from shared.code.adapters.vercel import VercelDeployer

    base = part.instance.settings.vercel_api_base_url
    # The local stand-in (on loopback) serves the deployments' sites too; Vercel's are on the internet.
    sites = base.rstrip("/") + "/_sites" if base.startswith("http://127.0.0.1") else None
    return VercelDeployer(base, part.instance.settings.code_timeout_s, sites_url=sites)


class Code:
    """Code's ports (GitHub's and Vercel's REST APIs, on httpx)."""

    code_host: Built[CodeHost] = Built("shared.code.adapters.github", ("httpx",), _code_host)
    deployer: Built[Deployer] = Built("shared.code.adapters.vercel", ("httpx",), _deployer)

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
