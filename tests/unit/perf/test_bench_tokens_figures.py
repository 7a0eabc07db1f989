"""``make bench-tokens``' figures from two layouts' runs (tests/perf/tokens/bench_tokens.py): what a
run is billed, and what makes the comparison fail."""

import argparse
from typing import Any

import pytest

from local.eval_agents import EndState, Outcome
from tests.perf.tokens.bench_tokens import Layout, RunTokens, budget, figures, problems, run_tokens
from tests.support.platform.offline_gemini import Billed


def _used(tokens_in: int, cached: int, out: int, thinking: int, cost: float) -> dict[str, Any]:
    event: dict[str, Any] = {
        "kind": "model_used",
        "input_tokens": tokens_in,
        "output_tokens": out,
        "cost_usd": cost,
    }
    return (
        event
        | ({"cached_tokens": cached} if cached else {})
        | ({"thinking_tokens": thinking} if thinking else {})
    )


def _layout(version: str, calls: list[tuple[int, int, int, int, float]], passed: bool = True) -> Layout:
    events: dict[str, list[dict[str, Any]]] = {
        f"r{n}": [{"kind": "run_started"}, _used(*call)] for n, call in enumerate(calls)
    }
    end = EndState({}, [], events, {})
    runs = [run_tokens(e) for e in events.values()]
    billed = [Billed("PlanOut", i, c, o - t, t) for i, c, o, t, _ in calls]
    return Layout(version, [Outcome("task", passed, [], 1.0, end)], runs, billed)


def test_a_run_is_billed_its_uncached_input_a_tenth_of_its_cached_and_its_output() -> None:
    run = run_tokens([_used(8000, 6000, 1200, 1000, 0.002), _used(500, 0, 50, 0, 0.001), {"kind": "x"}])
    assert run == RunTokens(2, 8500, 6000, 1250, 1000, 0.003)
    assert run.billed == 8500 - 6000 + 600 + 1250


def test_the_figures_compare_the_newest_layouts_bill_with_the_baseline() -> None:
    old = _layout("v2", [(8000, 0, 1000, 800, 0.004), (8000, 0, 1000, 800, 0.004)])
    new = _layout("v3", [(8000, 0, 1000, 800, 0.004), (8000, 7000, 1000, 800, 0.002)])
    assert problems(old, new) == []
    values = figures(old, new)
    assert values["billed_tokens_ratio"] == (9000 + 2700) / 18000
    assert values["cached_share"] == 7000 / 16000
    assert values["cost_per_run_usd_p50"] == 0.003 and values["cost_ratio"] == 0.75
    assert values["cache_floor_ratio"] == (1600 + 2000) / 18000  # every input token cached


def test_a_dry_runs_calls_are_billed_though_no_run_logs_them() -> None:
    old = _layout("v2", [(8000, 0, 1000, 800, 0.004)])
    new = _layout("v3", [(8000, 0, 1000, 800, 0.004)])
    new.billed.append(Billed("PlanOut", 8000, 7000, 200, 800))  # a template's dry run
    assert problems(old, new) == []
    assert figures(old, new)["billed_tokens_ratio"] == (9000 + 2700) / 9000


def test_different_work_or_a_log_counting_past_the_bill_is_a_problem() -> None:
    old = _layout("v2", [(8000, 0, 1000, 800, 0.004)])
    assert problems(old, _layout("v3", [(8000, 0, 1000, 800, 0.004)], passed=False))
    assert problems(old, _layout("v3", [(8000, 0, 1000, 800, 0.004)] * 2))
    unbilled = _layout("v3", [(8000, 7000, 1000, 800, 0.002)])
    unbilled.billed = [Billed("PlanOut", 8000, 0, 200, 800)]  # the log says cached, the bill does not
    assert problems(old, unbilled)


def test_a_purposes_thinking_budget_is_measured_by_its_setting_only() -> None:
    """``--thinking replan=256``: the newest layout's NA_MODEL_THINKING_REPLAN (decision 0226)."""
    assert budget("replan=256") == ("replan", 256)
    assert budget("plan=0") == ("plan", 0)
    for wrong in ("code=256", "plans=1", "plan=", "plan=-1", "plan"):  # code: no setting of its own
        with pytest.raises(argparse.ArgumentTypeError):
            budget(wrong)
