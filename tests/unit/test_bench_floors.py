"""The benchmarks' floors load what ``FLOOR_PRELOAD`` names at their start, and nothing of ours but the
collector's pause, as ``main`` loads a target; the functions and floors they run see none of this
machine's CA settings."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOORS = ROOT / "tests" / "perf" / "floors.py"
_LOAD = """\
import gc, importlib.util, sys
frozen = gc.get_freeze_count()
spec = importlib.util.spec_from_file_location("floors", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
ours = ("pydantic.main", "pydantic.fields", "shared", "google.cloud.secretmanager")
print(",".join(sorted(m for m in ours if m in sys.modules)))
print(gc.isenabled(), gc.get_freeze_count() - frozen)
"""


def _loaded(preload: str | None) -> tuple[str, bool, int]:
    """The modules of interest loaded with the floors, whether the collector ends enabled, and how
    many objects loading them froze."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    env |= {"FLOOR_PRELOAD": preload} if preload is not None else {}
    result = subprocess.run(
        [sys.executable, "-c", _LOAD, str(FLOORS)], env=env, capture_output=True, text=True, check=True
    )
    modules, collector = result.stdout.splitlines()
    enabled, frozen = collector.split()
    return modules, enabled == "True", int(frozen)


def test_a_floor_loads_pydantic_only_when_asked() -> None:
    assert _loaded(None)[0] == ""
    assert _loaded("")[0] == ""
    assert _loaded("pydantic.main,pydantic.fields")[0] == "pydantic.fields,pydantic.main"


def test_a_floor_loads_its_libraries_as_main_loads_a_target() -> None:
    """Collector paused, what loaded frozen, collector back on: the objects of the preloaded libraries
    are frozen too, so the target's pause is not a head start over its floor."""
    _, enabled, frozen_bare = _loaded("")
    assert enabled and frozen_bare > 10_000  # flask's and the Google clients' objects
    preloaded, enabled, frozen = _loaded("google.cloud.secretmanager")
    assert preloaded == "google.cloud.secretmanager" and enabled
    assert frozen > frozen_bare + 1_000  # and secretmanager's own


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
