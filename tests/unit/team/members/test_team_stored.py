"""A tenant and an API key stored before teams: the owner reads as the owner member, the key as the
owner's, and both keep acting as the owner did."""

import json
from pathlib import Path

from shared.team.domain.api_keys import ApiKey
from shared.workspace.domain.tenants import Tenant

GOLDEN = Path(__file__).parents[3] / "golden"


def test_a_tenant_stored_before_teams_has_its_owner_as_the_owner_member() -> None:
    stored = json.loads((GOLDEN / "legacy.tenant_before_teams.json").read_text())
    assert "members" not in stored
    tenant = Tenant.model_validate(stored)
    (owner,) = tenant.team()
    assert (
        owner.role == "owner"
        and owner.notion_user_id == tenant.owner_user_id
        and owner.email == tenant.owner_email
    )
    assert tenant.member(owner.member_id) == owner and tenant.member("m_nobody") is None
    assert tenant.member_of_notion_user(tenant.owner_user_id.upper()) == owner
    assert tenant.approvers.production == "owner"


def test_a_key_stored_before_teams_is_the_owner_s() -> None:
    key = ApiKey.model_validate(json.loads((GOLDEN / "legacy.api_key_before_members.json").read_text()))
    assert key.member_id == ""
