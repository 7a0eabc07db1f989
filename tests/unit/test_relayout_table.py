"""docs/relayout.md's tables of moves are tools/relayout.py's rows (decision 0150): a row added to the
script and not to the page, or to the page and not to the script, fails. So does a move the script
would still make on this tree (a module left at an old path)."""

import re
from pathlib import Path

from tools import relayout

ROOT = Path(__file__).resolve().parents[2]
_ROW = re.compile(r"^\| `([\w.]+)`[^|]* \| `([\w.]+)` \|$", re.MULTILINE)


def _tables() -> list[set[tuple[str, str]]]:
    """Each table of the page's section on the second relayout, as its (old, new) rows, in order."""
    text = (ROOT / "docs" / "relayout.md").read_text()
    blocks = re.split(r"\n\n(?=\| old \| new \|)", text.split("## Issue 79, point 2", 1)[1])[1:]
    return [set(_ROW.findall(block.split("\n\n", 1)[0])) for block in blocks]


def test_the_page_lists_the_script_s_moves_splits_and_renames() -> None:
    modules, names, identifiers = _tables()
    assert modules == set(relayout.NAMED.items())
    # The page names a split module's name by the module it left (a script's row may key it by the
    # module's new name, where the rest of it went).
    old_of = {new: old for old, new in relayout.NAMED.items()}
    assert names == {
        (f"{old_of.get(module, module)}.{name}", f"{holder}.{name}")
        for module, moved in relayout.SYMBOLS_NAMED.items()
        for name, holder in moved.items()
    }
    assert set(relayout.NAMES["shared.sync"].items()) <= identifiers


def test_no_module_is_left_at_an_old_path() -> None:
    for old, new in relayout.NAMED.items():
        path = ROOT / old.replace(".", "/")
        assert not path.with_suffix(".py").exists() and not (path / "__init__.py").exists(), old
        target = ROOT / new.replace(".", "/")
        assert target.with_suffix(".py").exists() or (target / "__init__.py").exists(), new
