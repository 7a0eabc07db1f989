"""Issue 64's figures for the layout, as one line: ``make check-layout``.

``RESULT largest_folder_modules=<n> largest_module_lines=<n> duplicate_pairs=<n> product_pairs=<n>
capability_contract=<0|1>``, where

- largest_folder_modules: the most Python files (``__init__.py`` included) one folder of ``shared/``,
  ``functions/`` or ``tests/`` holds;
- largest_module_lines: the most lines of a Python module under ``shared/`` or ``functions/``;
- duplicate_pairs: the pairs ``duplicates --most 200`` lists over the whole tree, and product_pairs
  those with both sides under ``shared/`` or ``functions/``;
- capability_contract: 1 when ``lint-imports`` passes with the capabilities' contract in pyproject.toml.

The lines before it name the folders and modules over the limits. It exits 1 when a figure in
:data:`ENFORCED` is over its limit: the limits the layout has reached are enforced, the others are
reported only.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("shared", "functions")
# The trees whose folders hold at most LIMITS["largest_folder_modules"] modules: the tests mirror the product.
FOLDERS = (*PRODUCT, "tests")
LIMITS = {
    "largest_folder_modules": 15,
    "largest_module_lines": 500,
    "duplicate_pairs": 100,
    "product_pairs": 25,
    "capability_contract": 1,
}
# The figures that must hold now (exit 1 over them). Add a figure here once it holds.
ENFORCED = ("largest_folder_modules", "largest_module_lines", "product_pairs", "capability_contract")
CONTRACT = "Capabilities: each uses only the ones below it"
_PAIR = re.compile(r"^D\d+ (\S+?):\d+-\d+ ~ (\S+?):\d+-\d+")


def folders(top: tuple[str, ...], root: Path = ROOT) -> dict[str, int]:
    """Python files per folder under ``top`` of ``root`` (caches aside)."""
    counts: dict[str, int] = {}
    for name in top:
        for path in (root / name).rglob("*.py"):
            if "__pycache__" in path.parts:
                continue
            folder = str(path.parent.relative_to(root))
            counts[folder] = counts.get(folder, 0) + 1
    return counts


def module_lines() -> dict[str, int]:
    return {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines())
        for name in PRODUCT
        for p in (ROOT / name).rglob("*.py")
        if "__pycache__" not in p.parts
    }


def duplicate_pairs() -> tuple[int, int, list[str]]:
    """(pairs, pairs with both sides product code, the product rows), from ``duplicates --most 200``."""
    out = subprocess.run(
        ["duplicates", "--most", "200", "--seconds", "300"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    first = out.splitlines()[0] if out else ""
    total = int(first.split()[0]) if first[:1].isdigit() else 0
    product = [
        line
        for line in out.splitlines()
        if (m := _PAIR.match(line))
        and all(side.startswith(tuple(f"{p}/" for p in PRODUCT)) for side in m.groups())
    ]
    return total, len(product), product


def capability_contract() -> int:
    """1 when pyproject.toml holds the capabilities' contract and lint-imports keeps every contract."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    if not any(c["name"].startswith(CONTRACT) for c in config):
        return 0
    lint = subprocess.run(
        [str(ROOT / ".venv/bin/lint-imports")], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return 1 if lint.returncode == 0 else 0


def main() -> int:
    held_folders = folders(FOLDERS)
    lines = module_lines()
    total, product, product_rows = duplicate_pairs()
    figures = {
        "largest_folder_modules": max(held_folders.values()),
        "largest_module_lines": max(lines.values()),
        "duplicate_pairs": total,
        "product_pairs": product,
        "capability_contract": capability_contract(),
    }
    for folder, n in sorted(held_folders.items()):
        if n > LIMITS["largest_folder_modules"]:
            print(f"folder over {LIMITS['largest_folder_modules']}: {folder} ({n} modules)")
    for module, n in sorted(lines.items(), key=lambda kv: -kv[1]):
        if n > LIMITS["largest_module_lines"]:
            print(f"module over {LIMITS['largest_module_lines']} lines: {module} ({n})")
    for row in product_rows:
        print(f"product pair: {row}")
    failed = [
        name
        for name in ENFORCED
        if (figures[name] < LIMITS[name] if name == "capability_contract" else figures[name] > LIMITS[name])
    ]
    print("RESULT " + " ".join(f"{k}={v}" for k, v in figures.items()))
    for name, limit in LIMITS.items():
        state = "enforced" if name in ENFORCED else "not reached: reported only"
        print(f"  {name}: limit {limit} ({state})")
    if failed:
        print(f"check-layout: over the limit: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
