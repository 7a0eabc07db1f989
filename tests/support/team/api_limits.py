"""Shared by the api pace's tests (unit and across instances): a team and an api paced on a clock."""

from collections.abc import Callable

from shared.platform.services.api_limits import ApiLimits
from shared.workspace.domain.members import Member
from tests.support.platform.fake_container import FakeContainer
from tests.support.workspace.tenants import a_tenant


def save_team(c: FakeContainer, *members: Member) -> None:
    """Tenant t1, its owner user-1 (session epoch ``e``) and ``members``."""
    c.tenants.save(a_tenant("t1", "w1", owner_user_id="user-1", session_epoch="e", members=members))


def paced(c: FakeContainer, clock: Callable[[], float]) -> None:
    """``c``'s api paces people and keys by its settings, at the time ``clock`` tells."""
    c.instance.built["api_limits"] = ApiLimits(c.settings, c.paces, clock=clock)
