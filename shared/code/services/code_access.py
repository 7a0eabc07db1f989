"""What the ``deploy`` function's tools use: the GitHub and Vercel adapters, the tenant's tokens (read
from Secret Manager only when a call is made) and what the owner allowed (settings)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from shared.platform.errors import NotFound, PermanentError
from shared.workspace.domain.integrations import Integration, code_token_secret
from shared.workspace.domain.settings import TenantSettings

if TYPE_CHECKING:
    from shared.code.ports import CodeHost, Deployer
    from shared.platform.ports import SecretStore
    from shared.workspace.ports import TenantStore


class CodeAccess(NamedTuple):
    host: CodeHost
    deployer: Deployer
    secrets: SecretStore
    tenants: TenantStore

    def token(self, tenant_id: str, integration: Integration) -> str:
        """The token as stored now, never the instance's cached copy: a token the owner replaced
        (the old one revoked) or deleted (``DELETE /integrations``) is not used again. Code tools
        are a few calls a day, so the read is cheap."""
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
