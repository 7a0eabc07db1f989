"""An instance's share of the deployment's daily cap (decision 0061): a model call takes its
reservation from the share, and the counter is written once a chunk (1 % of the cap), not twice a
call; a share that cannot fund one more call goes back, so the counter ends at what was paid."""

from datetime import UTC, datetime
from typing import Any

from shared.runs.services import spend
from shared.runs.services.deps import Deps
from tests.support.engine.engine_fakes import make_deps
from tests.support.runs.run_store import FakeRunStore

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
DAY = "2026-11-21"


class CountedStore(FakeRunStore):
    """The fake store, counting the daily cap counter's writes."""

    def __init__(self) -> None:
        super().__init__()
        self.counter_writes = 0

    def reserve_spend(self, day: str, usd: float, cap_usd: float) -> bool:
        self.counter_writes += 1
        if self.spend_by_day.get(day, 0.0) + usd > cap_usd + 1e-9:
            return False
        self.spend_by_day[day] = self.spend_by_day.get(day, 0.0) + usd
        return True

    def settle_spend(self, day: str, usd: float) -> None:
        self.counter_writes += 1
        super().settle_spend(day, usd)


def capped(cap: float = 100.0, reserve: float = 0.05) -> tuple[Deps, CountedStore]:
    store = CountedStore()
    deps = make_deps(store=store, spend_cap_day_usd=cap, model_call_reserve_usd=reserve)
    return deps._replace(clock=lambda: T0, spend=type(deps.spend)()), store


def call(deps: Deps, cost: float) -> str:
    with spend.model_call(deps, "t1", 0.0, 0) as made:
        if not made.problem:
            made.paid(cost)
        return made.problem


def test_calls_take_their_reservation_from_a_chunk_written_once() -> None:
    deps, store = capped()
    assert [call(deps, 0.02) for _ in range(10)] == [""] * 10
    assert store.counter_writes == 1 and store.day_spend(DAY) == 1.0  # one chunk of 1 % of the cap
    assert abs(deps.spend.cap_held[DAY] - (1.0 - 10 * 0.02)) < 1e-9  # the share left, held locally


def test_a_share_below_one_call_goes_back_so_the_counter_ends_at_what_was_paid() -> None:
    deps, store = capped()
    for _ in range(32):  # 1.0 - 32 x 0.03 = 0.04: less than one call's 0.05
        call(deps, 0.03)
    assert deps.spend.cap_held == {DAY: 0.0}
    assert abs(store.day_spend(DAY) - 32 * 0.03) < 1e-9 and store.counter_writes == 2


def test_a_call_that_costs_more_than_the_share_adds_the_rest_to_the_counter() -> None:
    deps, store = capped()
    call(deps, 1.5)  # a chunk of 1.0 reserved; the call cost 0.5 more than it held
    assert deps.spend.cap_held == {DAY: 0.0} and abs(store.day_spend(DAY) - 1.5) < 1e-9


def test_at_the_cap_a_call_reserves_only_what_is_missing_and_never_passes_it() -> None:
    deps, store = capped()
    store.settle_spend(DAY, 99.94)  # other instances' shares and spend: no room for a chunk of 1.0
    assert call(deps, 0.05) == ""  # 0.05 fits
    assert abs(store.day_spend(DAY) - 99.99) < 1e-9
    assert call(deps, 0.05) == spend.SPEND_CAP_REACHED  # 99.99 + 0.05 > 100
    assert abs(store.day_spend(DAY) - 99.99) < 1e-9 and spend.tenant_over_budget(deps, "t1") is not None


def test_a_share_of_yesterday_is_not_spent_today(monkeypatch: Any) -> None:
    deps, store = capped()
    call(deps, 0.02)
    tomorrow = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    deps = deps._replace(clock=lambda: tomorrow)
    call(deps, 0.02)
    assert store.day_spend("2026-11-22") == 1.0 and set(deps.spend.cap_held) == {"2026-11-22"}
