"""schemathesis' own engine against the live local api (``GET /openapi.json``), as an API key and as
the owner's session, each with a run of its own waiting for a decision: every check it ships, its
coverage phase and its stateful phase, which must decide a waiting run through the contract's links.
On a stack of its own (conftest.py); a module apart from the roles' so that ``make web-check``'s two
workers run them side by side (``--dist loadfile``). Prints its RESULT line."""

import time
from collections import Counter

import pytest
from schemathesis.checks import CHECKS as SHIPPED
from schemathesis.checks import max_response_time

from local.stack import LocalStack
from tests.support.web.api_contract import (
    CHECKS,
    ENGINE_CREDENTIALS,
    GAPS,
    SCENARIOS,
    Engine,
    counted,
    decided,
    engine,
    loaded,
    report,
    seed,
    served_contract,
)
from tests.web.browser import Figures

pytestmark = pytest.mark.e2e


def test_schemathesis_engine_checks_and_links_as_the_key_and_the_owner(
    stack: LocalStack, figures: Figures
) -> None:
    """schemathesis' own engine as the key and as the owner's session, each with a run of its own
    waiting for a decision: a decision pass (the stateful phase over the runs' operations, until a
    link decides the run), then every check it ships, its coverage phase and its stateful phase (the
    contract's links)."""
    started = time.monotonic()
    seeded = seed(stack)
    api, document = stack.url_of_api(), served_contract(stack)
    operations = list(loaded(document, api).get_all_operations())
    key = {"Authorization": f"Bearer {seeded.key}"}
    engines: dict[str, Engine] = {}
    credentials = dict(zip(ENGINE_CREDENTIALS, (key, seeded.browser), strict=True))
    for who, headers in credentials.items():
        waiting = seeded.waiting[who]
        engines[f"{who} deciding"] = engine(loaded(document, api), headers, who, waiting, deciding=True)
    for who, headers in credentials.items():
        engines[who] = engine(loaded(document, api), headers, who, seeded.waiting[who])
    report(None, engines, operations, time.monotonic() - started, figures)
    failures = [f for found in engines.values() for f in found.failures]
    shipped = {*SHIPPED.get_all_names(), max_response_time.__name__}
    ran = [engines[who].checks for who in ENGINE_CREDENTIALS]  # the decision passes: runs' checks
    unrun = sorted(shipped - set[str].intersection(*ran))
    met = sum((found.gaps for found in engines.values()), Counter[tuple[str, str]]())
    counted(figures, failures, met)
    figures.schemathesis_checks = ",".join(unrun) or "all"
    figures.stateful = int(all(found.linked.total() > 0 for found in engines.values()))
    assert failures == [], "\n".join(failures)
    assert set(met) <= set(GAPS), f"failures of no known gap: {sorted(set(met) - set(GAPS))}"
    assert {c.__name__ for c in CHECKS} <= shipped and unrun == [], f"checks that never ran: {unrun}"
    assert figures.stateful == 1, {who: found.linked for who, found in engines.items()}
    # Links reach decisions with runs in the right state, as each credential.
    undecided = {
        who: found.linked for who, found in engines.items() if "deciding" in who and not decided(found)
    }
    assert undecided == {}, f"no decision through a link on a waiting run: {undecided}"
    # A decision pass ends with its run's decision: its engine sees the stop a few scenarios later (1
    # to 7 here), where it went on for ~90 (decision 0176).
    late = {w: found.after_decision for w, found in engines.items() if found.after_decision > SCENARIOS // 2}
    assert late == {}, f"decision passes that went on after deciding their run: {late}"
