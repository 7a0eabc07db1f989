"""A cost line per call when an MCP server bills (decision 0221): the sandbox's ``paid_lookup`` bills in
its result's ``_meta`` (``notion-agent/cost_usd``); runs over the engine's fakes with the real SDK
client. Each bill goes on the run's ledger as a model call's does (a ``model_used`` event, the run's
cost) and in the call's audit entry; a run whose budget the bills spent makes no further call and asks
for more budget; a bill that is not a number of dollars is not counted, and the audit entry says so."""

from collections.abc import Iterator
from typing import Any

import pytest

from local.mcp_sandbox.server import McpSandbox
from shared.mcp.domain.billing import COST_META, billed
from shared.mcp.services.watch import Watch
from shared.runs.domain.events import ModelUsed
from shared.runs.domain.state import RunStatus
from shared.team.services import audit
from tests.support.engine.engine_fakes import raise_budget
from tests.support.engine.engine_runs import run_until_held as drive
from tests.support.engine.engine_runs import state
from tests.support.mcp.mcp_runs import call, mcp_run
from tests.support.team.team_fakes import FakeAudit

pytestmark = pytest.mark.integration


@pytest.fixture
def sandbox() -> Iterator[McpSandbox]:
    with McpSandbox("billing-token-0123456", billing=True) as served:
        yield served


def _run(sandbox: McpSandbox, *steps: Any) -> tuple[Any, FakeAudit]:
    log = FakeAudit()
    deps = mcp_run(sandbox, *steps)
    assert deps.mcp is not None
    bound, watch = deps.mcp, Watch(lambda: log, deps.tenants, deps.queue)
    return deps._replace(mcp=lambda t, a: bound(t, a)._replace(watch=watch)), log


def _bills(deps: Any) -> list[ModelUsed]:
    return [e for e in deps.store.list_events("t1", "r1") if isinstance(e, ModelUsed) and e.purpose == "tool"]


def _entries(log: FakeAudit) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = audit.page(log, "t1", audit.Filters(surface="agent"), 50, None)["entries"]
    return entries


def test_each_bill_is_on_the_runs_ledger_and_in_its_audit_entry(sandbox: McpSandbox) -> None:
    deps, log = _run(sandbox, call("paid_lookup", name="Paris"), call("paid_lookup", name="Lyon"))
    drive(deps)
    run = state(deps)
    assert run.status == RunStatus.COMPLETED
    bills = _bills(deps)
    assert [(b.model, b.cost_usd, b.input_tokens) for b in bills] == [
        ("mcp:sandbox/paid_lookup", 0.25, 0)
    ] * 2
    models = sum(e.cost_usd for e in deps.store.list_events("t1", "r1") if isinstance(e, ModelUsed))
    assert run.cost_usd == pytest.approx(models) and run.cost_usd >= 0.5
    assert [e["target"]["cost_usd"] for e in _entries(log)] == ["0.250000", "0.250000"]


def test_a_budget_the_bills_spent_stops_the_next_call(sandbox: McpSandbox) -> None:
    steps = [call("paid_lookup", name=n) for n in ("Paris", "Lyon", "Berlin")]
    deps, _ = _run(sandbox, *steps)
    raise_budget(deps, max_cost_per_run_usd=0.4)
    drive(deps)
    run = state(deps)
    assert sandbox.state.calls["paid_lookup"] == 2  # 0.25, then 0.5: past 0.4, the third is not made
    assert (
        run.status == RunStatus.WAITING_FOR_HUMAN
        and run.waiting is not None
        and "budget" in run.waiting.prompt
    )
    assert len(_bills(deps)) == 2


def test_a_bill_that_is_no_number_of_dollars_is_not_counted_and_said(sandbox: McpSandbox) -> None:
    sandbox.state.price = "a lot"
    deps, log = _run(sandbox, call("paid_lookup", name="Paris"))
    drive(deps)
    assert state(deps).status == RunStatus.COMPLETED and _bills(deps) == []
    [entry] = _entries(log)
    assert "cost_usd" not in entry["target"] and "cost was not a number" in entry["target"]["why"]


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        (None, (None, False)),
        ({"other": 1}, (None, False)),
        ({COST_META: 0.5}, (0.5, False)),
        ({COST_META: 0}, (0.0, False)),
        ({COST_META: -1}, (None, True)),
        ({COST_META: float("nan")}, (None, True)),
        ({COST_META: 1e9}, (None, True)),
        ({COST_META: True}, (None, True)),
        ({COST_META: "0.5"}, (None, True)),
    ],
)
def test_what_a_bill_is_read_as(meta: object, expected: tuple[float | None, bool]) -> None:
    assert billed(meta) == expected
