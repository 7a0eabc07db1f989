"""Shared by several test modules: a workspace whose team holds one person of each role, on the api
over fakes, each with a session and an API key."""

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from shared.platform.config import PlatformSecret
from shared.team.domain.api_keys import SCOPES, new_key
from shared.team.services.api_keys import SCOPE_ROLES
from shared.team.services.sessions import start_session
from shared.workspace.domain.connecting.connection import NotionTokens
from shared.workspace.domain.members import ROLES, Member, at_least, member_id_for
from tests.support.platform.fake_container import FakeContainer, client
from tests.support.platform.platform_fakes import FakeSecrets
from tests.support.workspace.tenants import a_tenant

EPOCH = "epoch-t1"
SECURITY = Path(__file__).parents[3] / "docs" / "security.md"
COLUMNS = ("owner", "admin", "editor", "viewer")  # docs/security.md's tables by role, in their order
BEYOND_REACH = ("editor", "admin", "owner")  # who approves reads beyond a run's reach: their columns


class Team(NamedTuple):
    container: FakeContainer
    sessions: dict[str, str]
    keys: dict[str, str]


def person(role: str, now: datetime) -> Member:
    """The team's person of ``role`` (built in a function of its own: Python 3.13.0 crashes when
    pydantic reads the locals of a comprehension's frame, as a model's first use does)."""
    return Member(
        member_id=member_id_for(f"user-{role}"),
        notion_user_id=f"user-{role}",
        email=f"{role}@example.com",
        role=role,  # one of ROLES
        added_at=now,
        epoch=f"e-{role}",
    )


def team() -> Team:
    """A workspace whose team holds one person of each role, each with a session and a key holding
    every scope their role allows."""
    secrets = FakeSecrets(
        {
            PlatformSecret.SESSION_SIGNING_KEY: "k" * 32,
            PlatformSecret.NOTION_CLIENT_ID: "client-id",
            PlatformSecret.NOTION_CLIENT_SECRET: "client-secret",
            "notion-token-t1": NotionTokens(access_token="access-0").dump(),
        }
    )
    c, now = FakeContainer(secrets=secrets), datetime.now(UTC)
    people = {role: person(role, now) for role in ROLES}
    owner = people["owner"]
    c.tenants.save(
        a_tenant(
            "t1",
            "ws-1",
            now,
            token_secret="notion-token-t1",
            owner_user_id=owner.notion_user_id,
            owner_email=owner.email,
            session_epoch=EPOCH,
            members=tuple(m for m in people.values() if m.role != "owner"),
        )
    )
    sessions: dict[str, str] = {}
    keys: dict[str, str] = {}
    for role, member in people.items():
        sessions[role] = start_session("t1", c.secrets, epoch=EPOCH, member=member)
        scopes = tuple(s for s in SCOPES if at_least(role, SCOPE_ROLES[s]))
        mine = "" if role == "owner" else member.member_id
        key, text = new_key("t1", role, EPOCH, now, scopes=scopes, member_id=mine)
        c.api_keys.create(key)
        keys[role] = text
    return Team(c, sessions, keys)


def call(people: Team, role: str, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    """``method path`` on the api as ``people``'s member of ``role``: the status and the JSON answer."""
    answer = client("api", people.container).open(
        path, method=method, headers={"Authorization": f"Bearer {people.sessions[role]}"}, **kw
    )
    return answer.status_code, answer.get_json(silent=True)


def approving_team(beyond_reach: str) -> Team:
    """:func:`team` whose owner chose the Tasks data source of ``tests.support.memory.ask_reach`` and lets
    ``beyond_reach`` approve reads beyond a run's reach (``PUT /team/approvers``)."""
    from shared.workspace.domain.members import Approvers
    from shared.workspace.domain.tenants import Tenant
    from tests.support.memory.ask_reach import CHOSEN
    from tests.support.team.team import put_settings

    people = team()
    put_settings(people.container.tenants, "t1", CHOSEN)
    choice = Approvers.model_validate({"beyond_reach": beyond_reach})

    def choose(tenant: Tenant | None) -> Tenant:
        assert tenant is not None
        return tenant.model_copy(update={"approvers": choice})

    people.container.tenants.update("t1", choose)
    return people


def role_rows(text: str, row: re.Pattern[str], columns: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """A table of docs/security.md by role: each line ``row`` matches (the role, then a cell per
    column) as role -> column -> cell."""
    rows: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        if match := row.match(line.strip()):
            role, *cells = match.groups()
            rows[role] = dict(zip(columns, cells, strict=True))
    return rows


def reach_table(row: re.Pattern[str], name: str) -> dict[str, dict[str, str]]:
    """docs/security.md's table ``name`` of a cell per :data:`BEYOND_REACH` choice (``row`` matches its
    lines): role -> beyond_reach approver -> cell, with a row for each of :data:`COLUMNS` (asserted)."""
    rules = role_rows(SECURITY.read_text(), row, BEYOND_REACH)
    assert set(rules) == set(COLUMNS), f"docs/security.md lacks the rows of {name!r}"
    return rules


def reach_cases[W](make: Callable[[str], W]) -> Iterator[tuple[str, W, str, str]]:
    """Every case of a reach table: (who approves reads beyond a run's reach, the world ``make`` built
    for that choice, a role, "session" or "key"), each choice's world built once."""
    for beyond_reach in BEYOND_REACH:
        world = make(beyond_reach)
        for role in COLUMNS:
            for kind in ("session", "key"):
                yield beyond_reach, world, role, kind
