"""The plan task's path that ``make plan-path`` reports (tools/plan_path.py)."""

from tools import plan_path


def test_the_path_counts_the_run_s_own_calls_and_not_import_time_code() -> None:
    calls = plan_path.trace_start_run()
    stops = dict.fromkeys(calls)
    figures = plan_path.figures(calls)

    assert ("shared.engine.planning.start", "start_run") in stops
    assert figures["plan_path_stops"] == len(stops) > 0
    assert figures["plan_path_modules"] == len({module for module, _ in stops})
    # A tool's argument schema is a class body run when its module is first imported: not a stop.
    assert not [f for _, f in stops if f.endswith("Args")]


def test_returns_count_each_time_the_path_comes_back_to_a_module_it_left() -> None:
    calls = [("a", "f"), ("b", "g"), ("a", "h"), ("a", "f"), ("c", "k"), ("b", "g")]

    assert plan_path.figures(calls) == {
        "plan_path_stops": 4,
        "plan_path_modules": 3,
        "plan_path_returns": 2,
        "plan_path_calls": 6,
    }
