"""The role-by-route matrix, generated from the api's contract: every operation called as every role
of a team (a session, and an API key where the operation takes one) is allowed or refused as the
table in docs/security.md ("Roles") says; an operation without a row there, or a contract's
``x-role`` other than the table's, is a violation. Prints ``RESULT role_matrix_cases= violations=``."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from functions import openapi
from functions.routes.table import ROUTES
from shared.platform.config import PlatformSecret
from shared.team.domain.api_keys import SCOPES, new_key
from shared.team.services.api_keys import SCOPE_ROLES
from shared.team.services.sessions import start_session
from shared.workspace.domain.connection import NotionTokens
from shared.workspace.domain.members import ROLES, Member, at_least, member_id_for
from shared.workspace.domain.tenants import Tenant
from tests.api_fakes import FakeContainer, client
from tests.fakes import FakeSecrets

SECURITY = Path(__file__).parents[2] / "docs" / "security.md"
_ROW = re.compile(r"^\| `([A-Z]+) (/\S*)` \| (yes|no) \| (yes|no) \| (yes|no) \| (yes|no) \|$")
COLUMNS = ("owner", "admin", "editor", "viewer")  # the table's, in its order
EPOCH = "epoch-t1"
# A value for each path parameter, of the shape the api accepts (the operation may then find nothing).
ARGS = {
    "run_id": "r000",
    "name": "github",
    "key_id": "A" * 16,
    "member_id": "m_" + "0" * 24,
    "invite_id": "0" * 16,
    "check_id": "c000",
    "token": "t000",
    "agent_id": "a000",
    "data_source_id": "0" * 32,
}


class Operation(NamedTuple):
    method: str
    path: str  # the contract's: /runs/{run_id}
    role: str  # x-role; "" for a public operation
    keys: bool  # whether an API key may call it


def table(text: str) -> dict[tuple[str, str], dict[str, bool]]:
    """The Roles table of docs/security.md: (method, path) -> role -> allowed."""
    rows: dict[tuple[str, str], dict[str, bool]] = {}
    for line in text.splitlines():
        if match := _ROW.match(line.strip()):
            method, path, *cells = match.groups()
            rows[method, path] = {role: cell == "yes" for role, cell in zip(COLUMNS, cells, strict=True)}
    return rows


def operations(contract: dict[str, Any]) -> list[Operation]:
    """Every operation of the contract (HEAD aside: the api's GET)."""
    found = []
    for path, item in contract["paths"].items():
        for method, op in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                keys = any("apiKey" in s for s in op["security"])
                found.append(Operation(method.upper(), path, op.get(openapi.ROLE, ""), keys))
    return found


def rule_violations(ops: list[Operation], rules: dict[tuple[str, str], dict[str, bool]]) -> list[str]:
    """What is wrong between the contract and the table: an operation that needs a session but has
    no row, a row no operation has, an ``x-role`` the row does not say."""
    wrong = []
    for op in ops:
        row = rules.get((op.method, op.path))
        if not op.role:
            if row is not None:
                wrong.append(f"{op.method} {op.path} is public but has a row")
            continue
        if row is None:
            wrong.append(f"{op.method} {op.path} has no rule in docs/security.md, 'Roles'")
        elif row != {role: at_least(role, op.role) for role in COLUMNS}:
            wrong.append(f"{op.method} {op.path}: x-role {op.role} is not what the table says")
    named = {(op.method, op.path) for op in ops}
    wrong += [f"{m} {p} is in the table but is no operation" for m, p in rules if (m, p) not in named]
    return wrong


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
        Tenant(
            tenant_id="t1",
            workspace_id="ws-1",
            token_secret="notion-token-t1",
            created_at=now,
            updated_at=now,
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


def cases(ops: list[Operation]) -> Iterator[tuple[Operation, str, str]]:
    """(operation, role, credential kind) for every operation, role, and a key where it takes one."""
    for op in ops:
        for role in COLUMNS:
            yield op, role, "session"
            if op.keys:
                yield op, role, "key"


def refused_for_role(status: int, body: Any) -> bool:
    """Whether an answer is the api's refusal of the person's role (or of a key's scope)."""
    reason = body.get("reason", "") if isinstance(body, dict) else ""
    return status == 403 and ("your role" in reason or "lacks the scope" in reason)


def call(op: Operation, role: str, kind: str) -> tuple[int, Any]:
    people = team()  # each case on a workspace of its own: a disconnect or removal changes no other
    token = (people.sessions if kind == "session" else people.keys)[role]
    path = re.sub(r"\{(\w+)\}", lambda m: ARGS[m[1]], op.path)
    body: dict[str, Any] | None = {} if op.method in {"POST", "PUT", "PATCH"} else None
    answer = client("api", people.container).open(
        path, method=op.method, json=body, headers={"Authorization": f"Bearer {token}"}
    )
    return answer.status_code, answer.get_json(silent=True)


def test_a_new_operation_without_a_rule_is_a_violation() -> None:
    rules = table(SECURITY.read_text())
    new = Operation("POST", "/gadgets", "editor", True)  # a route nobody wrote a rule for
    assert rule_violations([new], {}) == ["POST /gadgets has no rule in docs/security.md, 'Roles'"]
    ops = operations(openapi.document())
    assert rule_violations([*ops, new], rules) == ["POST /gadgets has no rule in docs/security.md, 'Roles'"]
    wrong_role = [op._replace(role="viewer") if op.path == "/connection" else op for op in ops]
    assert rule_violations(wrong_role, rules) == [
        "DELETE /connection: x-role viewer is not what the table says"
    ]


def test_every_operation_for_every_role_is_allowed_or_refused_as_the_table_says() -> None:
    contract = openapi.document()
    rules = table(SECURITY.read_text())
    ops = operations(contract)
    assert len(ops) == len(ROUTES)  # each route one operation: none missed
    violations = rule_violations(ops, rules)
    n = 0
    for op, role, kind in cases(ops):
        n += 1
        allowed = rules.get((op.method, op.path), {}).get(role, True) if op.role else True
        status, body = call(op, role, kind)
        if refused_for_role(status, body) == allowed:
            said = "allowed" if allowed else "refused"
            violations.append(
                f"{op.method} {op.path} as {role} by {kind}: {status} where the table says {said}"
            )
        elif status >= 500:
            violations.append(f"{op.method} {op.path} as {role} by {kind}: {status}")
    print(f"\nRESULT role_matrix_cases={n} violations={len(violations)}")
    assert not violations, "\n".join(violations)
    keyed = sum(op.keys for op in ops)
    assert n == len(COLUMNS) * (len(ops) + keyed) and n > 200
