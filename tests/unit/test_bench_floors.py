"""The benchmarks' floors load what ``FLOOR_PRELOAD`` names at their start, and nothing of ours; the
functions and floors they run see none of this machine's CA settings."""

import subprocess
import sys
from pathlib import Path

import pytest

FLOORS = Path(__file__).resolve().parents[1] / "perf" / "floors.py"
_LOAD = """\
import importlib.util, sys
spec = importlib.util.spec_from_file_location("floors", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
print(",".join(sorted(m for m in ("pydantic.main", "pydantic.fields", "shared") if m in sys.modules)))
"""


def _loaded(preload: str | None) -> str:
    env = {"PATH": "/usr/bin:/bin"} | ({"FLOOR_PRELOAD": preload} if preload is not None else {})
    result = subprocess.run(
        [sys.executable, "-c", _LOAD, str(FLOORS)], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_a_floor_loads_pydantic_only_when_asked() -> None:
    assert _loaded(None) == ""
    assert _loaded("") == ""
    assert _loaded("pydantic.main,pydantic.fields") == "pydantic.fields,pydantic.main"


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
