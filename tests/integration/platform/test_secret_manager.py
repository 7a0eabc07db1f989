"""The Secret Manager adapter, driven through the real client (REST transport) against a stub."""

import time
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import secretmanager

from shared.platform.adapters.secret_manager import SecretManagerSecrets
from shared.platform.config import Settings
from shared.platform.errors import ConfigError, NotFound
from shared.platform.logs import redact
from tests.stubs.secret_manager import SecretManagerStub

pytestmark = pytest.mark.integration


@pytest.fixture
def stub() -> Iterator[SecretManagerStub]:
    with SecretManagerStub() as running:
        yield running


def adapter(
    stub: SecretManagerStub, ttl_s: float = 300.0, replicas: tuple[str, ...] = ("europe-west1",)
) -> SecretManagerSecrets:
    client = secretmanager.SecretManagerServiceClient(
        transport="rest",
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]  # google-auth: unannotated
        client_options=ClientOptions(api_endpoint=stub.endpoint),
    )
    return SecretManagerSecrets(client, "p1", ttl_s=ttl_s, replicas=replicas)


def test_a_secret_created_at_connect_keeps_its_replicas_where_the_settings_say(
    stub: SecretManagerStub,
) -> None:
    """Under a resource-location policy (EU regions only) a created secret is user-managed in the
    configured locations, so the connect's create is allowed; automatic replication is refused."""
    stub.allowed_locations = {"europe-west1", "europe-west4"}
    settings = Settings(secret_locations=("europe-west1", "europe-west4"))
    adapter(stub, replicas=settings.secret_replicas()).put("notion-token-t1-c1", "first-value-123")
    assert stub.replication["notion-token-t1-c1"] == {
        "userManaged": {"replicas": [{"location": "europe-west1"}, {"location": "europe-west4"}]}
    }
    assert adapter(stub).get("notion-token-t1-c1") == "first-value-123"
    # What the code sent before: automatic replication, which the same policy refuses.
    refused = stub.handle(
        "POST", "/v1/projects/p1/secrets?secretId=other", {"replication": {"automatic": {}}}
    )
    assert refused[0] == 400 and "constraints/gcp.resourceLocations" in refused[1]["error"]["message"]
    # A region outside the policy is refused too: the settings must name allowed locations.
    with pytest.raises(gexc.BadRequest):  # REST maps the 400 by its status
        adapter(stub, replicas=("us-central1",)).put("notion-token-t2-c1", "second-value-456")
    assert "notion-token-t2-c1" not in stub.secrets


def test_without_secret_locations_a_created_secret_stays_in_the_deployment_s_region(
    stub: SecretManagerStub,
) -> None:
    """terraform/secrets.tf's rule: an empty secret_locations means the region (NA_REGION)."""
    settings = Settings(region="europe-west3")
    assert settings.secret_replicas() == ("europe-west3",)
    adapter(stub, replicas=settings.secret_replicas()).put("notion-token-t1-c2", "first-value-123")
    assert stub.replication["notion-token-t1-c2"] == {
        "userManaged": {"replicas": [{"location": "europe-west3"}]}
    }
    with pytest.raises(ConfigError, match="replica location"):
        adapter(stub, replicas=())


def test_put_creates_then_adds_versions_and_get_reads_the_latest(stub: SecretManagerStub) -> None:
    secrets = adapter(stub)
    secrets.put("notion-token-t1", "first-value-123")
    secrets.put("notion-token-t1", "second-value-456")
    assert len(stub.secrets["notion-token-t1"]) == 2
    creates = [path for method, path in stub.requests if "secretId=" in path]
    assert len(creates) == 1, "an existing secret gets a version without a create call"
    assert adapter(stub).get("notion-token-t1") == "second-value-456"
    secrets.put("notion-token-t1", "third-value-789")
    assert stub.destroyed["notion-token-t1"] == {1, 2}, "only the latest version stays billed"
    assert adapter(stub).get("notion-token-t1") == "third-value-789"


def test_put_without_create_adds_to_an_existing_secret_only(stub: SecretManagerStub) -> None:
    """A refreshed token goes to its connection's secret; one deleted meanwhile is not made again."""
    secrets = adapter(stub)
    with pytest.raises(NotFound, match="does not exist"):
        secrets.put("notion-token-t1-c1", "refreshed-value-1", create=False)
    assert "notion-token-t1-c1" not in stub.secrets
    assert not [path for _, path in stub.requests if "secretId=" in path], "no create call"
    secrets.put("notion-token-t1-c1", "first-value-123")
    secrets.put("notion-token-t1-c1", "refreshed-value-2", create=False)
    assert adapter(stub).get("notion-token-t1-c1") == "refreshed-value-2"


def test_values_are_cached_per_instance_for_the_ttl(stub: SecretManagerStub) -> None:
    stub.secrets["k"] = [b"cached-value-1"]
    secrets = adapter(stub, ttl_s=0.3)

    def accesses() -> int:
        return sum(1 for _, p in stub.requests if ":access" in p)

    assert secrets.get("k") == secrets.get("k") == "cached-value-1"
    assert accesses() == 1
    time.sleep(0.35)
    secrets.get("k")
    assert accesses() == 2


def test_a_missing_secret_is_not_found_and_values_read_are_masked_in_logs(stub: SecretManagerStub) -> None:
    secrets = adapter(stub)
    with pytest.raises(NotFound):
        secrets.get("absent")
    stub.secrets["k"] = [b"value-that-must-not-be-logged"]
    secrets.get("k")
    assert "value-that-must-not-be-logged" not in redact("got value-that-must-not-be-logged")


def test_delete_is_idempotent(stub: SecretManagerStub) -> None:
    secrets = adapter(stub)
    secrets.put("gone", "some-value-789")
    secrets.delete("gone")
    secrets.delete("gone")
    assert "gone" not in stub.secrets
    with pytest.raises(NotFound):
        secrets.get("gone")
