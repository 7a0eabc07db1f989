"""The tests' own layout: a test module is named for the behaviour it checks (not for the review or
incident that asked for it), and what several test modules share lives in a fakes or support module
(``tests/support/<capability>/``, each capability's fakes beside its tests) or a ``conftest.py``, never in
another test module. No folder of tests/ holds more than 15 Python modules, as in the product:
a big suite is split into packages by capability or by what they test."""

import ast
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tools.check_layout import FOLDERS, LIMITS, folders

TESTS = Path(__file__).resolve().parents[1]
OCCASIONS = ("review", "robustness", "incident", "issue")
# A type: ignore without its error code ("type: ignore" alone, or followed by a space or "#").
BARE_IGNORE = re.compile(r"#\s*type:\s*ignore(?!\[)")


def _is_test_module(module: str) -> bool:
    return module.startswith("tests.") and module.rsplit(".", 1)[-1].startswith("test_")


def _imports_of_test_modules(path: Path, root: Path = TESTS.parent) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and _is_test_module(node.module):
            found.append(f"{path.relative_to(root)}:{node.lineno} from {node.module}")
        elif isinstance(node, ast.Import):
            found += [
                f"{path.relative_to(root)}:{node.lineno} import {alias.name}"
                for alias in node.names
                if _is_test_module(alias.name)
            ]
    return found


def test_no_module_under_tests_imports_a_test_module() -> None:
    found = [hit for path in sorted(TESTS.rglob("*.py")) for hit in _imports_of_test_modules(path)]
    assert found == [], "move what they share into a fakes/support module or conftest.py:\n" + "\n".join(
        found
    )


def test_the_check_sees_an_import_of_a_test_module(tmp_path: Path) -> None:
    module = tmp_path / "tests" / "unit" / "test_x.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "import tests.unit.test_y\nfrom tests.unit.platform.entry.test_entry_points import client\nfrom tests.fakes import F\n"
    )
    hits = _imports_of_test_modules(module, tmp_path)
    assert [hit.split(" ", 1)[1] for hit in hits] == [
        "import tests.unit.test_y",
        "from tests.unit.platform.entry.test_entry_points",
    ]


def test_no_test_file_is_named_for_an_occasion() -> None:
    named = [
        str(path.relative_to(TESTS.parent))
        for path in sorted(TESTS.rglob("test_*.py"))
        if any(word in path.stem for word in OCCASIONS)
    ]
    assert named == [], "name a test file for the module or behaviour it checks"


def _mypy_config(pyproject: Path = TESTS.parent / "pyproject.toml") -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads(pyproject.read_text())["tool"]["mypy"]
    return config


def _silenced_test_modules(config: dict[str, Any]) -> list[str]:
    """What keeps a module under tests/ out of the type check: an ``exclude`` pattern, or an override
    that names it and hides its errors (``follow_imports = "silent"`` or ``"skip"``, ``ignore_errors``)."""
    found: list[str] = []
    excludes = config.get("exclude", [])
    for pattern in [excludes] if isinstance(excludes, str) else excludes:
        if any(re.search(pattern, str(p.relative_to(TESTS.parent))) for p in TESTS.rglob("*.py")):
            found.append(f"exclude {pattern}")
    for override in config.get("overrides", []):
        modules = override.get("module", [])
        named = [m for m in ([modules] if isinstance(modules, str) else modules) if m.startswith("tests")]
        if named and (override.get("ignore_errors") or override.get("follow_imports") in ("silent", "skip")):
            found += [f"override {m}" for m in named]
    return found


def test_mypy_checks_every_module_under_tests() -> None:
    """The tests/ folder is type-checked whole, so a fake that drifts from its port fails make typecheck."""
    config = _mypy_config()
    assert "tests" in config["files"]
    assert _silenced_test_modules(config) == [], "fix the module's type errors instead"


def test_the_mypy_check_sees_an_excluded_or_silenced_test_module() -> None:
    config = {
        "files": ["tests"],
        "exclude": ["^tests/unit/test_test_layout\\.py$", "^nowhere/"],
        "overrides": [
            {"module": "shared.*", "strict": True},
            {"module": ["tests.unit.test_x"], "follow_imports": "silent"},
            {"module": "tests.*", "ignore_errors": True},
        ],
    }
    assert _silenced_test_modules(config) == [
        "exclude ^tests/unit/test_test_layout\\.py$",
        "override tests.unit.test_x",
        "override tests.*",
    ]


