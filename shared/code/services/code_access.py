"""What the ``deploy`` function's tools use: the GitHub and Vercel adapters, the tenant's tokens and
what the owner allowed (settings). A token is read from Secret Manager only when a call is made. It
also holds the checks of a change before it is pushed: the repository's policy and the secret scan."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from shared.code.domain.secret_findings import secrets_message
from shared.code.services import secret_scan
from shared.platform.errors import ModelFixableError, NotFound, PermanentError
from shared.workspace.domain.code_names import nested
from shared.workspace.domain.code_policy import CodePolicy, policy_problems
from shared.workspace.domain.integrations import Integration, code_token_secret
from shared.workspace.domain.settings import TenantSettings

if TYPE_CHECKING:
    from shared.code.domain.code import CodeChange
    from shared.code.ports import CodeHost, Deployer, GitLabHost
    from shared.platform.ports import SecretStore
    from shared.workspace.ports import TenantStore


class CodeAccess(NamedTuple):
    host: CodeHost
    deployer: Deployer
    secrets: SecretStore
    tenants: TenantStore
    # A workspace's GitLab code host and its token, read when asked (decision 0126); None: no GitLab.
    gitlab: Callable[[str], tuple[GitLabHost, str]] | None = None
    forge_token: str = ""  # bound to a GitLab project by on(): its token stands for GitHub's

    def on(self, tenant_id: str, repository: str) -> CodeAccess:
        """The access for ``repository``: itself for a GitHub one; for one whose policy names GitLab
        (``CodePolicy.forge``), the same access whose host is the workspace's GitLab and whose code
        host token is the GitLab connection's."""
        if self._forge(tenant_id, repository) != "gitlab":
            return self
        host, token = self._gitlab(tenant_id)
        return self._replace(host=host, forge_token=token)

    def _forge(self, tenant_id: str, repository: str) -> str:
        """The forge ``repository``'s policy names; a path in nested groups is GitLab's only."""
        forge = self.policy(tenant_id, repository).forge
        if forge != "gitlab" and nested(repository):
            raise PermanentError(
                f"{repository} is a GitLab project in nested groups: its policy must name forge gitlab"
            )
        return forge

    def _gitlab(self, tenant_id: str) -> tuple[GitLabHost, str]:
        if self.gitlab is None:
            raise PermanentError("GitLab is not available to the code tools of this deployment")
        return self.gitlab(tenant_id)

    def gitlab_project_id(self, tenant_id: str, repository: str) -> int | None:
        """The numeric id of ``repository``'s GitLab project, read from the workspace's GitLab when its
        policy names GitLab (what Vercel's ``gitlab`` gitSource takes, decision 0133); else None."""
        if self._forge(tenant_id, repository) != "gitlab":
            return None
        host, token = self._gitlab(tenant_id)
        return host.project_id(token, repository)

    def token(self, tenant_id: str, integration: Integration) -> str:
        """The token as stored now, never the instance's cached copy: a token the owner replaced
        (the old one revoked) or deleted (``DELETE /integrations``) is not used again. Code tools
        are a few calls a day, so the read is cheap. Bound to a GitLab project (:meth:`on`), the code
        host's token is GitLab's."""
        if self.forge_token and integration == Integration.GITHUB:
            return self.forge_token
        try:
            return self.secrets.get(code_token_secret(tenant_id, integration), fresh=True)
        except NotFound:
            raise PermanentError(
                f"{integration.label} is not connected for this workspace: "
                f"send its token to PUT /integrations/{integration.value} first"
            ) from None

    def allowed(self, tenant_id: str) -> TenantSettings:
        tenant = self.tenants.get(tenant_id)
        if tenant is None:
            raise NotFound("this workspace is not connected")
        return tenant.settings

    def policy(self, tenant_id: str, repository: str) -> CodePolicy:
        """The policy the owner set for ``repository``, else the defaults (``CodePolicy()``)."""
        return self.allowed(tenant_id).code_policies.get(repository) or CodePolicy()

    def check_push(self, tenant_id: str, change: CodeChange, approved: bool) -> None:
        """Before anything of ``change`` is pushed: its files within the repository's policy
        (ModelFixableError naming each problem: the model may change them, never push them), then
        :meth:`check_secrets`."""
        problems = policy_problems(self.policy(tenant_id, change.repository), change.files, approved)
        if problems:
            raise ModelFixableError("the repository's policy refuses this change: " + "; ".join(problems))
        self.check_secrets(change)

    def check_secrets(self, change: CodeChange, before_asking: bool = False) -> None:
        """The secret scan of everything ``change`` would push: its files, their paths, its title,
        description and commit message, as written and decoded (``secret_scan``). A secret found is
        :class:`SecretBlocked`: the step fails and the owner is told each finding's kind and place,
        never its value (``before_asking``: the scan ran before the owner was asked)."""
        findings = secret_scan.scan_change(change)
        if findings:
            raise SecretBlocked(secrets_message(change.repository, findings, before_asking))


class SecretBlocked(PermanentError):
    """The secret scan found secrets in a change: nothing was pushed. ``reason`` names each one's
    kind and place, never its value."""
