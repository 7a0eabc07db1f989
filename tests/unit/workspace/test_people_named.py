"""A person's name is kept from Notion's grant (names were stored empty, so searching runs
by a person's name found nothing and a decision could not be named by who made it)."""

from datetime import UTC, datetime

from shared.workspace.domain.connecting.connection import owner_name, tenant_from_grant

NOW = datetime(2026, 11, 27, tzinfo=UTC)
OWNER = {
    "type": "user",
    "user": {"id": "u-ada", "name": " Ada\n Lovelace ", "person": {"email": "ada@x.example"}},
}


def test_the_owner_s_name_is_kept_and_names_the_owner_member() -> None:
    tenant = tenant_from_grant("t1", {"workspace_id": "w1", "owner": OWNER}, None, NOW, "secret")
    assert tenant.owner_name == "Ada Lovelace"
    assert tenant.owner_member().name == "Ada Lovelace"
    assert owner_name({"type": "user", "user": {"id": "u"}}) == "" and owner_name(None) == ""
    assert owner_name({"user": {"name": "x" * 500}}) == "x" * 200
    unnamed = tenant_from_grant("t1", {"workspace_id": "w1", "owner": {"user": {"id": "u"}}}, None, NOW, "s")
    assert "owner_name" not in unnamed.model_dump()  # left out, as documents stored before it