def test_every_type_ignore_under_tests_names_its_error_code() -> None:
    bare = [
        f"{path.relative_to(TESTS.parent)}:{number}"
        for path in sorted(TESTS.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if BARE_IGNORE.search(line) or line.startswith("# mypy: ignore-errors")
    ]
    assert bare == [], "an ignore names the error it allows, e.g. # type: ignore[no-untyped-call]"


def test_no_folder_under_tests_holds_more_than_15_modules() -> None:
    """The tests mirror the packages; ``make check-layout`` holds the same figure."""
    limit = LIMITS["largest_folder_modules"]
    assert "tests" in FOLDERS
    over = {folder: n for folder, n in folders(("tests",), TESTS.parent).items() if n > limit}
    assert over == {}, f"split these into packages of at most {limit} modules (by capability): {over}"


def test_the_folder_count_takes_init_and_conftest_and_skips_caches(tmp_path: Path) -> None:
    suite = tmp_path / "tests" / "big"
    (suite / "__pycache__").mkdir(parents=True)
    for name in ("__init__", "conftest", *(f"test_{i}" for i in range(14))):
        (suite / f"{name}.py").write_text("")
    (suite / "__pycache__" / "cached.py").write_text("")
    (suite / "data.json").write_text("{}")
    assert folders(("tests",), tmp_path) == {"tests/big": 16}


def test_fakes_lie_beside_their_capabilities() -> None:
    """No fake lies at the top of tests/ (the old ``tests/fakes.py``); a fakes module
    of tests/support/ lies in the folder of a capability of shared/."""
    top = [
        f"{path.name}:{node.name}"
        for path in sorted(TESTS.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef) and node.name.startswith("Fake")
    ]
    assert top == [], "move each fake to tests/support/<the capability of the port it stands in for>/"
    homes = {p.parent.name for p in (TESTS / "support").glob("*/*fake*.py")}
    assert homes and homes <= {p.parent.name for p in (TESTS.parent / "shared").glob("*/__init__.py")}, homes


def test_the_relayout_rows_of_the_fakes_name_where_each_lives_now() -> None:
    """Each name tools/relayout.py sends out of the old fakes modules is defined where its row says, the
    old modules are gone, and an import of two of them becomes one import per capability."""
    import importlib

    from tools import relayout

    rows = {old: names for old, names in relayout.SYMBOLS.items() if old.startswith("tests.")}
    assert set(rows) == {"tests.fakes", "tests.engine_fakes", "tests.api_fakes"}
    for old, names in rows.items():
        assert not (TESTS.parent / f"{old.replace('.', '/')}.py").exists(), old
        for name, new in names.items():
            assert hasattr(importlib.import_module(new), name), f"{old}.{name} -> {new}"
    text = "from tests.fakes import FakeAgents, FakeQueue as Q  # two\n"
    assert relayout.rewrite_text(text, python=True, prose=True) == (
        "from tests.support.agents.agent_fakes import FakeAgents  # two\n"
        "from tests.support.platform.platform_fakes import FakeQueue as Q\n"
    )


def test_relayout_names_what_is_still_imported_from_a_gone_module_without_a_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A branch merged after the split that imports a new fake from ``tests.fakes``: the script says so."""
    from tools import relayout

    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "kept.py").write_text("")
    (tmp_path / "test_a.py").write_text(
        "from tests.fakes import (\n    FakeQueue,\n    FakeNew as N,\n)\nfrom shared.kept import z\n"
    )
    monkeypatch.setattr(relayout, "ROOT", tmp_path)
    monkeypatch.setattr(relayout, "_tracked", lambda: ["test_a.py"])
    monkeypatch.setattr(
        relayout,
        "SYMBOLS",
        {"tests.fakes": {"FakeQueue": "tests.support.platform.platform_fakes"}, "shared.kept": {"y": "x"}},
    )
    assert relayout.stragglers() == ["test_a.py: from tests.fakes import FakeNew"]
