"""The tests' own layout: a test module is named for the behaviour it checks (not for the review or
incident that asked for it), and what several test modules share lives in a fakes or support module
(``tests/fakes.py``, ``tests/api_fakes.py``, ``tests/support/``) or a ``conftest.py``, never in
another test module."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
OCCASIONS = ("review", "robustness", "incident", "issue")


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
        "import tests.unit.test_y\nfrom tests.unit.test_entry_points import client\nfrom tests.fakes import F\n"
    )
    hits = _imports_of_test_modules(module, tmp_path)
    assert [hit.split(" ", 1)[1] for hit in hits] == [
        "import tests.unit.test_y",
        "from tests.unit.test_entry_points",
    ]


def test_no_test_file_is_named_for_an_occasion() -> None:
    named = [
        str(path.relative_to(TESTS.parent))
        for path in sorted(TESTS.rglob("test_*.py"))
        if any(word in path.stem for word in OCCASIONS)
    ]
    assert named == [], "name a test file for the module or behaviour it checks"
