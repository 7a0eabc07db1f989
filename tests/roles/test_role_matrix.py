"""The role-by-route matrix, generated from the api's contract: every operation called as every role
of a team (a session, and an API key where the operation takes one) is allowed or refused as the
table in docs/security.md ("Roles") says; an operation without a row there, or a contract's
``x-role`` other than the table's, is a violation. Prints ``RESULT role_matrix_cases= violations=``.
The Ask by every role, under each choice of who approves reads beyond a run's reach, reads
what the Ask table of docs/security.md says, and nobody continues another person's conversation:
``RESULT ask_reach_cases= conversation_cases= violations=``."""

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from functions import openapi
from functions.routes.table import ROUTES
from shared.workspace.domain.members import at_least
from tests.support.memory.ask_reach import (
    EVERY,
    WITHIN,
    citing_model,
    index_pages,
    prompt_context,
    prompt_titles,
)
from tests.support.platform.fake_container import client
from tests.support.team.role_team import (
    BEYOND_REACH,
    COLUMNS,
    SECURITY,
    Team,
    approving_team,
    reach_cases,
    reach_table,
    team,
)

_ROW = re.compile(r"^\| `([A-Z]+) (/\S*)` \| (yes|no) \| (yes|no) \| (yes|no) \| (yes|no) \|$")
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
    "proposal_id": "0" * 12,
    "server_id": "s000",
    "endpoint_id": "h" + "0" * 16,
    "delivery_id": "msg_" + "0" * 24,
    "tenant_id": "t1",
    "session_id": "s" + "0" * 16,
    "owner": "acme",  # a repository's owner: acme/github
    "template_id": "page-summary",  # a template of the gallery
    "address": "scribe@acme.example",  # an agent's mailbox
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


# The Ask's reach by role (docs/security.md, "Ask within the asker's reach"): role -> the owner's
# ``beyond_reach`` approver -> "all" (the whole index), "chosen" (the chosen data sources) or "no".
_ASK_ROW = re.compile(
    r"^\| (owner|admin|editor|viewer) \| (all|chosen|no) \| (all|chosen|no) \| (all|chosen|no) \|$"
)
ASKED = {"all": EVERY, "chosen": WITHIN}


def ask_team(beyond_reach: str) -> Team:
    """:func:`team`, whose owner chose the Tasks data source and lets ``beyond_reach`` approve reads
    beyond a run's reach, with the pricing pages of ``tests.support.memory.ask_reach`` in its index."""
    people = approving_team(beyond_reach)
    c = people.container
    index_pages("t1", c.fake_notion, c.memory.embedder, c.memory.passages)
    c.model = citing_model(200)
    return people


def ask(people: Team, role: str, kind: str, body: dict[str, Any]) -> tuple[int, Any]:
    token = (people.sessions if kind == "session" else people.keys)[role]
    answer = client("api", people.container).post(
        "/ask", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    return answer.status_code, answer.get_json(silent=True)


def test_every_role_asks_within_its_reach_and_only_in_its_own_conversations() -> None:
    """Each role, by session and by key, under each choice of who approves reads beyond a run's reach:
    its Ask's prompt and sources hold what the table says and nothing more (a viewer is refused). Then
    each person who may ask sends every other person's conversation id and one the api never gave:
    each a 404 with no model call; their own id carries their own turns."""
    rules = reach_table(_ASK_ROW, "Ask within the asker's reach")
    violations: list[str] = []
    ask_cases = conversation_cases = 0
    for beyond_reach, people, role, kind in reach_cases(ask_team):
        ask_cases += 1
        want = rules[role][beyond_reach]
        calls = len(people.container.model.prompts)
        status, body = ask(people, role, kind, {"question": "What is the pricing plan?"})
        if want == "no":
            if not refused_for_role(status, body) or len(people.container.model.prompts) != calls:
                violations.append(f"Ask as {role} by {kind} ({beyond_reach}): {status}, not refused")
            continue
        given = prompt_titles(people.container.model.prompts[-1][1]) if status == 200 else set()
        cited = {c["title"] for c in body["cited"]} if status == 200 else set()
        if status != 200 or given != ASKED[want] or cited != ASKED[want]:
            violations.append(
                f"Ask as {role} by {kind} ({beyond_reach}): {status}, read {sorted(given)}, "
                f"cited {sorted(cited)} where the table says {want}"
            )
    people = ask_team("admin")
    askers = [r for r in COLUMNS if at_least(r, "editor")]
    started = {}
    for role in askers:
        status, body = ask(people, role, "session", {"question": f"the {role}'s own question?"})
        assert status == 200, body
        started[role] = body["conversation_id"]
    for role in COLUMNS:
        for kind in ("session", "key"):
            for other, conversation in [
                *((o, c) for o, c in started.items() if o != role),
                ("nobody", "a0" * 16),
            ]:
                conversation_cases += 1
                calls = len(people.container.model.prompts)
                status, body = ask(
                    people, role, kind, {"question": "and then?", "conversation_id": conversation}
                )
                hidden = status == 404 and "no conversation of yours" in body.get("reason", "")
                refused = role == "viewer" and refused_for_role(status, body)
                if not (hidden or refused) or len(people.container.model.prompts) != calls:
                    violations.append(f"{role} by {kind} in {other}'s conversation: {status} {body}")
            if role in started:
                conversation_cases += 1
                status, body = ask(
                    people, role, kind, {"question": "and then?", "conversation_id": started[role]}
                )
                earlier = prompt_context(people.container.model.prompts[-1][1])["earlier_turns"]
                if status != 200 or earlier[0]["question"] != f"the {role}'s own question?":
                    violations.append(f"{role} by {kind} in their own conversation: {status} {body}")
    print(
        f"\nRESULT ask_reach_cases={ask_cases} conversation_cases={conversation_cases} "
        f"violations={len(violations)}"
    )
    assert not violations, "\n".join(violations)
    assert ask_cases == len(BEYOND_REACH) * len(COLUMNS) * 2
    assert conversation_cases == 2 * len(COLUMNS) * (len(askers) + 1)  # each tries all others' and one
