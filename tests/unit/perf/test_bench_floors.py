"""The webhook benchmark's floor loads nothing of ours but the collector's pause, as ``main`` loads a
target; the functions and the floor it runs see none of this machine's CA settings."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FLOORS = ROOT / "tests" / "perf" / "floors.py"
_LOAD = """\
import gc, importlib.util, sys
frozen = gc.get_freeze_count()
spec = importlib.util.spec_from_file_location("floors", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
ours = ("pydantic.main", "shared", "google.cloud.secretmanager")
print(",".join(sorted(m for m in ours if m in sys.modules)))
print(gc.isenabled(), gc.get_freeze_count() - frozen)
"""


def test_the_floor_loads_its_libraries_as_main_loads_a_target_and_nothing_of_ours() -> None:
    """Collector paused, what loaded frozen, collector back on: the floor's libraries' objects are
    frozen too, so the target's pause is not a head start over its floor."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", _LOAD, str(FLOORS)], env=env, capture_output=True, text=True, check=True
    )
    modules, collector = result.stdout.splitlines()
    enabled, frozen = collector.split()
    assert modules == ""  # Secret Manager's client loads with the first secret read, as in a function
    assert enabled == "True" and int(frozen) > 10_000  # flask's and the Google clients' objects


def test_the_functions_and_floors_run_without_this_machine_s_ca_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.perf.backends import MACHINE_TLS, Backends

    for name in MACHINE_TLS:
        monkeypatch.setenv(name, "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("LANG", "C.UTF-8")
    backends = Backends(tmp_path)
    for env in (backends.app_env(), backends.floor_env()):
        assert not MACHINE_TLS & set(env) and env["LANG"] == "C.UTF-8"
