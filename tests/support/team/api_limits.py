"""Shared by the api pace's tests (unit and across instances): a team and an api paced on a clock."""

from collections.abc import Callable
from datetime import UTC, datetime

from shared.platform.services.api_limits import ApiLimits
from shared.workspace.domain.members import Member
from shared.workspace.domain.tenants import Tenant
from tests.api_fakes import FakeContainer


def save_team(c: FakeContainer, *members: Member) -> None:
    """Tenant t1, its owner user-1 (session epoch ``e``) and ``members``."""
    now = datetime.now(UTC)
    c.tenants.save(
        Tenant(
            tenant_id="t1",
            workspace_id="w1",
            token_secret="s",
            created_at=now,
            updated_at=now,
            owner_user_id="user-1",
            session_epoch="e",
            members=members,
        )
    )


def paced(c: FakeContainer, clock: Callable[[], float]) -> None:
    """``c``'s api paces people and keys by its settings, at the time ``clock`` tells."""
    c._built["api_limits"] = ApiLimits(c.settings, c.paces, clock=clock)
