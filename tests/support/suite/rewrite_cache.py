"""pytest's rewritten test modules cached once, by pytest-xdist's controller before its workers start
(decision 0208): on a clean clone each worker rewrote the asserts of every test module it collected
(~17 CPU s of its ~31 s collection of make pytest's suites), all of them the same modules at once.
The cache is pytest's own (``__pycache__/*.cpython-313-pytest-*.pyc``), written as its import
hook writes it; a worker reads it as it reads one a previous session left."""

import sys
from pathlib import Path

import pytest


def test_files(config: pytest.Config) -> list[Path]:
    """The test modules and conftest files under the session's path arguments, minus its
    ``--ignore`` paths (what the workers will collect and so rewrite)."""
    ignored = [Path(p).resolve() for p in config.getoption("ignore") or []]
    return modules_under(config.invocation_params.dir, config.args, ignored)


def modules_under(cwd: Path, args: list[str], ignored: list[Path]) -> list[Path]:
    """``test_*.py`` and ``conftest.py`` files under ``args`` (paths from ``cwd``, a node id's file
    taken), none under an ``ignored`` path."""
    found: list[Path] = []
    for arg in args:
        root = Path(cwd, arg.split("::", 1)[0]).resolve()
        for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
            if not (path.name.startswith("test_") or path.name == "conftest.py"):
                continue
            if not any(path.is_relative_to(i) for i in ignored):
                found.append(path)
    return found


def warm(config: pytest.Config, files: list[Path]) -> int:
    """Rewrite and cache every module of ``files`` (:func:`test_files`) that has no valid cached rewrite yet; the
    number written. Nothing where bytecode is not written (``PYTHONDONTWRITEBYTECODE``) or where this
    pytest lacks the hook's internals (then each worker rewrites, as before)."""
    if sys.dont_write_bytecode or config.getoption("assertmode") != "rewrite":
        return 0
    try:
        from _pytest.assertion import rewrite
    except ImportError:  # pragma: no cover - pytest moved its internals: the workers rewrite
        return 0
    state = config.stash.get(rewrite.assertstate_key, None)
    if state is None:
        return 0
    written = 0
    for path in files:
        cache_dir = rewrite.get_cache_dir(path)
        pyc = cache_dir / (path.name[:-3] + rewrite.PYC_TAIL)
        if rewrite._read_pyc(path, pyc) is not None or not rewrite.try_makedirs(cache_dir):
            continue
        try:
            source_hash, code = rewrite._rewrite_test(path, config)
        except SyntaxError:  # the worker's collection reports it
            continue
        written += rewrite._write_pyc(state, code, source_hash, pyc)
    return written
