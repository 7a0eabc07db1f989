"""pytest-xdist's controller rewrites the test modules once for its workers
(tests/support/suite/rewrite_cache.py, decision 0208): the files it picks, and a cache pytest's
import hook reads as its own."""

from pathlib import Path

import pytest
from _pytest.assertion import rewrite

from tests.support.suite import rewrite_cache


def _tree(root: Path) -> None:
    for name in ("a/test_one.py", "a/conftest.py", "a/helpers.py", "b/test_two.py", "c/test_three.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("def test_it():\n    seen = 1\n    assert seen == 2\n")


def test_the_modules_are_the_test_and_conftest_files_under_the_arguments_minus_the_ignored(
    tmp_path: Path,
) -> None:
    _tree(tmp_path)
    found = rewrite_cache.modules_under(tmp_path, [".", "c/test_three.py::test_it"], [tmp_path / "b"])
    names = [p.relative_to(tmp_path).as_posix() for p in found]
    assert names == ["a/conftest.py", "a/test_one.py", "c/test_three.py", "c/test_three.py"]


def test_the_cache_holds_the_rewritten_code_once(
    tmp_path: Path, pytestconfig: pytest.Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What is written is pytest's rewrite (an assert's message names its values, which plain
    bytecode's does not), found valid by the import hook's own reader; a second pass writes nothing."""
    monkeypatch.setattr("sys.dont_write_bytecode", False)
    _tree(tmp_path)
    module = tmp_path / "a" / "test_one.py"
    assert rewrite_cache.warm(pytestconfig, [module]) == 1
    code = rewrite._read_pyc(module, rewrite.get_cache_dir(module) / f"test_one{rewrite.PYC_TAIL}")
    assert code is not None
    namespace: dict[str, object] = {}
    exec(code, namespace)  # the test module just written above
    with pytest.raises(AssertionError, match=r"assert 1 == 2"):
        namespace["test_it"]()  # type: ignore[operator]  # the module's function, exec'd above
    assert rewrite_cache.warm(pytestconfig, [module]) == 0
