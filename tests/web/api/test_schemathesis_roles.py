"""schemathesis' generated requests against the live local api: every operation of the contract it
serves (``GET /openapi.json``), within its schema and beside it, as an API key, without credentials
and as the owner's session (cookie, Origin, CSRF token); one valid request as a member in each role
and as the key where the contract admits none (a role's matrix, decision 0222). No 5xx, every answer
as the contract says (a role's refusal is its documented 403); ``DELETE /connection`` and ``DELETE
/session`` last. On a stack of its own (conftest.py), a module apart from the engine's so that ``make
web-check``'s two workers run them side by side (``--dist loadfile``). Prints its RESULT line."""

import time

import pytest

from local.stack import LocalStack
from tests.support.web.api_contract import (
    CASES,
    GAPS,
    LAST,
    MATRIX_CASES,
    MEMBER_ROLES,
    Tally,
    counted,
    fuzz,
    give_role,
    has_inputs,
    loaded,
    matrix,
    report,
    seed,
    served_contract,
    with_member,
)
from tests.web.browser import Figures

pytestmark = pytest.mark.e2e


def test_every_operation_answers_as_the_contract_says_as_each_role(
    stack: LocalStack, figures: Figures
) -> None:
    """Generated requests of every operation, within its schema and beside it, as the key, without
    credentials and as the owner, one within it as a member in each role (the same for each) and as
    the key where the contract admits no key, and each known request (real ids and tokens): ``DELETE
    /connection`` and ``DELETE /session`` last."""
    started = time.monotonic()
    seeded = with_member(stack, seed(stack))
    assert seeded.member is not None
    api, document = stack.url_of_api(), served_contract(stack)
    contract = loaded(document, api)
    operations = sorted(
        (op.ok() for op in contract.get_all_operations()),
        key=lambda op: LAST.index(op.label) + 1 if op.label in LAST else 0,
    )
    key = {"Authorization": f"Bearer {seeded.key}"}
    members = {role: seeded.member for role in MEMBER_ROLES}
    tally = Tally({"key": key, "public": {}, **members, "owner": seeded.browser})
    known, wanted = seeded.known(), dict[tuple[str, str], int]()
    # The key's first, the owner's last: her DELETE /connection ends every credential. The member's
    # DELETE /session (hers alone) waits for her last role.
    for credential in tally.headers:
        if credential in MEMBER_ROLES:
            give_role(stack, seeded, credential)
        for operation in operations:
            if (operation.definition.raw["security"] == []) != (credential == "public"):
                continue
            if credential in MEMBER_ROLES[:-1] and operation.label == "DELETE /session":
                continue
            for overrides in known.get(operation.label, []):
                case = operation.Case(media_type="application/json", **overrides)
                assert tally.new(case, credential)
                tally.send(case, credential)
            cell = matrix(operation, credential)  # one valid request: a role's cell
            cases = MATRIX_CASES if cell else CASES
            fuzz(operation, tally, credential, cases, valid=cell)
            inputs = has_inputs(operation, tally.headers[credential])
            wanted[(operation.label, credential)] = cases if inputs else 1
    report(tally, {}, operations, time.monotonic() - started, figures)
    counted(figures, tally.failures, tally.gaps)
    assert tally.failures == [], "\n".join(tally.failures)
    assert set(tally.gaps) <= set(GAPS), f"failures of no known gap: {sorted(set(tally.gaps) - set(GAPS))}"
    assert {op.label for op in operations} == {label for label, _ in tally.cases}  # every one ran
    short = {k: len(tally.cases[k]) for k, n in wanted.items() if len(tally.cases.get(k, ())) < n}
    assert short == {}, (
        f"fewer distinct cases than wanted (or the one of an operation without inputs): {short}"
    )
