"""``functions/main.py``: targets looked up lazily, loaded with the collector paused, then frozen."""

import gc
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from functions import main

ROOT = Path(__file__).resolve().parents[4]

# A cold start in a fresh interpreter, as functions-framework makes it: the framework, then main's
# target (twice: the framework looks it up with hasattr, then getattr).
_CHILD = textwrap.dedent(
    """
    import gc, json, sys
    import functions_framework  # the runtime imports it before main
    sys.path.insert(0, sys.argv[2])
    collections = []
    gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info["generation"]))
    import main
    before = len(collections)
    first = getattr(main, sys.argv[1])
    during = len(collections) - before
    print(json.dumps({
        "collections_during_load": during,
        "collector_enabled": gc.isenabled(),
        "frozen": gc.get_freeze_count(),
        "kept": vars(main).get(sys.argv[1]) is first is getattr(main, sys.argv[1]),
    }))
    """
)


def _cold_start(target: str, source: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, target, str(source)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_a_target_loads_with_the_collector_paused_then_frozen_and_kept(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_bytes((ROOT / "functions" / "main.py").read_bytes())
    report = _cold_start("notify", tmp_path)
    assert report["collections_during_load"] == 0
    assert report["collector_enabled"] is True
    assert report["frozen"] > 10_000  # no later collection walks them
    assert report["kept"] is True  # functions-framework's second lookup costs nothing


def test_without_the_pause_the_same_load_runs_collections(tmp_path: Path) -> None:
    """The check above can fail: the same cold start with a main that does not pause collects often."""
    plain = (ROOT / "functions" / "main.py").read_text().replace("gc.disable()", "pass")
    (tmp_path / "main.py").write_text(plain)
    assert _cold_start("notify", tmp_path)["collections_during_load"] > 0


def test_an_unknown_target_names_the_known_ones() -> None:
    with pytest.raises(AttributeError, match="no target 'nope'; targets: oauth_callback, "):
        _ = main.nope


def test_the_collector_comes_back_as_it_was_even_when_an_import_fails() -> None:
    try:
        with pytest.raises(ImportError), main.paused_collector():
            assert not gc.isenabled()
            raise ImportError("broken target")
        assert gc.isenabled()

        gc.disable()
        with main.paused_collector():
            pass
        assert not gc.isenabled(), "a collector someone else paused stays paused"
    finally:
        gc.unfreeze()  # give the test process its collectable objects back
        gc.enable()
