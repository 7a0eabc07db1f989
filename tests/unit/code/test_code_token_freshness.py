"""The deploy function's code tools use the GitHub/Vercel token as stored now, not an instance's
cached copy: after the owner replaces a token (revoking the old one) or deletes it, the old one is
not used again, though the secret store caches values per instance for minutes."""

from dataclasses import dataclass, field

import pytest

from shared.code.services.code_access import CodeAccess
from shared.platform.errors import PermanentError
from shared.workspace.domain.integrations import Integration, code_token_secret
from tests.support.code.code_fakes import FakeCodeAccounts
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.workspace.workspace_fakes import FakeTenantStore


@dataclass
class InstanceCache:
    """One instance's view of the secret store: values cached until read with ``fresh`` (as the
    Secret Manager adapter does for its TTL)."""

    store: FakeSecrets
    cached: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, fresh: bool = False) -> str:
        if fresh or name not in self.cached:
            self.cached[name] = self.store.get(name)
        return self.cached[name]

    def put(self, name: str, value: str, *, create: bool = True) -> None:
        self.store.put(name, value, create=create)

    def delete(self, name: str) -> None:
        self.store.delete(name)


def deploy_instance(store: FakeSecrets) -> CodeAccess:
    accounts = FakeCodeAccounts("GitHub")
    return CodeAccess(accounts, accounts, InstanceCache(store), FakeTenantStore())


@pytest.mark.parametrize("integration", [Integration.GITHUB, Integration.VERCEL])
def test_a_replaced_token_is_used_at_once_and_a_deleted_one_not_at_all(integration: Integration) -> None:
    store = FakeSecrets({code_token_secret("t1", integration): "old-token"})
    code = deploy_instance(store)
    assert code.token("t1", integration) == "old-token"
    store.put(code_token_secret("t1", integration), "new-token")  # PUT /integrations on api
    assert code.token("t1", integration) == "new-token"
    store.delete(code_token_secret("t1", integration))  # DELETE /integrations on api
    with pytest.raises(PermanentError, match="not connected"):
        code.token("t1", integration)
