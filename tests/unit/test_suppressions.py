"""Every lint or type suppression in the code says why after it, on its line: an unannotated
third-party call, a dispatch table's branches. A bare one is fixed in the code instead."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("shared", "functions", "local", "tools", "tests")
# A noqa or type: ignore (with its codes or not) that ends the line: nothing says why. ("[:]": so
# that this line is not itself a bare ignore to test_test_layout.)
BARE = re.compile(r"(# noqa(: [A-Z0-9, ]+)?|# type[:] ignore(\[[a-z,-]+\])?)\s*$")


def _bare(lines: list[str]) -> list[int]:
    return [number for number, line in enumerate(lines, 1) if BARE.search(line)]


def test_no_suppression_is_left_without_its_reason() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for top in CHECKED
        for path in sorted((ROOT / top).rglob("*.py"))
        for number in _bare(path.read_text().splitlines())
    ]
    assert found == [], (
        "type the code, or say why after the suppression, e.g. '# noqa: PLR0912 (a case per kind)'"
    )


def test_a_bare_suppression_is_told_from_a_justified_one() -> None:
    lines = [
        "x = f()  # type: ignore[no-untyped-call]",
        "import a as a  # noqa: PLC0414",
        "y = 1  # noqa",
        "z = g(x)  # type: ignore[arg-type]\t",
        "w = f()  # type: ignore[no-untyped-call]  # functions-framework: unannotated",
        "def h():  # noqa: PLR0912 (one branch per block type)",
        "v = 2  # an ordinary comment",
    ]
    assert _bare(lines) == [1, 2, 3, 4]
