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
