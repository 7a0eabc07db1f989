"""`make pytest` hands its workers the long modules (a whole stack, a storm, a benchmark run as a test)
first, so that none of them is left to run alone at the end (tests/conftest.py, decision 0105)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _collected(*paths: str) -> list[str]:
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", "--collect-only", *paths],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    return [line for line in listed.stdout.splitlines() if "::" in line]


def test_the_long_modules_are_collected_first_and_each_module_keeps_its_order() -> None:
    docs, bench, e2e = (
        "tests/unit/test_docs.py",
        "tests/integration/engine/test_bench_engine_runs.py",
        "tests/e2e/test_smoke.py",
    )
    ids = _collected(docs, bench, e2e)
    assert list(dict.fromkeys(i.split("::")[0] for i in ids)) == [bench, e2e, docs]
    assert [i for i in ids if i.startswith(docs)] == _collected(docs)


class _Worker:
    """What pytest-xdist's scheduler calls on a worker: the test indexes it is sent."""

    def __init__(self, name: str) -> None:
        self.sent: list[int] = []
        self.shutting_down = False
        self.gateway = type("Gateway", (), {"id": name})()

    def send_runtest_some(self, indexes: list[int]) -> None:
        self.sent += indexes

    def shutdown(self) -> None:
        self.shutting_down = True


class _Config:
    def __init__(self, dist: str) -> None:
        self.values = {"dist": dist, "tx": ["3*popen"], "loadscopereorder": False}
        self.option = type("Option", (), {"loadscopereorder": False})()

    def getvalue(self, name: str) -> object:
        return self.values[name]


def test_loadfile_hands_out_the_engine_s_scenarios_one_at_a_time_and_other_modules_whole() -> None:
    """Under ``--dist loadfile`` (make pytest) the engine's reliability scenarios, each on a stack of
    its own, go to three workers; an e2e module, whose tests share its stack, stays on one."""
    from tests.conftest import pytest_xdist_make_scheduler

    engine = "tests/reliability/test_engine_reliability.py"
    collection = [f"{engine}::test_{c}" for c in "abc"] + [
        f"tests/e2e/test_smoke.py::test_{i}" for i in range(3)
    ]
    scheduler = pytest_xdist_make_scheduler(_Config("loadfile"), None)  # type: ignore[arg-type]  # a stand-in
    workers = [_Worker(f"gw{i}") for i in range(3)]
    for worker in workers:
        scheduler.add_node(worker)
        scheduler.add_node_collection(worker, collection)
    scheduler.schedule()
    first = [collection[w.sent[0]] for w in workers]
    assert first == collection[:3]  # each worker starts on a scenario of its own
    smoke = [w for w in workers if any(collection[i].startswith("tests/e2e/") for i in w.sent)]
    assert len(smoke) == 1 and {collection[i] for i in smoke[0].sent} >= set(collection[3:])
    assert pytest_xdist_make_scheduler(_Config("load"), None) is None  # type: ignore[arg-type]  # a stand-in
